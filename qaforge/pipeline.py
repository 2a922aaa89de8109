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

from pydantic import BaseModel, Field, ValidationError

from qaforge.domain.qa import GenerationConfig, QAItemDraft, SourcedFinding, StudyFindings
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.errors import ConfigError
from qaforge.extract.batch import ExtractionPool, extract_texts
from qaforge.extract.rule_extractor import RuleExtractor
from qaforge.generate.balance import capped_item_ids
from qaforge.generate.catalogue import load_catalogue
from qaforge.generate.items import generate_study_items
from qaforge.generate.letters import LetterPlanner
from qaforge.generate.stats import SubtaskStats, subtask_statistics
from qaforge.ingest.reports import LocatedReport, count_report_rows, read_report_file
from qaforge.ingest.series import (
    SkippedSeriesFile,
    find_series_files,
    read_series_manifest,
    scan_series_file,
    skipped_series_files,
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
    finding_from_columns,
    finish_extraction_run,
    pending_reports,
    store_extracted_batch,
)
from qaforge.store.ingest_runs import finish_ingest_run, start_ingest_run
from qaforge.store.qa_items import (
    StudyRecords,
    count_studies_with_reports,
    extraction_run_ids,
    insert_items,
    item_answer_rows,
    item_subtasks,
    latest_finished_run_id,
    load_study_records,
    refresh_items,
    set_item_status,
    stored_items,
    study_ids_with_reports,
)
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
        skipped: Files set aside by name as not series (not read, not quarantined).
        skipped_by_reason: Skipped files per reason, e.g.
            ``{"segmentation or label file": 14}``.
        examples: The first refusals, for the summary.
        skipped_examples: The first skipped file of each reason, for the summary.
    """

    source: str
    files: int = 0
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
        for batch in batches(read_report_file(path), batch_size):
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

    Files the mapping names as not series (segmentations, labels, single
    phases of a cine in the same folder) are counted per reason and not read;
    the rest are stored or quarantined.

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
    skipped = skipped_series_files(files, root=root, mapping=mapping, manifest=manifest)
    _note_skipped(summary, skipped.values())
    progress.start(f"ingest series from {root.name or root}", len(files))
    progress.advance(len(skipped))
    status = "failed"
    try:
        for batch_files in batches((file for file in files if file not in skipped), batch_size):
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


def _note_skipped(summary: SeriesIngestSummary, skipped: Iterable[SkippedSeriesFile]) -> None:
    for item in skipped:
        summary.skipped += 1
        if item.reason not in summary.skipped_by_reason:
            summary.skipped_examples.append(item)
        summary.skipped_by_reason[item.reason] = summary.skipped_by_reason.get(item.reason, 0) + 1


def _note_refusals(
    summary: ReportIngestSummary | SeriesIngestSummary, refused: list[QuarantineEntry]
) -> None:
    summary.quarantined += len(refused)
    room = EXAMPLES_KEPT - len(summary.examples)
    if room > 0:
        summary.examples.extend(refused[:room])


def _counts(summary: BaseModel) -> dict[str, int]:
    return {key: value for key, value in summary.model_dump().items() if isinstance(value, int)}


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
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


class SubtaskGenerationSummary(BaseModel):
    """One subtask's share of a `generate` run.

    Attributes:
        tier: The subtask's tier.
        sequence: Its sequence.
        arisen: Items the current findings make.
        new: Of those, items stored for the first time.
        active: Items in use after the majority cap.
        capped: Items set aside by the majority cap.
        retired: Items retired by this run (they no longer arise).
        skipped: Studies whose findings touch the subtask but made no item, per reason.
    """

    tier: str
    sequence: str
    arisen: int = 0
    new: int = 0
    active: int = 0
    capped: int = 0
    retired: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)


class GenerationSummary(BaseModel):
    """What `generate` did.

    Attributes:
        run_id: The extraction run whose findings were used.
        catalogue_sha256: Hash of the catalogue file.
        studies: Studies with reports.
        studies_generated: Studies whose items were (re)generated.
        studies_not_extracted: Studies left untouched because the run has not
            read a current version of one of their reports.
        studies_quarantined: Studies left untouched because a stored finding
            no longer passes the vocabulary (see `qaforge quarantine`).
        items_new / items_kept / items_reactivated / items_capped / items_retired:
            Totals over subtasks (kept: arose again with the same id).
        subtasks: Per subtask, in catalogue order.
    """

    run_id: str
    catalogue_sha256: str
    config: GenerationConfig
    studies: int = 0
    studies_generated: int = 0
    studies_not_extracted: int = 0
    studies_quarantined: int = 0
    items_new: int = 0
    items_kept: int = 0
    items_reactivated: int = 0
    items_capped: int = 0
    items_retired: int = 0
    subtasks: dict[str, SubtaskGenerationSummary] = Field(default_factory=dict)

    @property
    def items_active(self) -> int:
        return sum(subtask.active for subtask in self.subtasks.values())


def generate_database(
    engine: Engine,
    *,
    config: GenerationConfig | None = None,
    catalogue_path: Path | None = None,
    run_id: str | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Make QA items from the stored findings of one extraction run.

    Studies are read in batches (one transaction each): their items are
    generated, new ones stored, known ones (same id) pointed at the current
    findings. Then the majority cap is applied over all items, items that
    arose are made ``active`` or ``capped``, and items of the generated
    studies that did not arise again are ``retired``. Nothing is deleted, so
    verifications of unchanged items survive any number of regenerations.

    Args:
        engine: The store.
        config: Generation settings; defaults apply when omitted.
        catalogue_path: A custom catalogue file or folder; the shipped one by default.
        run_id: The extraction run to read; the latest finished one by default.
        batch_size: Studies per transaction.
        progress: Where to report progress.

    Raises:
        ConfigError: E501 for a bad catalogue, E502 when there is no finished
            extraction run, E503 when ``run_id`` is unknown or not finished.
    """
    config = config or GenerationConfig()
    progress = progress or NoProgress()
    require_current_schema(engine)
    catalogue = load_catalogue(catalogue_path)
    with engine.connect() as connection:
        run_id = _generation_run(connection, run_id)
        total_studies = count_studies_with_reports(connection)
    summary = GenerationSummary(
        run_id=run_id, catalogue_sha256=catalogue.sha256, config=config, studies=total_studies
    )
    for subtask in catalogue.subtasks:
        summary.subtasks[subtask.id] = SubtaskGenerationSummary(
            tier=subtask.tier, sequence=subtask.sequence
        )
    # Light records of every item that arose: id -> (subtask id, answer key).
    arisen: dict[str, tuple[str, str | None]] = {}
    # Status before this run of every stored item of the generated studies.
    previously: dict[str, str] = {}
    letters = LetterPlanner()
    progress.start("generate QA items", total_studies)
    after = ""
    while True:
        with engine.connect() as connection:
            study_ids = study_ids_with_reports(connection, after=after, limit=batch_size)
        if not study_ids:
            break
        after = study_ids[-1]
        with engine.begin() as connection:
            records = load_study_records(connection, run_id=run_id, study_ids=study_ids)
            stored = stored_items(connection, study_ids=study_ids)
            letters.known.update(
                {
                    known.content_key: known.answer_position
                    for known in stored.values()
                    if known.content_key and known.answer_position is not None
                }
            )
            new_drafts: list[QAItemDraft] = []
            refreshed: list[QAItemDraft] = []
            refusals: list[QuarantineEntry] = []
            generated_studies: set[str] = set()
            for study_id in study_ids:
                if records[study_id].unextracted:
                    summary.studies_not_extracted += 1
                    continue
                study = _study_findings(study_id, records[study_id], refusals)
                if study is None:
                    summary.studies_quarantined += 1
                    continue
                generated_studies.add(study_id)
                result = generate_study_items(
                    study, catalogue, config, extraction_run_id=run_id, letters=letters
                )
                for (subtask_id, reason), count in result.skipped.items():
                    skipped = summary.subtasks[subtask_id].skipped
                    skipped[reason] = skipped.get(reason, 0) + count
                for draft in result.items:
                    arisen[draft.id] = (draft.subtask_id, draft.answer_key)
                    summary.subtasks[draft.subtask_id].arisen += 1
                    known = stored.get(draft.id)
                    if known is None:
                        new_drafts.append(draft)
                        summary.subtasks[draft.subtask_id].new += 1
                    elif known.provenance != draft.provenance or known.finding_ids != frozenset(
                        draft.finding_ids
                    ):
                        refreshed.append(draft)
            insert_items(connection, drafts=new_drafts)
            refresh_items(connection, drafts=refreshed)
            if refusals:
                add_quarantine_entries(connection, entries=refusals)
            previously.update(
                {
                    item_id: known.status
                    for item_id, known in stored.items()
                    if known.study_id in generated_studies
                }
            )
        summary.studies_generated += len(generated_studies)
        progress.advance(len(study_ids))
    _settle_statuses(engine, summary, arisen, previously, config)
    return summary


def _generation_run(connection, run_id: str | None) -> str:
    """The extraction run to generate from: the one named, or the latest finished."""
    if run_id is None:
        latest = latest_finished_run_id(connection)
        if latest is None:
            raise ConfigError(
                "E502",
                "no finished extraction run in the database",
                "run `qaforge extract` first",
            )
        return latest
    runs = extraction_run_ids(connection)
    matches = [known for known in runs if known.startswith(run_id)]
    if len(matches) != 1 or runs[matches[0]] != "done":
        state = "unknown" if not matches else "ambiguous" if len(matches) > 1 else "not finished"
        raise ConfigError(
            "E503",
            f"extraction run {run_id!r} is {state}",
            "give a finished run's id (or its first characters); `qaforge status` lists runs",
        )
    return matches[0]


def _study_findings(
    study_id: str, records: StudyRecords, refusals: list[QuarantineEntry]
) -> StudyFindings | None:
    """The study's findings as domain objects; None (and a refusal each) if any fails validation.

    A study with a bad finding is left out whole: generating from the rest
    could turn a dropped "present" into a wrong "no".
    """
    findings: list[SourcedFinding] = []
    bad = False
    for row in records.findings:
        try:
            finding = finding_from_columns(row)
        except ValidationError as error:
            bad = True
            refusals.append(
                QuarantineEntry(
                    stage="generate",
                    source="findings",
                    location=f"finding {row['id']} (report version {row['report_version_id']})",
                    reason=f"stored finding fails the vocabulary: {_validation_reason(error)}",
                    record_key=study_id,
                )
            )
            continue
        findings.append(
            SourcedFinding(
                finding_id=row["id"], report_version_id=row["report_version_id"], finding=finding
            )
        )
    if bad:
        return None
    return StudyFindings(
        study_id=study_id,
        findings=tuple(findings),
        series_views={
            sequence: frozenset(views) for sequence, views in records.series_views.items()
        },
    )


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    return first["msg"].removeprefix("Value error, ")


def _settle_statuses(
    engine: Engine,
    summary: GenerationSummary,
    arisen: dict[str, tuple[str, str | None]],
    previously: dict[str, str],
    config: GenerationConfig,
) -> None:
    """Apply the majority cap, then make arisen items active or capped and retire the rest."""
    capped = capped_item_ids(
        ((item_id, subtask_id, key) for item_id, (subtask_id, key) in arisen.items() if key),
        cap=config.majority_cap,
        seed=config.seed,
    )
    active = [item_id for item_id in arisen if item_id not in capped]
    vanished = [
        item_id
        for item_id, status in previously.items()
        if item_id not in arisen and status != "retired"
    ]
    for item_id in capped:
        summary.subtasks[arisen[item_id][0]].capped += 1
    for item_id in active:
        summary.subtasks[arisen[item_id][0]].active += 1
        if previously.get(item_id) in ("retired", "capped"):
            summary.items_reactivated += 1
    summary.items_new = sum(subtask.new for subtask in summary.subtasks.values())
    summary.items_kept = len(arisen) - summary.items_new
    summary.items_capped = len(capped)
    with engine.begin() as connection:
        subtask_of = item_subtasks(connection, item_ids=vanished)
        set_item_status(connection, item_ids=active, status="active")
        set_item_status(connection, item_ids=capped, status="capped")
        summary.items_retired = set_item_status(connection, item_ids=vanished, status="retired")
    for item_id in vanished:
        subtask = summary.subtasks.get(subtask_of.get(item_id, ""))
        if subtask is not None:
            subtask.retired += 1


def generation_statistics(engine: Engine) -> list[SubtaskStats]:
    """Per-subtask counts, answer distributions and letter balance of the stored items."""
    require_current_schema(engine)
    with engine.connect() as connection:
        return subtask_statistics(item_answer_rows(connection))
