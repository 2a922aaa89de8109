"""Generate stage: stored findings to QA items, per subtask."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from qaforge.checks.phi import redact_phi
from qaforge.domain.qa import (
    GenerationConfig,
    HeldFinding,
    QAItemDraft,
    SourcedFinding,
    StudyFindings,
)
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.generate.balance import capped_item_ids
from qaforge.generate.catalogue import Catalogue, load_catalogue
from qaforge.generate.items import generate_study_items
from qaforge.generate.letters import LetterPlanner
from qaforge.generate.stats import SubtaskStats, subtask_statistics
from qaforge.pipeline.run import (
    Progress,
    begin_stage,
    finished_extraction_run,
)
from qaforge.store.engine import Connection, Engine
from qaforge.store.extraction import (
    finding_from_columns,
)
from qaforge.store.finding_reviews import replace_finding_reviews
from qaforge.store.qa_items import (
    StudyRecords,
    count_studies_with_reports,
    insert_items,
    item_answer_rows,
    item_subtasks,
    load_study_records,
    refresh_items,
    set_item_status,
    stored_items,
    study_ids_with_reports,
)
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.schema import require_current_schema


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
        findings_held: Findings held for review instead of making items
            (confidence below ``config.min_confidence``, or disputed); each is
            a review entry (``qaforge review-findings``).
        held_doubts: Per doubt, how many held findings have it.
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
    findings_held: int = 0
    held_doubts: dict[str, int] = Field(default_factory=dict)
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
    progress = begin_stage(engine, progress)
    catalogue = load_catalogue(catalogue_path)
    with engine.connect() as connection:
        run_id = finished_extraction_run(connection, run_id)
        total_studies = count_studies_with_reports(connection)
    summary = GenerationSummary(
        run_id=run_id, catalogue_sha256=catalogue.sha256, config=config, studies=total_studies
    )
    for subtask in catalogue.subtasks:
        summary.subtasks[subtask.id] = SubtaskGenerationSummary(
            tier=subtask.tier, sequence=subtask.sequence
        )
    state = _GenerationState(run_id=run_id, catalogue=catalogue, config=config, summary=summary)
    progress.start("generate QA items", total_studies)
    after = ""
    while True:
        with engine.connect() as connection:
            study_ids = study_ids_with_reports(connection, after=after, limit=batch_size)
        if not study_ids:
            break
        after = study_ids[-1]
        with engine.begin() as connection:
            _generate_batch(connection, state, study_ids)
        progress.advance(len(study_ids))
    _settle_statuses(engine, summary, state.arisen, state.previously, config)
    return summary


@dataclass
class _GenerationState:
    """What one generation run carries from batch to batch."""

    run_id: str
    catalogue: Catalogue
    config: GenerationConfig
    summary: GenerationSummary
    # Light records of every item that arose: id -> (subtask id, answer key).
    arisen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # Status before this run of every stored item of the generated studies.
    previously: dict[str, str] = field(default_factory=dict)
    letters: LetterPlanner = field(default_factory=LetterPlanner)


def _generate_batch(connection: Connection, state: _GenerationState, study_ids: list[str]) -> None:
    """Generate the items of one batch of studies and store them (one transaction)."""
    summary = state.summary
    records = load_study_records(connection, run_id=state.run_id, study_ids=study_ids)
    stored = stored_items(connection, study_ids=study_ids)
    state.letters.known.update(
        {
            known.content_key: known.answer_position
            for known in stored.values()
            if known.content_key and known.answer_position is not None
        }
    )
    new_drafts: list[QAItemDraft] = []
    refreshed: list[QAItemDraft] = []
    held: list[tuple[str, HeldFinding]] = []
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
            study,
            state.catalogue,
            state.config,
            extraction_run_id=state.run_id,
            letters=state.letters,
            redact=redact_phi,
        )
        held.extend((study_id, finding) for finding in result.held)
        _count_skipped(summary, result.skipped)
        for draft in result.items:
            state.arisen[draft.id] = (draft.subtask_id, draft.answer_key)
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
    _store_held(connection, state, sorted(generated_studies), held)
    if refusals:
        add_quarantine_entries(connection, entries=refusals)
    state.previously.update(
        {
            item_id: known.status
            for item_id, known in stored.items()
            if known.study_id in generated_studies
        }
    )
    summary.studies_generated += len(generated_studies)


def _count_skipped(summary: GenerationSummary, skipped: Counter[tuple[str, str]]) -> None:
    for (subtask_id, reason), count in skipped.items():
        reasons = summary.subtasks[subtask_id].skipped
        reasons[reason] = reasons.get(reason, 0) + count


def _store_held(
    connection: Connection,
    state: _GenerationState,
    study_ids: list[str],
    held: list[tuple[str, HeldFinding]],
) -> None:
    """Rewrite the review entries of the generated studies and count them in the summary."""
    replace_finding_reviews(connection, run_id=state.run_id, study_ids=study_ids, held=held)
    summary = state.summary
    summary.findings_held += len(held)
    for _, finding in held:
        for doubt in finding.doubts:  # a held finding always has one (no doubt: confidence 1)
            summary.held_doubts[doubt] = summary.held_doubts.get(doubt, 0) + 1


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
