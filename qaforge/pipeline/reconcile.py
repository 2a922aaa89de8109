"""Reconciliation stage: a rules run and an LLM run matched per report version
into a third, ``reconciled`` run that generation can use; and
:func:`extract_database_both`, the three (rules, LLM, reconcile) as one call.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

from qaforge.domain.vocabulary import DISPUTED, Finding
from qaforge.extract.reconcile import ReconciliationPolicy, reconcile
from qaforge.pipeline.extract import DatabaseExtractionSummary, extract_database
from qaforge.pipeline.extract_llm import LLMExtractionSummary, extract_database_llm
from qaforge.pipeline.run import Progress, begin_stage, extraction_run
from qaforge.settings import LLMSettings
from qaforge.store.engine import Engine
from qaforge.store.extraction import (
    ensure_extraction_run,
    extraction_run_id,
    finding_from_columns,
    pending_reports,
    read_report_versions,
    store_extracted_batch,
)
from qaforge.store.llm import (
    reconciliation_counts,
    run_findings,
    store_reconciliations,
)


class ReconciliationSummary(BaseModel):
    """What :func:`reconcile_database` did.

    ``kept`` counts the findings stored in the reconciled run, ``disputed`` those
    of them held for review (both sides of a ``review`` decision).
    """

    run_id: str
    rules_run_id: str
    llm_run_id: str
    reconciled: int = 0
    kept: int = 0
    disputed: int = 0
    states: dict[str, int] = Field(default_factory=dict)


def reconcile_database(
    engine: Engine,
    *,
    rules_run_id: str,
    llm_run_id: str,
    policy: ReconciliationPolicy | None = None,
    batch_size: int = 500,
) -> ReconciliationSummary:
    """Match a rules run and an LLM run into a ``reconciled`` run.

    Only report versions both runs have read are reconciled; the others stay
    pending for the reconciled run and are taken up by a later call.

    Returns:
        The reconciled run and its counts per state.
    """
    policy = policy or ReconciliationPolicy()
    begin_stage(engine, None)
    config = json.dumps([rules_run_id, llm_run_id, policy.model_dump()], sort_keys=True)
    config_hash = hashlib.sha256(config.encode()).hexdigest()
    run_id = extraction_run_id(extractor="reconciled", version="1", config_hash=config_hash)
    with engine.begin() as connection:
        ensure_extraction_run(
            connection,
            run_id=run_id,
            extractor="reconciled",
            version="1",
            config_hash=config_hash,
            params={
                "rules_run": rules_run_id,
                "llm_run": llm_run_id,
                "policy": policy.model_dump(),
            },
        )
    summary = ReconciliationSummary(run_id=run_id, rules_run_id=rules_run_id, llm_run_id=llm_run_id)
    after_id = 0
    with extraction_run(engine, run_id=run_id):
        while True:
            with engine.connect() as connection:
                batch = pending_reports(
                    connection, run_id=run_id, after_id=after_id, limit=batch_size
                )
            if not batch:
                break
            ids = [item.report_version_id for item in batch]
            _reconcile_batch(engine, summary, ids, policy)
            after_id = ids[-1]
    with engine.connect() as connection:
        summary.states = reconciliation_counts(connection, run_id=run_id)
    return summary


def _reconcile_batch(
    engine: Engine, summary: ReconciliationSummary, ids: list[int], policy: ReconciliationPolicy
) -> None:
    """Reconcile the report versions ``ids`` that both runs have read, in one transaction."""
    with engine.connect() as connection:
        rules = run_findings(connection, run_id=summary.rules_run_id, report_version_ids=ids)
        llm = run_findings(connection, run_id=summary.llm_run_id, report_version_ids=ids)
        read_by_both = _read_by_both(connection, summary.rules_run_id, summary.llm_run_id, ids)
    results, rows = [], []
    disputed = 0
    for version_id in ids:
        if version_id not in read_by_both:
            continue
        groups = reconcile(rules.get(version_id, []), llm.get(version_id, []), policy)
        kept = [finding_from_columns(row) for group in groups for row in group.kept]
        held = [_disputed(row) for group in groups for row in group.held]
        disputed += len(held)
        results.append((version_id, kept + held))
        rows.extend(_reconciliation_rows(summary.run_id, version_id, groups))
    with engine.begin() as connection:
        stored = store_extracted_batch(connection, run_id=summary.run_id, results=results)
        store_reconciliations(connection, rows=rows)
    summary.kept += stored - disputed
    summary.disputed += disputed
    summary.reconciled += len(results)


def _disputed(row: dict[str, Any]) -> Finding:
    """A finding row of a ``review`` decision, marked disputed: generation holds it for review."""
    finding = finding_from_columns(row)
    return finding.model_copy(
        update={"confidence": 0.0, "doubts": tuple(sorted({*finding.doubts, DISPUTED}))}
    )


def _read_by_both(connection, rules_run_id: str, llm_run_id: str, ids: list[int]) -> set[int]:
    return read_report_versions(connection, run_id=rules_run_id, report_version_ids=ids) & (
        read_report_versions(connection, run_id=llm_run_id, report_version_ids=ids)
    )


def _reconciliation_rows(run_id: str, version_id: int, groups) -> list[dict[str, Any]]:
    rows = []
    for group in groups:
        rule_ids = sorted(row["id"] for row in group.rule_findings)
        llm_ids = sorted(row["id"] for row in group.llm_findings)
        key = json.dumps([run_id, version_id, group.code, group.state, rule_ids, llm_ids])
        rows.append(
            {
                "id": hashlib.sha256(key.encode()).hexdigest()[:32],
                "run_id": run_id,
                "report_version_id": version_id,
                "code": group.code,
                "state": group.state,
                "decision": group.decision,
                "rule_finding_ids": rule_ids,
                "llm_finding_ids": llm_ids,
            }
        )
    return rows


class BothExtractionSummary(BaseModel):
    """What ``extract --extractor both`` did: the rules run, the LLM run, their reconciliation."""

    rules: DatabaseExtractionSummary
    llm: LLMExtractionSummary
    reconciled: ReconciliationSummary


def extract_database_both(
    engine: Engine,
    settings: LLMSettings,
    *,
    policy: ReconciliationPolicy | None = None,
    workers: int = 1,
    batch_size: int = 500,
    refresh: bool = False,
    progress: Progress | None = None,
) -> BothExtractionSummary:
    """Run the rules, then the LLM, then reconcile the two runs into a third.

    Args:
        engine: The store.
        settings: The LLM server, model and limits.
        policy: What to keep of each agreement state; the default policy if None.
        workers: Worker processes for the rules.
        batch_size: Report versions per rules transaction.
        refresh: Ignore cached LLM answers and ask again.
        progress: Where to report progress (one task per run).

    Returns:
        The three runs' summaries. Reports the LLM failed on stay pending for
        both the LLM and the reconciled run, and are taken up by the next call.
    """
    rules = extract_database(engine, workers=workers, batch_size=batch_size, progress=progress)
    llm = extract_database_llm(engine, settings, refresh=refresh, progress=progress)
    reconciled = reconcile_database(
        engine, rules_run_id=rules.run_id, llm_run_id=llm.run_id, policy=policy
    )
    return BothExtractionSummary(rules=rules, llm=llm, reconciled=reconciled)
