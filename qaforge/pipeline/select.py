"""The select stage: route active items to series, pick and render slices, store the selections.

Composes :mod:`qaforge.images` (pure selection, per-study rendering jobs)
with :mod:`qaforge.store.images`. A study is one unit of work, run in worker
processes in parallel; results are stored in one transaction per batch of
studies, so a killed run keeps what was stored and the next run resumes.

A selection is redone only when its key changes: the key hashes the
protocol and its version, the budget, the seed, the output size, the images
folder and the routed series with their file hashes. Selections are derived
data; items and verifications are never touched.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import QaforgeError
from qaforge.images.display import DISPLAY_CONVENTION_VERSION
from qaforge.images.protocols import PROTOCOL_VERSION, PROTOCOLS, Protocol
from qaforge.images.routing import Routing, SeriesRef, route
from qaforge.images.study_job import (
    SelectionRequest,
    StudyJob,
    StudyResult,
    run_study_jobs,
)
from qaforge.libs.dask_executor import ExecutorChoice, executor_choice
from qaforge.pipeline.run import Progress, begin_stage
from qaforge.pipeline.series import analyse_series, series_listing
from qaforge.store.engine import Engine
from qaforge.store.images import (
    ItemToRoute,
    SelectionRecord,
    StoredSelection,
    items_to_route,
    replace_selections,
    stored_selections,
)
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.series_analysis import SeriesRow, list_series_rows

STUDIES_PER_TRANSACTION = 20
BUDGET_LIMIT = 1024


class UnreadableSeries(BaseModel):
    """A series that could not be read during selection."""

    path: str
    reason: str


class SelectionSummary(BaseModel):
    """What :func:`select_images` did.

    Attributes:
        protocols: The protocols run.
        budgets: The budgets run.
        images_dir: The images folder.
        items: Active items considered.
        studies: Studies with at least one selection made in this run.
        selected: Selections made now that have images.
        no_series: Selections made now for items whose study has no series of
            the subtask's views (not answerable from images).
        unreadable: Selections made now whose routed series all failed to load.
        unchanged: Selections already stored with the same key (left alone;
            those whose series were unreadable are always retried).
        images: Image rows stored now.
        written: PNG files written now (content-addressed: shared images once).
        reused: PNGs that were already on disk.
        unreadable_series: Series that could not be read, with path and reason.
        series_analysed: Series whose voxels were analysed now (phases, slice order, LV).
    """

    protocols: list[str]
    budgets: list[int]
    images_dir: str
    items: int = 0
    studies: int = 0
    selected: int = 0
    no_series: int = 0
    unreadable: int = 0
    unchanged: int = 0
    images: int = 0
    written: int = 0
    reused: int = 0
    unreadable_series: list[UnreadableSeries] = Field(default_factory=list)
    series_analysed: int = 0


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
    with engine.connect() as connection:
        items = items_to_route(connection)
    summary = SelectionSummary(
        protocols=list(protocols), budgets=list(budgets), images_dir=str(root), items=len(items)
    )
    study_ids = sorted({i.study_id for i in items})
    summary.series_analysed = analyse_series(
        engine, study_ids=study_ids, progress=progress
    ).analysed
    with engine.connect() as connection:
        series = list_series_rows(connection, study_ids=study_ids)
        stored = {
            (protocol, budget): stored_selections(connection, protocol=protocol, budget=budget)
            for protocol in protocols
            for budget in budgets
        }
    plan = _plan(
        items, _refs_by_study(series), stored, protocols, budgets, seed, size, root, summary
    )
    _run_plan(engine, plan, summary, workers=workers, executor=choice, progress=progress)
    return summary


def _run_plan(
    engine: Engine,
    plan: dict[str, _StudyPlan],
    summary: SelectionSummary,
    *,
    workers: int | None,
    executor: ExecutorChoice,
    progress: Progress,
) -> None:
    """Run the studies' jobs and store their records, STUDIES_PER_TRANSACTION at a time."""
    jobs = [study.job for study in plan.values() if study.requests]
    progress.start("Selecting slices", len(jobs) or None)
    # items not answerable from images need no job: stored with the first batch
    pending: list[SelectionRecord] = [r for study in plan.values() for r in study.imageless]
    entries: list[QuarantineEntry] = []
    done = 0
    for result in run_study_jobs(jobs, workers, executor):
        study_plan = plan[result.study_id]
        pending.extend(study_plan.records(result, summary))
        entries.extend(_quarantine_entries(result, summary))
        summary.written += result.written
        summary.reused += result.reused
        done += 1
        if done % STUDIES_PER_TRANSACTION == 0:
            _store(engine, pending, entries)
            pending, entries = [], []
        progress.advance()
    _store(engine, pending, entries)
    summary.studies = len(jobs)


class _StudyPlan:
    """One study's pending selections: the job to run, and which items each result serves."""

    def __init__(self, study_id: str, seed: int, size: int | None, root: Path) -> None:
        self.study_id = study_id
        self.seed = seed
        self.size = size
        self.root = root
        self.requests: dict[str, SelectionRequest] = {}
        self.items: dict[str, list[tuple[str, Routing]]] = defaultdict(list)
        self.imageless: list[SelectionRecord] = []

    @property
    def job(self) -> StudyJob:
        return StudyJob(
            study_id=self.study_id,
            requests=tuple(self.requests.values()),
            seed=self.seed,
            size=self.size,
            images_dir=str(self.root),
        )

    def records(self, result: StudyResult, summary: SelectionSummary) -> list[SelectionRecord]:
        records = []
        for selection in result.selections:
            request = self.requests[selection.key]
            status = "selected" if selection.images else "unreadable"
            for item_id, routing in self.items[selection.key]:
                record = _record(
                    item_id,
                    request.protocol,
                    request.budget,
                    self.seed,
                    selection.key,
                    routing,
                    self.root,
                )
                record.status = status
                record.unreadable_series = list(selection.unreadable)
                record.contact_sheet = selection.contact_sheet
                record.images = [
                    {
                        "series_id": image.series_id,
                        "z": image.z,
                        "t": image.t,
                        "rank": image.rank,
                        "path": image.path,
                        "sha256": image.sha256,
                        "windowing": image.windowing,
                    }
                    for image in selection.images
                ]
                records.append(record)
                summary.images += len(record.images)
                if status == "selected":
                    summary.selected += 1
                else:
                    summary.unreadable += 1
        return records


def _plan(
    items: Sequence[ItemToRoute],
    refs_by_study: dict[str, list[SeriesRef]],
    stored: dict[tuple[str, int], dict[str, StoredSelection]],
    protocols: Sequence[Protocol],
    budgets: Sequence[int],
    seed: int,
    size: int | None,
    root: Path,
    summary: SelectionSummary,
) -> dict[str, _StudyPlan]:
    """Route every item and keep the selections whose key changed or whose files are gone."""
    plans: dict[str, _StudyPlan] = {}
    for item in items:
        routing = route(item.sequence, item.views, refs_by_study.get(item.study_id, []))
        for protocol in protocols:
            for budget in budgets:
                key = selection_key(protocol, budget, seed, size, root, routing)
                known = stored[(protocol, budget)].get(item.item_id)
                if (
                    known
                    and known.selection_key == key
                    and known.status != "unreadable"  # retried: the file may be mended
                    and _files_present(known)
                ):
                    summary.unchanged += 1
                    continue
                plan = plans.get(item.study_id)
                if plan is None:
                    plan = plans[item.study_id] = _StudyPlan(item.study_id, seed, size, root)
                if not routing.series:
                    record = _record(item.item_id, protocol, budget, seed, key, routing, root)
                    record.status = "no_series"
                    plan.imageless.append(record)
                    summary.no_series += 1
                    continue
                plan.requests.setdefault(
                    key, SelectionRequest(key, routing.series, protocol, budget)
                )
                plan.items[key].append((item.item_id, routing))
    return {study: plan for study, plan in plans.items() if plan.requests or plan.imageless}


def _refs_by_study(series: Sequence[SeriesRow]) -> dict[str, list[SeriesRef]]:
    refs: dict[str, list[SeriesRef]] = defaultdict(list)
    for row in series:
        refs[row.study_id].append(_series_ref(row))
    return refs


def _series_ref(row: SeriesRow) -> SeriesRef:
    """A stored series with its facts in use (the analysis, a reader's override winning)."""
    facts = series_listing(row)
    return SeriesRef(
        series_id=row.series_id,
        sequence=row.sequence,
        view=row.view,
        path=row.absolute_path,
        sha256=row.sha256,
        ed_frame=facts.ed_frame,
        es_frame=facts.es_frame,
        peak_frames=tuple(facts.peak_frames) if facts.peak_frames else None,
        slice_order=facts.slice_order,
        lv_slices=facts.lv_slices,
        analysed=facts.analysed,
    )


def selection_key(
    protocol: str, budget: int, seed: int, size: int | None, root: Path, routing: Routing
) -> str:
    """Hash of everything a selection depends on (items with the same key share images)."""
    parts = [
        f"protocol={protocol}/{PROTOCOL_VERSION}",
        f"display={DISPLAY_CONVENTION_VERSION}",
        f"budget={budget}",
        f"seed={seed}",
        f"size={size}",
        f"root={root}",
        *(f"{ref.series_id}:{ref.sha256}:{ref.facts_key}" for ref in routing.series),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _record(
    item_id: str,
    protocol: str,
    budget: int,
    seed: int,
    key: str,
    routing: Routing,
    root: Path,
) -> SelectionRecord:
    return SelectionRecord(
        item_id=item_id,
        protocol=protocol,
        budget=budget,
        seed=seed,
        selection_key=key,
        status="selected",
        primary_view=routing.primary_view,
        routed_series=list(routing.key),
        missing_views=list(routing.missing_views),
        unreadable_series=[],
        images_root=str(root),
        contact_sheet=None,
    )


def _store(engine: Engine, records: list[SelectionRecord], entries: list[QuarantineEntry]) -> None:
    if not records and not entries:
        return
    with engine.begin() as connection:
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


def _files_present(selection: StoredSelection) -> bool:
    root = Path(selection.images_root)
    return all((root / path).is_file() for path in selection.paths)


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
