"""Ingest stage: report files and series folders into the store."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.ingest.manifest import SeriesManifest
from qaforge.ingest.reports import LocatedReport, count_report_rows, read_report_file
from qaforge.ingest.series import (
    SkippedSeriesFile,
    count_dicom_files,
    find_series_files,
    read_series_manifest,
    scan_series_file,
    skipped_series_files,
    unmatched_manifest_rows,
)
from qaforge.ingest.series_mapping import load_series_mapping
from qaforge.pipeline.run import Progress, batches, begin_stage, ingest_run, note_refusals
from qaforge.settings import ReportLimits, SeriesLimits, read_from_environment
from qaforge.store.engine import Engine
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.reports import list_study_ids, store_report_batch
from qaforge.store.series import store_series_batch


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
        unknown_fields: Rows holding each field outside the report contract
            (ignored, named in the summary so a misspelt column is seen).
    """

    source: str
    rows: int = 0
    new_reports: int = 0
    new_versions: int = 0
    unchanged: int = 0
    quarantined: int = 0
    examples: list[QuarantineEntry] = Field(default_factory=list)
    unknown_fields: dict[str, int] = Field(default_factory=dict)

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
        skipped: Files set aside by name as not series (not read, not quarantined).
        skipped_by_reason: Skipped files per reason, e.g.
            ``{"segmentation or label file": 14}``.
        examples: The first refusals, for the summary.
        skipped_examples: The first skipped file of each reason, for the summary.
        dicom_files: DICOM files seen when no NIfTI file was found (they need
            converting first).
    """

    source: str
    files: int = 0
    dicom_files: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0
    skipped_by_reason: dict[str, int] = Field(default_factory=dict)
    examples: list[QuarantineEntry] = Field(default_factory=list)
    skipped_examples: list[SkippedSeriesFile] = Field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.new + self.updated + self.unchanged


def ingest_reports(
    engine: Engine,
    path: Path,
    *,
    batch_size: int = 2000,
    limits: ReportLimits | None = None,
    progress: Progress | None = None,
) -> ReportIngestSummary:
    """Validate a report file and store it, quarantining bad rows.

    Args:
        engine: The store.
        path: A JSONL, CSV or Parquet file of report records.
        batch_size: Rows per transaction.
        limits: Size limits of a record (default: from the environment).
        progress: Where to report progress.

    Returns:
        Counts of what was stored, unchanged and quarantined, and the fields
        that were ignored.

    Raises:
        InputFileError: If the file as a whole cannot be read.
        StoreError: If the database is not initialised.
    """
    total = count_report_rows(path)  # checks the file before the database: the cheaper mistake
    progress = begin_stage(engine, progress)
    source = str(path)
    summary = ReportIngestSummary(source=source)
    unknown: Counter[str] = Counter()
    rows = read_report_file(path, limits=limits, unknown_fields=unknown)
    with ingest_run(engine, stage="ingest_reports", source=source, summary=summary):
        progress.start(f"ingest reports from {path.name}", total)
        for batch in batches(rows, batch_size):
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
            note_refusals(summary, refused)
            summary.unknown_fields = dict(unknown)
            progress.advance(len(batch))
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

    Files the mapping names as not series (segmentations, labels, single
    phases of a cine in the same folder) are counted per reason and not read;
    the rest are stored or quarantined. Size limits are read once, at the start.

    Args:
        engine: The store (reports must be ingested first: series link to studies).
        root: The folder to scan recursively.
        mapping_path: A classification mapping file; the shipped default if None.
        manifest_path: An optional CSV (path, study_id[, sequence, view]).
        batch_size: Files per transaction.
        progress: Where to report progress.

    Returns:
        Counts of what was stored, updated, unchanged, quarantined and skipped.

    Raises:
        InputFileError: If the folder, mapping or manifest cannot be read at all.
        ConfigError: If the mapping file is invalid, or a size limit (E002).
        StoreError: If the database is not initialised.
    """
    limits = read_from_environment(SeriesLimits)
    progress = begin_stage(engine, progress)
    mapping = load_series_mapping(mapping_path)
    files = find_series_files(root)
    summary = SeriesIngestSummary(source=str(root), files=len(files))
    if not files:
        summary.dicom_files = count_dicom_files(root)
        return summary
    manifest, refused_manifest_rows = _manifest(manifest_path, files, root)
    with ingest_run(engine, stage="ingest_series", source=str(root), summary=summary):
        with engine.begin() as connection:
            known_study_ids = list_study_ids(connection)
            add_quarantine_entries(connection, entries=refused_manifest_rows)
        note_refusals(summary, refused_manifest_rows)
        skipped = skipped_series_files(files, root=root, mapping=mapping, manifest=manifest)
        _note_skipped(summary, skipped.values())
        progress.start(f"ingest series from {root.name or root}", len(files))
        progress.advance(len(skipped))
        scan = functools.partial(
            scan_series_file,
            root=root,
            mapping=mapping,
            known_study_ids=known_study_ids,
            manifest=manifest,
            limits=limits,
        )
        for batch in batches((file for file in files if file not in skipped), batch_size):
            _store_series_batch(engine, summary, batch, scan=scan, root=root, progress=progress)
    return summary


def _manifest(
    path: Path | None, files: list[Path], root: Path
) -> tuple[SeriesManifest | None, list[QuarantineEntry]]:
    """The series manifest (None without one), and its refused and unmatched rows."""
    if path is None:
        return None, []
    manifest, refused = read_series_manifest(path)
    return manifest, refused + unmatched_manifest_rows(manifest, files, root)


def _store_series_batch(
    engine: Engine,
    summary: SeriesIngestSummary,
    files: list[Path],
    *,
    scan: Callable[[Path], ScannedSeries | QuarantineEntry],
    root: Path,
    progress: Progress,
) -> None:
    """Scan one batch of files and store it in one transaction, counting into ``summary``."""
    scanned: list[ScannedSeries] = []
    refused: list[QuarantineEntry] = []
    for file in files:
        result = scan(file)
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
    note_refusals(summary, refused)


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


def _note_skipped(summary: SeriesIngestSummary, skipped: Iterable[SkippedSeriesFile]) -> None:
    for item in skipped:
        summary.skipped += 1
        if item.reason not in summary.skipped_by_reason:
            summary.skipped_examples.append(item)
        summary.skipped_by_reason[item.reason] = summary.skipped_by_reason.get(item.reason, 0) + 1
