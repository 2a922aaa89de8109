"""LLM extraction stage on the store.

:func:`extract_database_llm` reads every current report version the LLM run has
not read successfully; cached answers send no request; each batch is stored in
one transaction (findings, outcomes, rejected findings, cache). A failed report
keeps its reason and raw response and stays pending, so the next run asks again
and only for it. The file form is :mod:`qaforge.pipeline.extract_llm_file`,
reconciliation with the rules :mod:`qaforge.pipeline.reconcile`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.extract.llm.extractor import LLMExtractor, LLMOutcome, LLMReport
from qaforge.extract.llm.study_reports import (
    extract_study_reports,
    failed_outcomes,
    study_report_jobs,
    study_task_label,
)
from qaforge.libs.dask_executor import DaskCluster, ExecutorChoice, LostUnit, executor_choice
from qaforge.pipeline.run import Progress, begin_stage, extraction_run
from qaforge.settings import LLMSettings
from qaforge.store.engine import Engine
from qaforge.store.extraction import (
    PendingReport,
    count_findings_by_code,
    count_pending_reports,
    ensure_extraction_run,
    extraction_run_id,
    pending_reports,
    store_extracted_batch,
)
from qaforge.store.llm import (
    OutcomeRecord,
    cached_answers,
    store_cache_entries,
    store_outcomes,
    store_rejections,
)

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
    executor: str = "process",
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> LLMExtractionSummary:
    """Read every pending current report version with the LLM; see the module docstring.

    Args:
        engine: The store.
        settings: Server, model, limits (the API key comes from the environment).
        refresh: Ignore cached answers (send a request for every pending report).
        batch_size: Report versions per transaction.
        prompt_path: Another prompt template.
        executor: ``process``, or ``dask``: a task per study on ``scheduler`` (docs/distributed.md).
        scheduler: The Dask scheduler's address (dask only).
        progress: Where to report progress (per report).

    Returns:
        Counts, tokens, estimated cost and the first failures.

    Raises:
        ConfigError: E011-E014 for a bad executor or an unreachable scheduler.
    """
    choice = executor_choice(executor, scheduler)
    progress = begin_stage(engine, progress)
    extractor = LLMExtractor(settings, prompt_path)
    summary = _ensured_run(engine, extractor)
    run_id = summary.run_id
    progress.start(f"LLM extract ({settings.model})", summary.pending)
    after_id = 0
    with extraction_run(engine, run_id=run_id), _cluster(choice) as cluster:
        while True:
            with engine.connect() as connection:
                batch = pending_reports(
                    connection, run_id=run_id, after_id=after_id, limit=batch_size
                )
                keys = [key for item in batch for key in extractor.cache_keys(item.text)]
                cached = {} if refresh else cached_answers(connection, keys=keys)
            if not batch:
                break
            outcomes = _read_batch(cluster, extractor, batch, cached, prompt_path, progress)
            names = {item.report_version_id: item.report_id for item in batch}
            with engine.begin() as connection:
                _store_outcomes(connection, run_id, settings.model, outcomes)
            for outcome in outcomes:
                summary.add(outcome, names[int(outcome.key)])
            after_id = batch[-1].report_version_id
    summary.cost = extractor.cost(summary.prompt_tokens, summary.completion_tokens)
    with engine.connect() as connection:
        summary.findings_by_code = count_findings_by_code(connection, run_id=run_id)
    return summary


def _cluster(choice: ExecutorChoice) -> contextlib.AbstractContextManager[DaskCluster | None]:
    """The Dask cluster of a ``dask`` choice (connected on entry), else nothing."""
    if choice.kind == "dask":
        return DaskCluster(choice.scheduler or "")
    return contextlib.nullcontext()


def _read_batch(
    cluster: DaskCluster | None,
    extractor: LLMExtractor,
    batch: list[PendingReport],
    cached: dict[str, str],
    prompt_path: Path | None,
    progress: Progress,
) -> list[LLMOutcome]:
    """One batch's outcomes: read here, or on the cluster a task per study (a lost
    study's reports fail, asked again next run)."""
    reports = [(item.study_id, LLMReport(str(item.report_version_id), item.text)) for item in batch]
    if cluster is None:
        return extractor.extract(
            [report for _, report in reports], cached=cached, on_done=lambda _: progress.advance()
        )
    jobs = study_report_jobs(extractor, reports, cached, prompt_path)
    labels = [study_task_label(job.study_id) for job in jobs]
    outcomes: list[LLMOutcome] = []
    for job, result in zip(
        jobs, cluster.run_in_order(extract_study_reports, jobs, labels), strict=True
    ):
        if isinstance(result, LostUnit):
            result = failed_outcomes(extractor, job.reports, result.reason)
        outcomes.extend(result)
        for _ in result:
            progress.advance()
    return outcomes


def _ensured_run(engine: Engine, extractor: LLMExtractor) -> LLMExtractionSummary:
    """Store the LLM run of this configuration if it is new; a summary with its pending count."""
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
    return LLMExtractionSummary(run_id=run_id, new_run=new_run, pending=pending)


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
