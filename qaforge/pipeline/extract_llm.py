"""The LLM extractor and reconciliation on the store and on files.

- :func:`extract_database_llm`: every current report version the LLM run has
  not read successfully; cached answers send no request; each batch is
  stored in one transaction (findings, outcomes, rejected findings, cache).
  A failed report keeps its reason and raw response and stays pending, so
  the next run asks again and only for it.
- :func:`reconcile_database`: matches a rules run and an LLM run per report
  version into a third, ``reconciled`` run that generation can use.
- :func:`extract_file_llm`: the same without a database (``--input/--output``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.vocabulary import Finding
from qaforge.extract.llm.extractor import LLMExtractor, LLMOutcome, LLMReport
from qaforge.extract.reconcile import ReconciliationPolicy, reconcile
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.ingest.reports import count_report_rows, read_report_file
from qaforge.pipeline.run import NoProgress, Progress, batches
from qaforge.settings import LLMSettings
from qaforge.store.engine import Engine
from qaforge.store.extraction import (
    count_findings_by_code,
    count_pending_reports,
    ensure_extraction_run,
    extraction_run_id,
    finding_columns,
    finding_from_columns,
    finish_extraction_run,
    pending_reports,
    read_report_versions,
    store_extracted_batch,
)
from qaforge.store.llm import (
    OutcomeRecord,
    cached_answers,
    reconciliation_counts,
    run_findings,
    store_cache_entries,
    store_outcomes,
    store_reconciliations,
    store_rejections,
)
from qaforge.store.schema import require_current_schema

FAILURE_EXAMPLES = 10


class LLMExtractionSummary(BaseModel):
    """What an LLM extraction did (database or file).

    Attributes:
        run_id: The LLM run (hash of model, prompt, schema, parameters); empty for files.
        new_run: Whether the run was created now.
        pending: Report versions to read at the start.
        extracted: Reports read successfully now.
        failed: Reports that failed now (recorded, asked again next run).
        from_cache: Of the extracted, answered from the cache (no request).
        requests: Requests sent (retries included).
        findings: Grounded findings stored or written.
        rejected: Stated findings refused (evidence not found, outside the vocabulary).
        prompt_tokens: Prompt tokens spent now.
        completion_tokens: Answer tokens spent now.
        cost: Estimated cost from the configured prices.
        failures: The first failures: (report id, reason).
        quarantined: Input rows refused (files only).
        findings_by_code: The run's findings per code (database only).
    """

    run_id: str = ""
    new_run: bool = False
    pending: int = 0
    extracted: int = 0
    failed: int = 0
    from_cache: int = 0
    requests: int = 0
    findings: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    failures: list[tuple[str, str]] = Field(default_factory=list)
    quarantined: int = 0
    findings_by_code: dict[str, int] = Field(default_factory=dict)

    def add(self, outcome: LLMOutcome, report_id: str) -> None:
        """Count one outcome."""
        self.requests += outcome.attempts
        self.prompt_tokens += outcome.prompt_tokens
        self.completion_tokens += outcome.completion_tokens
        if outcome.status == "extracted":
            self.extracted += 1
            self.from_cache += outcome.from_cache
            self.findings += len(outcome.findings)
            self.rejected += len(outcome.rejected)
        else:
            self.failed += 1
            if len(self.failures) < FAILURE_EXAMPLES:
                self.failures.append((report_id, outcome.reason or "unknown"))


def llm_run_id(extractor: LLMExtractor) -> str:
    """The extraction run id of an LLM configuration."""
    signature = extractor.signature
    return extraction_run_id(
        extractor=signature.extractor,
        version=signature.version,
        config_hash=signature.config_hash,
        model=signature.model,
        prompt_hash=signature.prompt_hash,
    )


def extract_database_llm(
    engine: Engine,
    settings: LLMSettings,
    *,
    refresh: bool = False,
    batch_size: int = 200,
    prompt_path: Path | None = None,
    progress: Progress | None = None,
) -> LLMExtractionSummary:
    """Read every pending current report version with the LLM; see the module docstring.

    Args:
        engine: The store.
        settings: Server, model, limits (the API key comes from the environment).
        refresh: Ignore cached answers (send a request for every pending report).
        batch_size: Report versions per transaction.
        prompt_path: Another prompt template.
        progress: Where to report progress (per report).

    Returns:
        Counts, tokens, estimated cost and the first failures.
    """
    progress = progress or NoProgress()
    require_current_schema(engine)
    extractor = LLMExtractor(settings, prompt_path)
    run_id = llm_run_id(extractor)
    signature = extractor.signature
    with engine.begin() as connection:
        new_run = ensure_extraction_run(
            connection,
            run_id=run_id,
            extractor=signature.extractor,
            version=signature.version,
            config_hash=signature.config_hash,
            model=signature.model,
            prompt_hash=signature.prompt_hash,
            params={**signature.params, "schema_hash": signature.schema_hash},
        )
        pending = count_pending_reports(connection, run_id=run_id)
    summary = LLMExtractionSummary(run_id=run_id, new_run=new_run, pending=pending)
    progress.start(f"LLM extract ({settings.model})", pending)
    after_id = 0
    status = "failed"
    try:
        while True:
            with engine.connect() as connection:
                batch = pending_reports(
                    connection, run_id=run_id, after_id=after_id, limit=batch_size
                )
                keys = [extractor.cache_key(item.text) for item in batch]
                cached = {} if refresh else cached_answers(connection, keys=keys)
            if not batch:
                break
            reports = [LLMReport(str(item.report_version_id), item.text) for item in batch]
            outcomes = extractor.extract(
                reports, cached=cached, on_done=lambda _: progress.advance()
            )
            names = {item.report_version_id: item.report_id for item in batch}
            with engine.begin() as connection:
                _store_outcomes(connection, run_id, settings.model, outcomes)
            for outcome in outcomes:
                summary.add(outcome, names[int(outcome.key)])
            after_id = batch[-1].report_version_id
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_extraction_run(connection, run_id=run_id, status=status)
    summary.cost = extractor.cost(summary.prompt_tokens, summary.completion_tokens)
    with engine.connect() as connection:
        summary.findings_by_code = count_findings_by_code(connection, run_id=run_id)
    return summary


def _store_outcomes(connection, run_id: str, model: str, outcomes: list[LLMOutcome]) -> None:
    extracted = [o for o in outcomes if o.status == "extracted"]
    store_extracted_batch(
        connection, run_id=run_id, results=[(int(o.key), o.findings) for o in extracted]
    )
    store_rejections(
        connection,
        run_id=run_id,
        rejections=[(int(o.key), r.reason, r.stated) for o in extracted for r in o.rejected],
    )
    store_cache_entries(
        connection,
        model=model,
        entries=[
            (o.cache_key, o.content, o.prompt_tokens, o.completion_tokens)
            for o in extracted
            if not o.from_cache and o.content is not None
        ],
    )
    store_outcomes(
        connection,
        run_id=run_id,
        outcomes=[
            OutcomeRecord(
                report_version_id=int(o.key),
                status=o.status,
                reason=o.reason,
                raw_response=o.raw,
                from_cache=o.from_cache,
                attempts=o.attempts,
                prompt_tokens=o.prompt_tokens,
                completion_tokens=o.completion_tokens,
            )
            for o in outcomes
        ],
    )


class ReconciliationSummary(BaseModel):
    """What :func:`reconcile_database` did."""

    run_id: str
    rules_run_id: str
    llm_run_id: str
    reconciled: int = 0
    kept: int = 0
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
    require_current_schema(engine)
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
    while True:
        with engine.connect() as connection:
            batch = pending_reports(connection, run_id=run_id, after_id=after_id, limit=batch_size)
            ids = [item.report_version_id for item in batch]
            rules = run_findings(connection, run_id=rules_run_id, report_version_ids=ids)
            llm = run_findings(connection, run_id=llm_run_id, report_version_ids=ids)
            read_by_both = _read_by_both(connection, rules_run_id, llm_run_id, ids)
        if not batch:
            break
        results, rows = [], []
        for version_id in ids:
            if version_id not in read_by_both:
                continue
            groups = reconcile(rules.get(version_id, []), llm.get(version_id, []), policy)
            kept = [finding_from_columns(row) for group in groups for row in group.kept]
            results.append((version_id, kept))
            rows.extend(_reconciliation_rows(run_id, version_id, groups))
        with engine.begin() as connection:
            summary.kept += store_extracted_batch(connection, run_id=run_id, results=results)
            store_reconciliations(connection, rows=rows)
        summary.reconciled += len(results)
        after_id = ids[-1]
    with engine.begin() as connection:
        finish_extraction_run(connection, run_id=run_id, status="done")
    with engine.connect() as connection:
        summary.states = reconciliation_counts(connection, run_id=run_id)
    return summary


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


def extract_file_llm(
    source: Path,
    output: Path,
    settings: LLMSettings,
    *,
    both: bool = False,
    policy: ReconciliationPolicy | None = None,
    chunk: int = 500,
    prompt_path: Path | None = None,
    progress: Progress | None = None,
) -> LLMExtractionSummary:
    """Extract a report file with the LLM (and the rules, with ``both``) into findings JSONL.

    One line per report that was read: ``{"report_id", "findings"}`` (with
    ``both``, the kept findings and a ``reconciliation`` list of
    ``{code, state, decision}``). Failed reports go to
    ``<output>.failures.jsonl`` with their reason, refused findings to
    ``<output>.rejected.jsonl``, refused rows to ``<output>.quarantine.jsonl``.
    No cache without a database.
    """
    progress = progress or NoProgress()
    extractor = LLMExtractor(settings, prompt_path)
    rules = RuleExtractor() if both else None
    policy = policy or ReconciliationPolicy()
    summary = LLMExtractionSummary()
    total = count_report_rows(source)
    progress.start(f"LLM extract {source.name}", total)
    side = {
        name: output.with_name(f"{output.name}.{name}.jsonl")
        for name in ("failures", "rejected", "quarantine")
    }
    partial = output.with_name(output.name + ".partial")
    output.parent.mkdir(parents=True, exist_ok=True)
    handles = {name: path.open("w", encoding="utf-8") for name, path in side.items()}
    try:
        with partial.open("w", encoding="utf-8") as out:
            for rows in batches(read_report_file(source), chunk):
                valid = []
                for row in rows:
                    if isinstance(row, QuarantineEntry):
                        summary.quarantined += 1
                        handles["quarantine"].write(
                            row.model_copy(update={"stage": "extract"}).model_dump_json() + "\n"
                        )
                        progress.advance()
                    else:
                        valid.append(row.record)
                reports = [LLMReport(record.report_id, record.text) for record in valid]
                outcomes = extractor.extract(reports, on_done=lambda _: progress.advance())
                for record, outcome in zip(valid, outcomes, strict=True):
                    summary.add(outcome, record.report_id)
                    if outcome.status == "failed":
                        handles["failures"].write(
                            json.dumps({"report_id": record.report_id, "reason": outcome.reason})
                            + "\n"
                        )
                        continue
                    for rejection in outcome.rejected:
                        handles["rejected"].write(
                            json.dumps(
                                {
                                    "report_id": record.report_id,
                                    "reason": rejection.reason,
                                    "stated": rejection.stated,
                                }
                            )
                            + "\n"
                        )
                    line: dict[str, Any] = {"report_id": record.report_id}
                    if rules is None:
                        line["findings"] = [f.model_dump(mode="json") for f in outcome.findings]
                    else:
                        groups = reconcile(
                            [_row(f, "r", i) for i, f in enumerate(rules.extract(record.text))],
                            [_row(f, "l", i) for i, f in enumerate(outcome.findings)],
                            policy,
                        )
                        line["findings"] = [
                            row["finding"] for group in groups for row in group.kept
                        ]
                        line["reconciliation"] = [
                            {"code": group.code, "state": group.state, "decision": group.decision}
                            for group in groups
                        ]
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
        partial.replace(output)
    finally:
        for handle in handles.values():
            handle.close()
        for path in side.values():
            if path.exists() and path.stat().st_size == 0:
                path.unlink()
    summary.cost = extractor.cost(summary.prompt_tokens, summary.completion_tokens)
    return summary


def _row(finding: Finding, prefix: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{prefix}{index}",
        **finding_columns(finding),
        "finding": finding.model_dump(mode="json"),
    }
