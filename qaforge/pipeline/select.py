"""The select stage: route active items to series, pick and render slices, store the selections.

Composes :mod:`qaforge.images` (pure selection, per-study rendering jobs)
with :mod:`qaforge.store.images`. A study is one unit of work, run in worker
processes in parallel; results are stored in one transaction per batch of
studies, so a killed run keeps what was stored and the next run resumes.
A study whose series analysis is missing or stale is analysed in its own
job, from the volumes the job renders from (each file read once), and its
analyses are stored with its selections.

A selection is redone only when its key changes: the key hashes the
protocol and its version, the budget, the seed, the output size, the images
folder and the routed series with their file hashes. Selections are derived
data; items and verifications are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import QaforgeError
from qaforge.images.protocols import PROTOCOLS, Protocol
from qaforge.images.routing import SeriesRef
from qaforge.images.study_job import SeriesProblem, StudyJob, StudyResult, run_study_jobs
from qaforge.libs.dask_executor import ExecutorChoice, executor_choice
from qaforge.pipeline.run import Progress, begin_stage
from qaforge.pipeline.select_plan import (
    SelectionSummary,
    Stored,
    StudyPlan,
    StudyPreparation,
    UnreadableSeries,
    plan_selections,
    selection_key,
    series_ref,
)
from qaforge.pipeline.series_analyse import is_current, unreadable_entry
from qaforge.store.engine import Engine
from qaforge.store.images import (
    ItemToRoute,
    SelectionRecord,
    items_to_route,
    replace_selections,
    stored_selections,
)
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.series_analysis import SeriesRow, list_series_rows, replace_analyses

__all__ = ["SelectionSummary", "UnreadableSeries", "select_images", "selection_key"]

STUDIES_PER_TRANSACTION = 20
BUDGET_LIMIT = 1024


def select_images(
    engine: Engine,
    *,
    protocols: Sequence[Protocol],
    budgets: Sequence[int],
    images_dir: Path,
    seed: int = 0,
    size: int | None = None,
    workers: int | None = None,
    executor: str = "process",
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SelectionSummary:
    """Select and render images for every active item, under each protocol and budget.

    Args:
        engine: The store.
        protocols: ``random``, ``clinical`` and/or ``data-driven``.
        budgets: Budgets K (images per item), each at least 1.
        images_dir: Where PNGs are written (created if missing).
        seed: Seed of the random protocol.
        size: Smallest short side of the PNGs in pixels (smaller slices are
            enlarged, larger ones keep their matrix); ``None`` keeps the matrix.
        workers: Worker processes; ``None`` uses every core, 1 runs inline.
        executor: ``process``, or ``dask``: a task per study on ``scheduler`` (docs/distributed.md).
        scheduler: The Dask scheduler's address, e.g. ``tcp://HOST:8786``.
        progress: Where to report progress (per study).

    Returns:
        Counts of what was selected, left unchanged and could not be read.

    Raises:
        ConfigError: For an unknown protocol, a budget outside 1..1024, a size below 1,
            an images folder that cannot be created, or a bad executor (E011-E015).
    """
    protocols, budgets = _checked(protocols, budgets, size)
    choice = executor_choice(executor, scheduler)
    progress = begin_stage(engine, progress)
    root = _images_root(images_dir)
    summary = SelectionSummary(
        protocols=list(protocols), budgets=list(budgets), images_dir=str(root)
    )
    with engine.connect() as connection:
        items = items_to_route(connection)
        study_ids = sorted({i.study_id for i in items})
        series = list_series_rows(connection, study_ids=study_ids)
        stored = {
            (protocol, budget): stored_selections(connection, protocol=protocol, budget=budget)
            for protocol in protocols
            for budget in budgets
        }
    summary.items = len(items)
    plan, jobs = _plan_jobs(items, series, stored, protocols, budgets, seed, size, root, summary)
    _run_plan(engine, plan, jobs, summary, workers=workers, executor=choice, progress=progress)
    return summary


def _plan_jobs(
    items: Sequence[ItemToRoute],
    series: Sequence[SeriesRow],
    stored: Stored,
    protocols: Sequence[Protocol],
    budgets: Sequence[int],
    seed: int,
    size: int | None,
    root: Path,
    summary: SelectionSummary,
) -> tuple[dict[str, StudyPlan], list[StudyJob]]:
    """The plans made here, and every job to run (those of stale studies plan in the worker)."""
    rows_by_study: dict[str, list[SeriesRow]] = defaultdict(list)
    for row in series:
        rows_by_study[row.study_id].append(row)
    items_by_study: dict[str, list[ItemToRoute]] = defaultdict(list)
    for item in items:
        items_by_study[item.study_id].append(item)
    # a study with a stale analysis is analysed and planned in its worker, from the
    # volumes it renders from; the others are planned here from the stored facts
    stale = {row.study_id for row in series if not is_current(row)}
    refs_by_study: dict[str, list[SeriesRef]] = {
        study: [series_ref(row) for row in rows]
        for study, rows in rows_by_study.items()
        if study not in stale
    }
    current = [item for item in items if item.study_id not in stale]
    plan = plan_selections(
        current, refs_by_study, stored, protocols, budgets, seed, size, root, summary
    )
    jobs = [study.job for study in plan.values() if study.requests]
    jobs.extend(
        _preparing_job(
            study,
            rows_by_study[study],
            items_by_study[study],
            stored,
            protocols,
            budgets,
            seed,
            size,
            root,
        )
        for study in sorted(stale)
    )
    return plan, jobs


def _preparing_job(
    study_id: str,
    rows: list[SeriesRow],
    mine: Sequence[ItemToRoute],
    stored: Stored,
    protocols: Sequence[Protocol],
    budgets: Sequence[int],
    seed: int,
    size: int | None,
    root: Path,
) -> StudyJob:
    """The job of a study whose analysis is stale: its worker analyses, then plans and renders.

    ``mine`` are the study's items.
    """
    ids = {item.item_id for item in mine}
    preparation = StudyPreparation(
        study_id=study_id,
        rows=tuple(rows),
        items=tuple(mine),
        stored={
            key: {item: by_item[item] for item in ids if item in by_item}
            for key, by_item in stored.items()
        },
        protocols=tuple(protocols),
        budgets=tuple(budgets),
        seed=seed,
        size=size,
        root=root,
    )
    return StudyJob(study_id, (), seed, size, str(root), prepare=preparation)


def _run_plan(
    engine: Engine,
    plan: dict[str, StudyPlan],
    jobs: list[StudyJob],
    summary: SelectionSummary,
    *,
    workers: int | None,
    executor: ExecutorChoice,
    progress: Progress,
) -> None:
    """Run the studies' jobs and store their records, STUDIES_PER_TRANSACTION at a time."""
    progress.start("Selecting slices", len(jobs) or None)
    # items not answerable from images need no job: stored with the first batch
    pending: list[SelectionRecord] = [r for study in plan.values() for r in study.imageless]
    entries: list[QuarantineEntry] = []
    analyses: list[dict] = []
    job_of = {job.study_id: job for job in jobs}
    done = 0
    for result in run_study_jobs(jobs, workers, executor):
        study_plan = plan.get(result.study_id)
        if study_plan is None and result.lost is not None:
            entries.extend(_lost_preparation(job_of[result.study_id], result.lost, summary))
            progress.advance()
            continue
        if result.prepared is not None:
            study_plan = result.prepared.plan
            pending.extend(study_plan.imageless)
            analyses.extend(_prepared(result, summary, entries))
        assert study_plan is not None  # every job comes from a plan or prepares its own
        pending.extend(study_plan.records(result, summary))
        entries.extend(_quarantine_entries(result, summary))
        summary.written += result.written
        summary.reused += result.reused
        summary.studies += bool(study_plan.requests)
        done += 1
        if done % STUDIES_PER_TRANSACTION == 0:
            _store(engine, pending, entries, analyses)
            pending, entries, analyses = [], [], []
        progress.advance()
    _store(engine, pending, entries, analyses)


def _lost_preparation(
    job: StudyJob, reason: str, summary: SelectionSummary
) -> list[QuarantineEntry]:
    """A study to be analysed and planned in its worker whose task was given up.

    Its series are quarantined with the reason and its selections counted
    unreadable; nothing is stored for it, so the next run analyses it again.
    """
    preparation = job.prepare
    summary.unreadable += (
        len(preparation.items) * len(preparation.protocols) * len(preparation.budgets)
    )
    problems = tuple(
        SeriesProblem(row.series_id, row.absolute_path, reason) for row in preparation.rows
    )
    return _quarantine_entries(StudyResult(job.study_id, (), problems, 0, 0), summary)


def _prepared(
    result: StudyResult, summary: SelectionSummary, entries: list[QuarantineEntry]
) -> list[dict]:
    """Count what a study's worker analysed and planned; returns the analyses to store."""
    prepared = result.prepared
    summary.unchanged += prepared.unchanged
    summary.no_series += prepared.no_series
    summary.series_analysed += len(prepared.analyses)
    entries.extend(unreadable_entry(problem) for problem in prepared.problems)
    return prepared.analyses


def _store(
    engine: Engine,
    records: list[SelectionRecord],
    entries: list[QuarantineEntry],
    analyses: list[dict],
) -> None:
    """Store analyses and selections together: a selection's key was made from its analysis."""
    if not records and not entries and not analyses:
        return
    with engine.begin() as connection:
        if analyses:
            replace_analyses(connection, analyses=analyses)
        if records:
            replace_selections(connection, records=records)
        if entries:
            add_quarantine_entries(connection, entries=entries)


def _quarantine_entries(result: StudyResult, summary: SelectionSummary) -> list[QuarantineEntry]:
    entries = []
    for problem in result.problems:
        summary.unreadable_series.append(UnreadableSeries(path=problem.path, reason=problem.reason))
        entries.append(
            QuarantineEntry(
                stage="select",
                source=problem.path,
                location=problem.path,
                reason=problem.reason,
                record_key=problem.series_id,
            )
        )
    return entries


def _images_root(images_dir: Path) -> Path:
    root = images_dir.expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise QaforgeError.of(
            "E601", root=root, problem=(error.strerror or str(error)).lower()
        ) from None
    return root


def _checked(
    protocols: Sequence[str], budgets: Sequence[int], size: int | None
) -> tuple[list[Protocol], list[int]]:
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown or not protocols:
        raise QaforgeError.of(
            "E602",
            protocols=", ".join(map(repr, unknown)) or "(none given)",
            choices=", ".join(PROTOCOLS),
        )
    bad = [b for b in budgets if not 1 <= b <= BUDGET_LIMIT]
    if bad or not budgets:
        raise QaforgeError.of(
            "E603", budgets=", ".join(map(str, bad)) or "(none given)", limit=BUDGET_LIMIT
        )
    if size is not None and size < 1:
        raise QaforgeError.of("E604", size=size)
    return list(dict.fromkeys(protocols)), list(dict.fromkeys(budgets))  # type: ignore[arg-type]
