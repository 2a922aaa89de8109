"""Verification in Label Studio: push items as tasks (``annotate push``); pull and status re-exported.

``push`` keeps one Label Studio project per answer type (and, for items
the annotators disagree on, one adjudication project per answer type) in
step with the store. It reads the items, screens and plans them
(:mod:`qaforge.annotate.plan`), and brings each project in line with its
plan (:mod:`qaforge.pipeline.annotate_projects`). It is idempotent and safe
to re-run after a crash or a server restart.

``pull`` and ``status`` live in :mod:`qaforge.pipeline.annotate_pull`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, Field

from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.plan import (
    ANSWER_TYPES,
    DEFAULT_PROJECT,
    ProjectPlan,
    Screening,
    plan_projects,
    screen_items,
)
from qaforge.annotate.review_item import review_item
from qaforge.annotate.task_sync import with_image_hashes
from qaforge.annotate.tasks import LOCAL_FILES_URL, MAX_NAME, image_url, shown_texts, task_data
from qaforge.checks.phi import scan_phi
from qaforge.domain.annotation import ReviewItem
from qaforge.domain.items import ItemView
from qaforge.errors import QaforgeError
from qaforge.pipeline.annotate_projects import (
    AfterBatch,
    ProjectPush,
    PushTarget,
    ensure_storages,
    sync_project,
)
from qaforge.pipeline.annotate_pull import (
    AnnotationStatus,
    PullSummary,
    annotation_status,
    pull_verdicts,
)
from qaforge.pipeline.run import Progress, begin_stage
from qaforge.store.annotation import (
    item_ids_by_status,
    project_tasks,
    projects_named,
    stored_outcomes,
)
from qaforge.store.checks import blocking_item_ids
from qaforge.store.engine import Engine
from qaforge.store.item_views import item_views
from qaforge.store.quarantine import add_quarantine_entries

__all__ = [
    "ANSWER_TYPES",
    "BATCH_SIZE",
    "DEFAULT_PROJECT",
    "AfterBatch",
    "AnnotationStatus",
    "ProjectPush",
    "PullSummary",
    "PushSummary",
    "annotation_status",
    "pull_verdicts",
    "push_items",
]

BATCH_SIZE = 200


class PushSummary(BaseModel):
    """What `annotate push` did.

    Attributes:
        projects: Per project: tasks imported, updated, retired, unchanged.
        blocked_flags: Active items left out for a blocking check flag.
        blocked_phi: Active items left out because the PHI scan hit their text.
        no_images: Active items left out because their selection has no image.
        queued_for_adjudication: Items sent to an adjudication project in this push.
    """

    projects: list[ProjectPush] = Field(default_factory=list)
    blocked_flags: int = 0
    blocked_phi: int = 0
    no_images: int = 0
    queued_for_adjudication: int = 0

    @classmethod
    def of_screening(cls, screening: Screening) -> PushSummary:
        """A summary with the screening's counts of items left out, and no project yet."""
        return cls(
            blocked_flags=screening.blocked_flags,
            blocked_phi=screening.blocked_phi,
            no_images=screening.no_images,
        )

    def add(self, project: ProjectPush, *, adjudication: bool) -> None:
        """Add what push did in one project (an adjudication project's imports are queued items)."""
        self.projects.append(project)
        if adjudication:
            self.queued_for_adjudication += project.imported

    @property
    def imported(self) -> int:
        """Tasks created in this push."""
        return sum(p.imported for p in self.projects)

    @property
    def updated(self) -> int:
        """Tasks whose data changed in this push (retirements included)."""
        return sum(p.updated + p.retired for p in self.projects)


class PushInputs(BaseModel):
    """What push reads from the store before it talks to the server.

    Attributes:
        statuses: Item id -> lifecycle status, of every item.
        blocked: Items with a blocking check flag.
        known_tasks: Per stored project (purpose, answer type): item id -> task row.
        disputes: Item id -> the prior verdicts of items needing adjudication.
        items: Item id -> review item, for every item active or with a task.
        media_root: The server's local-files document root (resolved).
        storage_paths: The images folders tasks show files from.
        served_by: The Label Studio id of a stored project that has tasks
            (``None`` before the first push).
    """

    statuses: dict[str, str]
    blocked: set[str]
    known_tasks: dict[tuple[str, str], dict[str, dict[str, Any]]]
    disputes: dict[str, list[dict[str, Any]]]
    items: dict[str, ReviewItem]
    media_root: Path
    storage_paths: list[str]
    served_by: int | None = None

    @property
    def active(self) -> set[str]:
        """Ids of the active items."""
        return {item_id for item_id, status in self.statuses.items() if status == "active"}

    def plans(self, screening: Screening, *, overlap: int) -> list[ProjectPlan]:
        """The plan of every project to push (see :func:`qaforge.annotate.plan.plan_projects`).

        Each task carries its images' content hashes, by which push tells a
        changed task from one whose images only moved.
        """
        plans = plan_projects(
            self.items,
            active=self.active,
            withdrawn=screening.withdrawn,
            known_tasks=self.known_tasks,
            disputes=self.disputes,
            overlap=overlap,
        )
        return [_with_image_hashes(plan, self.media_root) for plan in plans]


def push_items(
    engine: Engine,
    client: LabelStudioClient,
    *,
    name: str = DEFAULT_PROJECT,
    media_root: Path,
    protocol: str = "clinical",
    budget: int = 16,
    overlap: int = 2,
    adjudicator: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    after_batch: AfterBatch | None = None,
) -> PushSummary:
    """Create or update the Label Studio projects and tasks of the store's items.

    Args:
        engine: The store.
        client: A client of the Label Studio server (an admin's token).
        name: The projects' name prefix; several benchmarks can share a server.
        media_root: The server's ``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT``;
            every item image must lie under it.
        protocol: The image selection protocol whose slices tasks show.
        budget: The selection's budget.
        overlap: Annotations each task wants (2 or more for agreement).
        adjudicator: The e-mail of the annotator whose verdict settles a disagreement.
        batch_size: Tasks per import request.
        progress: Where to report progress (per task).
        after_batch: Called with the number of tasks imported so far after
            each recorded batch (tests stop the server from here).

    Returns:
        Counts per project and of the items left out, by reason.

    Raises:
        ConfigError: An image outside the media root, or a bad setting.
        LabelStudioError: The server refused a request or did not answer;
            everything recorded before stays, and a re-run resumes.
    """
    _require_name(name)
    progress = begin_stage(engine, progress)
    inputs = _push_inputs(
        engine, name=name, media_root=media_root.resolve(), protocol=protocol, budget=budget
    )
    screening = _screen(engine, inputs, protocol=protocol, budget=budget)
    client.whoami()  # fail on a wrong token or URL before any write
    _require_served(client, inputs, screening)
    target = PushTarget(
        name=name,
        media_root=inputs.media_root,
        storage_paths=inputs.storage_paths,
        adjudicator=adjudicator,
        batch_size=batch_size,
        after_batch=after_batch,
    )
    summary = PushSummary.of_screening(screening)
    for plan in inputs.plans(screening, overlap=overlap):
        result = sync_project(engine, client, plan, target=target, progress=progress)
        summary.add(result, adjudication=plan.purpose == "adjudication")
    return summary


def _require_served(client: LabelStudioClient, inputs: PushInputs, screening: Screening) -> None:
    """Refuse a push whose image URLs the server does not serve, before any task changes.

    Only projects that have tasks already can lose work to broken URLs, so the
    check runs when the store knows tasks; the first push has nothing to lose.
    The server serves a file only under a local storage's path, and images
    moved to a folder new to this push have none yet: the storages are made
    first (a storage changes no task).

    Raises:
        ConfigError: E901 when the server does not serve one image of the payload.
    """
    if inputs.served_by is None:
        return
    active = inputs.active - set(screening.withdrawn)
    for item_id in sorted(active):
        paths = inputs.items[item_id].image_paths
        if paths:
            url = image_url(paths[0])
            ensure_storages(client, inputs.served_by, inputs.storage_paths)
            if not client.serves(url):
                raise QaforgeError.of(
                    "E901",
                    what="the media root",
                    path=inputs.media_root,
                    problem=f"is not where Label Studio serves images from ({url} is not "
                    "served); no task was changed",
                )
            return


def _require_name(name: str) -> None:
    """Refuse a projects' name prefix that would make a title Label Studio refuses."""
    if not 0 < len(name) <= MAX_NAME:
        raise QaforgeError.of(
            "E905", problem=f"project name {name!r} must have 1 to {MAX_NAME} characters"
        )


def _push_inputs(
    engine: Engine, *, name: str, media_root: Path, protocol: str, budget: int
) -> PushInputs:
    """Read the items, their flags, tasks and disputes; make the review items (one snapshot)."""
    with engine.connect() as connection:
        statuses = item_ids_by_status(connection)
        blocked = blocking_item_ids(connection)
        projects = projects_named(connection, name=name)
        known_tasks = {
            (p["purpose"], p["answer_type"]): project_tasks(connection, project_id=p["id"])
            for p in projects
        }
        outcomes = stored_outcomes(connection)
        with_task = {item for tasks in known_tasks.values() for item in tasks}
        active = [i for i, status in statuses.items() if status == "active"]
        views = item_views(
            connection,
            item_ids=sorted(set(active) | with_task),
            protocol=protocol,
            budget=budget,
        )
    storage_paths = _storage_paths(views, media_root)
    items = [review_item_under(view, media_root) for view in views]
    return PushInputs(
        statuses=statuses,
        blocked=set(blocked),
        known_tasks=known_tasks,
        disputes={
            item_id: outcome["provenance"].get("verdicts", [])
            for item_id, outcome in outcomes.items()
            if outcome["status"] == "needs_adjudication"
        },
        items={item.item_id: item for item in items},
        media_root=media_root,
        storage_paths=storage_paths,
        served_by=next(
            (
                int(p["ls_project_id"])
                for p in projects
                if known_tasks[(p["purpose"], p["answer_type"])]
            ),
            None,
        ),
    )


def _screen(engine: Engine, inputs: PushInputs, *, protocol: str, budget: int) -> Screening:
    """Withdraw the active items that may not be shown; quarantine PHI hits.

    Raises:
        ConfigError: No active item has an image in the selection (E907).
    """
    active = inputs.active
    screening = screen_items(
        inputs.items.values(),
        active=active,
        blocked=inputs.blocked,
        phi_kinds=_phi_kinds,
        selection=f"{protocol}/{budget}",
    )
    if screening.quarantine:
        with engine.begin() as connection:
            add_quarantine_entries(connection, entries=screening.quarantine)
    if active and screening.no_images == len(active):
        raise QaforgeError.of("E907", protocol=protocol, budget=budget)
    return screening


def _with_image_hashes(plan: ProjectPlan, media_root: Path) -> ProjectPlan:
    """The plan with each task's image content hashes (stale follows content, not URLs)."""
    tasks = {
        item_id: with_image_hashes(
            data, [_file_sha256(media_root / _served_path(url)) for url in data["images"]]
        )
        for item_id, data in plan.tasks.items()
    }
    return plan.model_copy(update={"tasks": tasks})


def _served_path(url: str) -> str:
    """The path under the media root that a local-files URL names."""
    return unquote(url.removeprefix(LOCAL_FILES_URL))


@functools.cache
def _file_sha256(path: Path) -> str:
    """sha256 of a file's bytes (each image read once per process)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@functools.cache
def _resolved(folder: str) -> Path:
    """An images folder as an absolute path without links (resolved once per folder)."""
    return Path(folder).resolve()


def _storage_paths(views: Sequence[ItemView], media_root: Path) -> list[str]:
    """The images folders tasks show files from: each becomes a local-files storage.

    Label Studio serves a file only under a storage's folder, which must be
    inside its document root and not the root itself.
    """
    roots = sorted({str(_resolved(i.images_root)) for view in views for i in view.images})
    for root in roots:
        if Path(root) == media_root:
            raise QaforgeError.of(
                "E901", what="the images folder", path=root, problem="is the media root itself"
            )
    return roots


def review_item_under(view: ItemView, media_root: Path) -> ReviewItem:
    """An item's view as a review item with image paths relative to ``media_root`` (resolved).

    Raises:
        ConfigError: E901 when an image lies outside ``media_root``.
    """
    paths = []
    for image in view.images:
        absolute = _resolved(image.images_root) / image.path
        try:
            paths.append(absolute.relative_to(media_root).as_posix())
        except ValueError:
            raise QaforgeError.of(
                "E901",
                what="image",
                path=absolute,
                problem=f"is not under the media root {media_root}",
            ) from None
    return review_item(view, paths)


def _phi_kinds(item: ReviewItem) -> list[str]:
    """Kinds of PHI the scan finds in anything the item's task would carry.

    That is every text it shows (question, options, proposed answer, evidence
    sentences) and every other string of its payload but the image URLs and
    hashes (the header with its study id, the subtask...).
    """
    data = task_data(item)
    texts = [*shown_texts(item)]
    texts += [
        value for key, value in data.items() if isinstance(value, str) and key not in _NOT_TEXT
    ]
    return sorted({hit.kind for text in texts for hit in scan_phi(text)})


_NOT_TEXT = {"evidence_html", "qaforge_item_id", "qaforge_task_sha256", "images"}
"""Payload keys that hold no text of their own: the evidence HTML is the evidence
sentences shown_texts gives (without markup), the rest are ids, hashes and URLs."""
