"""Composes the stages and owns transaction boundaries.

Each function here reads what earlier stages stored, runs one stage, and
writes its rows in one transaction per batch: a killed run loses at most the
batch in flight, and the next run resumes (stored rows are recognised and
skipped). Progress is reported through a :class:`Progress` so the core stays
free of terminal code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.ingest.reports import LocatedReport, count_report_rows, read_report_file
from qaforge.ingest.series import (
    find_series_files,
    read_series_manifest,
    scan_series_file,
    unmatched_manifest_rows,
)
from qaforge.ingest.series_mapping import load_series_mapping
from qaforge.store.engine import Engine
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
