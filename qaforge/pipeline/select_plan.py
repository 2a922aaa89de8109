"""Planning select's work: which selections to (re)make per study, and the study's job.

Pure of the database (the caller reads and stores): the plan of a study
whose series analysis is current is made in the parent process; a study
with a missing or stale analysis is planned in its worker by
:class:`StudyPreparation`, after analysing its series from the volumes the
selection then renders from (each file read and decompressed once).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from qaforge.images.display import DISPLAY_CONVENTION_VERSION
from qaforge.images.protocols import PROTOCOL_VERSION, Protocol
from qaforge.images.routing import Routing, SeriesRef, route
from qaforge.images.series_facts import AnalysisProblem
from qaforge.images.study_job import SelectionRequest, StudyJob, StudyResult
from qaforge.images.volume import Volume
from qaforge.pipeline.series_analyse import StudyAnalyser, series_listing
from qaforge.store.images import ItemToRoute, SelectionRecord, StoredSelection
from qaforge.store.series_analysis import SeriesRow

Stored = dict[tuple[str, int], dict[str, StoredSelection]]
"""Stored selections by (protocol, budget), then by item id."""


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
        written: Files written now, PNG slices and JPEG contact sheets (content-addressed:
            shared images once).
        reused: Files that were already on disk.
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


class StudyPlan:
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
                record = selection_record(
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


def plan_selections(
    items: Sequence[ItemToRoute],
    refs_by_study: dict[str, list[SeriesRef]],
    stored: dict[tuple[str, int], dict[str, StoredSelection]],
    protocols: Sequence[Protocol],
    budgets: Sequence[int],
    seed: int,
    size: int | None,
    root: Path,
    summary: SelectionSummary,
) -> dict[str, StudyPlan]:
    """Route every item and keep the selections whose key changed or whose files are gone."""
    plans: dict[str, StudyPlan] = {}
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
                    and files_present(known)
                ):
                    summary.unchanged += 1
                    continue
                plan = plans.get(item.study_id)
                if plan is None:
                    plan = plans[item.study_id] = StudyPlan(item.study_id, seed, size, root)
                if not routing.series:
                    record = selection_record(
                        item.item_id, protocol, budget, seed, key, routing, root
                    )
                    record.status = "no_series"
                    plan.imageless.append(record)
                    summary.no_series += 1
                    continue
                plan.requests.setdefault(
                    key, SelectionRequest(key, routing.series, protocol, budget)
                )
                plan.items[key].append((item.item_id, routing))
    return {study: plan for study, plan in plans.items() if plan.requests or plan.imageless}


def series_ref(row: SeriesRow) -> SeriesRef:
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


def selection_record(
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


def files_present(selection: StoredSelection) -> bool:
    root = Path(selection.images_root)
    return all((root / path).is_file() for path in selection.paths)


@dataclass
class PreparedStudy:
    """What a study's worker analysed and planned, for the parent to store.

    Attributes:
        plan: The study's plan (requests run in the worker, items they serve).
        analyses: Analysis rows to store (as :func:`replace_analyses` takes them).
        problems: Series whose voxels could not be analysed.
        unchanged: Selections already stored with the same key.
        no_series: Selections of items with no series of their views.
    """

    plan: StudyPlan
    analyses: list[dict[str, Any]] = field(default_factory=list)
    problems: list[AnalysisProblem] = field(default_factory=list)
    unchanged: int = 0
    no_series: int = 0


@dataclass(frozen=True)
class StudyPreparation:
    """A study job's ``prepare``: analyse the stale series, then plan as the parent would.

    Attributes:
        study_id: The study.
        rows: Its stored series (with their stored analyses, if any).
        items: Its active items.
        stored: Stored selections of those items.
        protocols: Protocols to run.
        budgets: Budgets to run.
        seed: Seed of the random protocol.
        size: Output size.
        root: The images folder.
    """

    study_id: str
    rows: tuple[SeriesRow, ...]
    items: tuple[ItemToRoute, ...]
    stored: Stored
    protocols: tuple[Protocol, ...]
    budgets: tuple[int, ...]
    seed: int
    size: int | None
    root: Path

    def __call__(
        self, load: Callable[[Path, str], Volume]
    ) -> tuple[tuple[SelectionRequest, ...], PreparedStudy]:
        analyser = StudyAnalyser(self.rows)
        prepared = PreparedStudy(plan=StudyPlan(self.study_id, self.seed, self.size, self.root))
        for stack in analyser.stale_stacks():
            analyses, problems = analyser.analyse(stack, load)
            prepared.analyses.extend(analyses)
            prepared.problems.extend(problems)
        fresh = {analysis["series_id"]: analysis for analysis in prepared.analyses}
        rows = [
            replace(row, analysis=fresh[row.series_id]) if row.series_id in fresh else row
            for row in self.rows
        ]
        summary = SelectionSummary(
            protocols=list(self.protocols), budgets=list(self.budgets), images_dir=str(self.root)
        )
        refs = {self.study_id: [series_ref(row) for row in rows]}
        plans = plan_selections(
            self.items,
            refs,
            self.stored,
            self.protocols,
            self.budgets,
            self.seed,
            self.size,
            self.root,
            summary,
        )
        prepared.plan = plans.get(self.study_id, prepared.plan)
        prepared.unchanged, prepared.no_series = summary.unchanged, summary.no_series
        return tuple(prepared.plan.requests.values()), prepared
