"""Rule extraction stage: stored reports (or a file) to findings."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.extract.gold_scoring import (
    ExtractionScore,
    FindingsFile,
    read_findings_jsonl,
    score_extraction,
)
from qaforge.extract.rules.batch import ExtractionPool, extract_texts
from qaforge.extract.rules.extractor import RuleExtractor, Unreadable
from qaforge.ingest.reports import count_report_rows, read_report_file
from qaforge.pipeline.run import (
    NoProgress,
    Progress,
    begin_stage,
    extraction_run,
    note_refusals,
)
from qaforge.settings import ReportLimits
from qaforge.store.engine import Engine
from qaforge.store.extraction import (
    count_current_reports,
    count_findings_by_code,
    count_pending_reports,
    ensure_extraction_run,
    extraction_run_id,
    pending_reports,
    store_extracted_batch,
)
from qaforge.store.quarantine import add_quarantine_entries


class FileExtractionSummary(BaseModel):
    """What stateless `extract --input --output` did.

    Attributes:
        source: The report file.
        output: The findings file written.
        reports: Valid reports extracted (one output line each).
        findings: Findings written.
        quarantined: Rows refused (written to ``quarantine_file``).
        quarantine_file: Where the refused rows went, if any.
        examples: The first refusals, for the summary.
    """

    source: str
    output: str
    reports: int = 0
    findings: int = 0
    quarantined: int = 0
    quarantine_file: str | None = None
    examples: list[QuarantineEntry] = Field(default_factory=list)


def extract_file(
    source: Path,
    output: Path,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> FileExtractionSummary:
    """Extract findings from a report file into a findings JSONL, no database.

    One output line per valid report, in input order:
    ``{"report_id": ..., "findings": [...]}`` (DESIGN.md stateless contract).
    Refused rows go to ``<output>.quarantine.jsonl`` with their reason and
    location. The output is written to a temporary file and renamed, so a
    killed run leaves no half file.

    Raises:
        InputFileError: If the report file as a whole cannot be read.
    """
    progress = progress or NoProgress()
    total = count_report_rows(source)
    summary = FileExtractionSummary(source=str(source), output=str(output))
    quarantine_path = output.with_name(output.name + ".quarantine.jsonl")
    partial = output.with_name(output.name + ".partial")
    refused: list[QuarantineEntry] = []
    # Ids of reports sent to the extractor and not yet written: results come back
    # in input order, so the queue stays as short as the extractor's look-ahead.
    pending_ids: deque[tuple[str, str]] = deque()
    max_chars = ReportLimits().max_report_chars

    def texts() -> Iterator[str]:
        for row in read_report_file(source):
            progress.advance(1)
            if isinstance(row, QuarantineEntry):
                refused.append(row.model_copy(update={"stage": "extract"}))
                continue
            pending_ids.append((row.record.report_id, row.location))
            yield row.record.text

    progress.start(f"extract findings from {source.name}", total)
    output.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("w", encoding="utf-8") as handle:
        for findings in extract_texts(texts(), workers=workers, max_chars=max_chars):
            report_id, location = pending_ids.popleft()
            if isinstance(findings, Unreadable):
                refused.append(_refusal(str(source), location, report_id, findings))
                continue
            line = {
                "report_id": report_id,
                "findings": [finding.model_dump(mode="json") for finding in findings],
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            summary.reports += 1
            summary.findings += len(findings)
    partial.replace(output)
    _write_refusals(quarantine_path, refused, summary)
    return summary


def _write_refusals(
    path: Path, refused: list[QuarantineEntry], summary: FileExtractionSummary
) -> None:
    """Write the refused rows beside the output (or remove an old file) and count them."""
    if refused:
        with path.open("w", encoding="utf-8") as handle:
            for entry in refused:
                handle.write(entry.model_dump_json() + "\n")
        summary.quarantine_file = str(path)
    elif path.exists():
        path.unlink()
    note_refusals(summary, refused)


class DatabaseExtractionSummary(BaseModel):
    """What `extract` on the database did.

    Attributes:
        run_id: The extraction run (a hash of extractor, version and rules).
        new_run: Whether this run's configuration was seen for the first time.
        reports: Current report versions in the store.
        extracted: Report versions read in this invocation.
        already_extracted: Report versions this run had read before (skipped).
        findings: Findings stored in this invocation.
        quarantined: Of the extracted, reports the extractor could not read:
            quarantined, marked read (a re-run does not try them again).
        findings_by_code: All of the run's findings on current versions, per code.
    """

    run_id: str
    new_run: bool
    reports: int = 0
    extracted: int = 0
    already_extracted: int = 0
    findings: int = 0
    quarantined: int = 0
    findings_by_code: dict[str, int] = Field(default_factory=dict)


def extract_database(
    engine: Engine,
    *,
    workers: int = 1,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> DatabaseExtractionSummary:
    """Run the rule extractor over every current report version the run has not read.

    The run's id is a hash of the extractor's name, version and rule files,
    so re-running with unchanged rules finds nothing to do and changes
    nothing; a changed report text (a new version) or changed rules are read
    anew. One transaction per batch.
    """
    progress = begin_stage(engine, progress)
    extractor = RuleExtractor(max_chars=ReportLimits().max_report_chars)
    summary = _ensured_run(engine, extractor, workers=workers)
    run_id = summary.run_id
    pending = summary.reports - summary.already_extracted
    progress.start("extract findings", pending)
    after_id = 0
    with (
        extraction_run(engine, run_id=run_id),
        ExtractionPool(workers, extractor=extractor) as pool,
    ):
        while True:
            with engine.connect() as connection:
                batch = pending_reports(
                    connection, run_id=run_id, after_id=after_id, limit=batch_size
                )
            if not batch:
                break
            _extract_batch(engine, run_id, batch, pool, summary)
            summary.extracted += len(batch)
            after_id = batch[-1].report_version_id
            progress.advance(len(batch))
    with engine.connect() as connection:
        summary.findings_by_code = count_findings_by_code(connection, run_id=run_id)
    return summary


def _extract_batch(
    engine: Engine,
    run_id: str,
    batch: list,
    pool: ExtractionPool,
    summary: DatabaseExtractionSummary,
) -> None:
    """Extract one batch and store it in one transaction; unreadable reports quarantined."""
    outcomes = list(zip(batch, pool.extract([item.text for item in batch]), strict=True))
    refused = [
        _refusal(
            f"extraction run {run_id[:12]}",
            f"report {item.report_id}",
            item.report_id,
            outcome,
        )
        for item, outcome in outcomes
        if isinstance(outcome, Unreadable)
    ]
    # an unreadable report is stored as read with no finding, so a re-run skips it
    results = [
        (item.report_version_id, [] if isinstance(outcome, Unreadable) else outcome)
        for item, outcome in outcomes
    ]
    with engine.begin() as connection:
        summary.findings += store_extracted_batch(connection, run_id=run_id, results=results)
        add_quarantine_entries(connection, entries=refused)
    summary.quarantined += len(refused)


def _refusal(source: str, location: str, report_id: str, unreadable: Unreadable) -> QuarantineEntry:
    """The quarantine entry of a report the extractor could not read (no report text in it)."""
    return QuarantineEntry(
        stage="extract",
        source=source,
        location=location,
        reason=unreadable.reason,
        record_key=report_id,
    )


def _ensured_run(
    engine: Engine, extractor: RuleExtractor, *, workers: int
) -> DatabaseExtractionSummary:
    """Store the rules run of this configuration if it is new; a summary of what is pending."""
    signature = extractor.signature
    run_id = extraction_run_id(
        extractor=signature.extractor, version=signature.version, config_hash=signature.rules_hash
    )
    with engine.begin() as connection:
        new_run = ensure_extraction_run(
            connection,
            run_id=run_id,
            extractor=signature.extractor,
            version=signature.version,
            config_hash=signature.rules_hash,
            params={"workers": workers},
        )
        pending = count_pending_reports(connection, run_id=run_id)
        total_reports = count_current_reports(connection)
    return DatabaseExtractionSummary(
        run_id=run_id,
        new_run=new_run,
        reports=total_reports,
        already_extracted=total_reports - pending,
    )


class GoldScoring(BaseModel):
    """Predicted findings scored against gold, with the lines of either file that were skipped."""

    gold: FindingsFile
    pred: FindingsFile
    score: ExtractionScore


def score_extraction_files(gold: Path, pred: Path) -> GoldScoring:
    """Read a gold and a predicted findings JSONL (the stateless extract format) and score them.

    Raises:
        InputFileError: E107 if either file cannot be read at all.
    """
    gold_file = read_findings_jsonl(gold)
    pred_file = read_findings_jsonl(pred)
    return GoldScoring(
        gold=gold_file,
        pred=pred_file,
        score=score_extraction(gold_file.reports, pred_file.reports),
    )
