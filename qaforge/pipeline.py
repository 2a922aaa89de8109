"""Composes the stages and owns transaction boundaries.

Each function here reads what earlier stages stored, runs one stage, and
writes its rows in one transaction per batch: a killed run loses at most the
batch in flight, and the next run resumes (stored rows are recognised and
skipped). Progress is reported through a :class:`Progress` so the core stays
free of terminal code.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.extract.batch import ExtractionPool, extract_texts
from qaforge.extract.rule_extractor import RuleExtractor
from qaforge.ingest.reports import LocatedReport, count_report_rows, read_report_file
from qaforge.ingest.series import (
    find_series_files,
    read_series_manifest,
    scan_series_file,
    unmatched_manifest_rows,
)
from qaforge.ingest.series_mapping import load_series_mapping
from qaforge.store.engine import Engine
from qaforge.store.extraction import (
    count_current_reports,
    count_findings_by_code,
    count_pending_reports,
    ensure_extraction_run,
    extraction_run_id,
    finish_extraction_run,
    pending_reports,
    store_extracted_batch,
)
from qaforge.store.ingest_runs import finish_ingest_run, start_ingest_run
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.reports import list_study_ids, store_report_batch
from qaforge.store.schema import require_current_schema
from qaforge.store.series import store_series_batch

T = TypeVar("T")
EXAMPLES_KEPT = 20


class Progress(Protocol):
    """Where long work reports how far it is."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    """A :class:`Progress` that shows nothing (library use, tests)."""

    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


class ReportIngestSummary(BaseModel):
    """What `ingest reports` did with one file.

    Attributes:
        source: The file.
        rows: Rows read (blank lines are not rows).
        new_reports: Reports stored for the first time.
        new_versions: Known reports whose text changed, stored as a new version.
        unchanged: Known reports with the same text, nothing written.
        quarantined: Rows refused in this run (already-known refusals included).
        examples: The first refusals, for the summary.
    """

    source: str
    rows: int = 0
    new_reports: int = 0
    new_versions: int = 0
    unchanged: int = 0
    quarantined: int = 0
    examples: list[QuarantineEntry] = Field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.new_reports + self.new_versions + self.unchanged


class SeriesIngestSummary(BaseModel):
    """What `ingest series` did with one folder.

    Attributes:
        source: The folder.
        files: NIfTI files found.
        new: Series stored for the first time.
        updated: Known series whose file changed or moved.
        unchanged: Known series, same file.
        quarantined: Files (and manifest rows) refused in this run.
        examples: The first refusals, for the summary.
    """

    source: str
    files: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    examples: list[QuarantineEntry] = Field(default_factory=list)


def ingest_reports(
    engine: Engine,
    path: Path,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> ReportIngestSummary:
    """Validate a report file and store it, quarantining bad rows.

    Args:
        engine: The store.
        path: A JSONL, CSV or Parquet file of report records.
        batch_size: Rows per transaction.
        progress: Where to report progress.

    Returns:
        Counts of what was stored, unchanged and quarantined.

    Raises:
        InputFileError: If the file as a whole cannot be read.
        StoreError: If the database is not initialised.
    """
    progress = progress or NoProgress()
    total = count_report_rows(path)  # checks the file before the database: the cheaper mistake
    require_current_schema(engine)
    source = str(path)
    summary = ReportIngestSummary(source=source)
    with engine.begin() as connection:
        run_id = start_ingest_run(connection, stage="ingest_reports", source=source)
    progress.start(f"ingest reports from {path.name}", total)
    status = "failed"
    try:
        for batch in _batches(read_report_file(path), batch_size):
            good = [(row.record, row.location) for row in batch if isinstance(row, LocatedReport)]
            refused = [row for row in batch if isinstance(row, QuarantineEntry)]
            with engine.begin() as connection:
                outcome = store_report_batch(connection, reports=good, source=source)
                refused += outcome.refused
                add_quarantine_entries(connection, entries=refused)
            summary.rows += len(batch)
            summary.new_reports += outcome.new_reports
            summary.new_versions += outcome.new_versions
            summary.unchanged += outcome.unchanged
            _note_refusals(summary, refused)
            progress.advance(len(batch))
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_ingest_run(connection, run_id=run_id, counts=_counts(summary), status=status)
    return summary


def ingest_series(
    engine: Engine,
    root: Path,
    *,
    mapping_path: Path | None = None,
    manifest_path: Path | None = None,
    batch_size: int = 200,
    progress: Progress | None = None,
) -> SeriesIngestSummary:
    """Scan a folder of NIfTI series, link them to stored studies and store them.

    Args:
        engine: The store (reports must be ingested first: series link to studies).
        root: The folder to scan recursively.
        mapping_path: A classification mapping file; the shipped default if None.
        manifest_path: An optional CSV (path, study_id[, sequence, view]).
        batch_size: Files per transaction.
        progress: Where to report progress.

    Returns:
        Counts of what was stored, updated, unchanged and quarantined.

    Raises:
        InputFileError: If the folder, mapping or manifest cannot be read at all.
        ConfigError: If the mapping file is invalid.
        StoreError: If the database is not initialised.
    """
    progress = progress or NoProgress()
    require_current_schema(engine)
    mapping = load_series_mapping(mapping_path)
    files = find_series_files(root)
    manifest = None
    summary = SeriesIngestSummary(source=str(root), files=len(files))
    refused_manifest_rows: list[QuarantineEntry] = []
    if manifest_path is not None:
        manifest, refused_manifest_rows = read_series_manifest(manifest_path)
        refused_manifest_rows += unmatched_manifest_rows(manifest, files, root)
    with engine.begin() as connection:
        run_id = start_ingest_run(connection, stage="ingest_series", source=str(root))
        known_study_ids = list_study_ids(connection)
        add_quarantine_entries(connection, entries=refused_manifest_rows)
    _note_refusals(summary, refused_manifest_rows)
    progress.start(f"ingest series from {root.name or root}", len(files))
    status = "failed"
    try:
        for batch_files in _batches(files, batch_size):
            scanned: list[ScannedSeries] = []
            refused: list[QuarantineEntry] = []
            for file in batch_files:
                result = scan_series_file(
                    file,
                    root=root,
                    mapping=mapping,
                    known_study_ids=known_study_ids,
                    manifest=manifest,
                )
                (scanned if isinstance(result, ScannedSeries) else refused).append(result)
                progress.advance()
            scanned, clashes = _one_file_per_series(scanned, root)
            refused += clashes
            with engine.begin() as connection:
                outcome = store_series_batch(connection, series=scanned)
                add_quarantine_entries(connection, entries=refused)
            summary.new += outcome.new
            summary.updated += outcome.updated
            summary.unchanged += outcome.unchanged
            _note_refusals(summary, refused)
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_ingest_run(connection, run_id=run_id, counts=_counts(summary), status=status)
    return summary


def _one_file_per_series(
    scanned: list[ScannedSeries], root: Path
) -> tuple[list[ScannedSeries], list[QuarantineEntry]]:
    """Two files that name the same series in one batch: keep the first, refuse the rest."""
    kept: dict[str, ScannedSeries] = {}
    clashes = []
    for item in scanned:
        first = kept.setdefault(item.series_id, item)
        if first is not item:
            clashes.append(
                QuarantineEntry(
                    stage="ingest_series",
                    source=str(root),
                    location=item.path,
                    reason=f"same series as {first.path} (study {item.study_id}, {item.study_path})",
                )
            )
    return list(kept.values()), clashes


def _note_refusals(
    summary: ReportIngestSummary | SeriesIngestSummary, refused: list[QuarantineEntry]
) -> None:
    summary.quarantined += len(refused)
    room = EXAMPLES_KEPT - len(summary.examples)
    if room > 0:
        summary.examples.extend(refused[:room])


def _counts(summary: BaseModel) -> dict[str, int]:
    return {key: value for key, value in summary.model_dump().items() if isinstance(value, int)}


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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
    pending_ids: deque[str] = deque()

    def texts() -> Iterator[str]:
        for row in read_report_file(source):
            progress.advance(1)
            if isinstance(row, QuarantineEntry):
                refused.append(row.model_copy(update={"stage": "extract"}))
                continue
            pending_ids.append(row.record.report_id)
            yield row.record.text

    progress.start(f"extract findings from {source.name}", total)
    output.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("w", encoding="utf-8") as handle:
        for findings in extract_texts(texts(), workers=workers):
            line = {
                "report_id": pending_ids.popleft(),
                "findings": [finding.model_dump(mode="json") for finding in findings],
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            summary.reports += 1
            summary.findings += len(findings)
    partial.replace(output)
    if refused:
        with quarantine_path.open("w", encoding="utf-8") as handle:
            for entry in refused:
                handle.write(entry.model_dump_json() + "\n")
        summary.quarantine_file = str(quarantine_path)
    elif quarantine_path.exists():
        quarantine_path.unlink()
    _note_refusals(summary, refused)
    return summary


class DatabaseExtractionSummary(BaseModel):
    """What `extract` on the database did.

    Attributes:
        run_id: The extraction run (a hash of extractor, version and rules).
        new_run: Whether this run's configuration was seen for the first time.
        reports: Current report versions in the store.
        extracted: Report versions read in this invocation.
        already_extracted: Report versions this run had read before (skipped).
        findings: Findings stored in this invocation.
        findings_by_code: All of the run's findings on current versions, per code.
    """

    run_id: str
    new_run: bool
    reports: int = 0
    extracted: int = 0
    already_extracted: int = 0
    findings: int = 0
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
    progress = progress or NoProgress()
    require_current_schema(engine)
    extractor = RuleExtractor()
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
    summary = DatabaseExtractionSummary(
        run_id=run_id,
        new_run=new_run,
        reports=total_reports,
        already_extracted=total_reports - pending,
    )
    progress.start("extract findings", pending)
    status = "failed"
    after_id = 0
    try:
        with ExtractionPool(workers, extractor=extractor) as pool:
            while True:
                with engine.connect() as connection:
                    batch = pending_reports(
                        connection, run_id=run_id, after_id=after_id, limit=batch_size
                    )
                if not batch:
                    break
                findings = pool.extract([item.text for item in batch])
                results = list(
                    zip([item.report_version_id for item in batch], findings, strict=True)
                )
                with engine.begin() as connection:
                    summary.findings += store_extracted_batch(
                        connection, run_id=run_id, results=results
                    )
                summary.extracted += len(batch)
                after_id = batch[-1].report_version_id
                progress.advance(len(batch))
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_extraction_run(connection, run_id=run_id, status=status)
    with engine.connect() as connection:
        summary.findings_by_code = count_findings_by_code(connection, run_id=run_id)
    return summary
