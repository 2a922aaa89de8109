"""Verdicts from Label Studio into the store (``annotate pull``), and the review status.

``pull`` reads every annotation of the projects push made, stores one
verdict per annotator (edits and deletions keep the older rows, the latest
wins; see :mod:`qaforge.annotate.verdicts`), and derives each item's review
outcome (see :mod:`qaforge.annotate.outcome`). ``status`` reads the store only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from qaforge.annotate.agreement import (
    AgreementReport,
    agreement_report,
    annotator_counts,
    review_ratings,
)
from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.outcome import outcome_rows
from qaforge.annotate.plan import DEFAULT_PROJECT
from qaforge.annotate.verdicts import (
    ProjectVerdicts,
    merge_examples,
    read_verdicts,
    superseded_annotations,
)
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import QaforgeError
from qaforge.pipeline.run import Progress, begin_stage
from qaforge.store.annotation import (
    add_verifications,
    answer_forms,
    current_verdicts,
    current_verifications,
    outcome_counts,
    project_tasks,
    projects_named,
    save_outcomes,
    set_verification_state,
    stale_annotation_ids,
    stored_outcomes,
    task_counts,
)
from qaforge.store.engine import Engine
from qaforge.store.quarantine import add_quarantine_entries

COUNTS = ("annotations", "new", "edited", "stale", "unchanged", "skipped", "invalid")
"""The counts a project's verdicts add to the pull's summary (``deleted`` is a list there)."""


class PullSummary(BaseModel):
    """What `annotate pull` did.

    Attributes:
        annotations: Annotations read (skipped ones included).
        new: Verdicts stored for the first time.
        edited: Annotations changed since the last pull (older row kept).
        deleted: Annotations gone from Label Studio (row kept, no longer counted).
        stale: Annotations made before their task's content changed (kept, not counted).
        skipped: Annotations the annotator skipped (no verdict).
        invalid: Annotations that could not be read as a verdict (quarantined).
        outcomes: Active items by review status after the pull.
        examples: The first invalid annotations, for the summary.
    """

    annotations: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    stale: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    examples: list[str] = Field(default_factory=list)

    def add(self, verdicts: ProjectVerdicts) -> None:
        """Add one project's counts and examples."""
        for key in COUNTS:
            setattr(self, key, getattr(self, key) + getattr(verdicts, key))
        self.deleted += len(verdicts.deleted)
        self.examples = merge_examples(self.examples, verdicts.examples)


class AnnotationStatus(BaseModel):
    """What `annotate status` prints: tasks, outcomes and agreement."""

    tasks: list[tuple[str, str, str, int]]
    outcomes: dict[str, int]
    agreement: AgreementReport
    annotators: dict[str, int]


def pull_verdicts(
    engine: Engine,
    client: LabelStudioClient,
    *,
    name: str = DEFAULT_PROJECT,
    progress: Progress | None = None,
) -> PullSummary:
    """Read every annotation of the named projects and store verdicts and outcomes.

    Args:
        engine: The store.
        client: A client of the Label Studio server (an admin's token, to see every annotator).
        name: The projects' name prefix (as given to push).
        progress: Where to report progress (per task).

    Returns:
        Counts of new, edited, deleted, stale, skipped and invalid annotations,
        and the review outcomes of active items after the pull.

    Raises:
        ConfigError: No project of that name was pushed.
        LabelStudioError: The server refused a request or did not answer.
    """
    progress = begin_stage(engine, progress)
    with engine.connect() as connection:
        projects = projects_named(connection, name=name)
    if not projects:
        raise QaforgeError.of("E902", name=name)
    users = client.users()
    summary = PullSummary()
    entries: list[QuarantineEntry] = []
    for project in projects:
        verdicts = _pull_project(engine, client, project, users=users, progress=progress)
        summary.add(verdicts)
        entries += verdicts.quarantine
    with engine.begin() as connection:
        if entries:
            add_quarantine_entries(connection, entries=entries)
        before = stored_outcomes(connection)
        rows = outcome_rows(current_verdicts(connection), before)
        save_outcomes(connection, rows=rows, stored_ids=set(before))
        summary.outcomes = outcome_counts(connection)
    return summary


def _pull_project(
    engine: Engine,
    client: LabelStudioClient,
    project: Mapping[str, Any],
    *,
    users: Mapping[int, str],
    progress: Progress,
) -> ProjectVerdicts:
    """Read one project's annotations and store its verdicts in one transaction."""
    tasks = list(client.iter_tasks(int(project["ls_project_id"]), with_annotations=True))
    progress.start(f"Pulling {project['title']}", len(tasks) or None)
    with engine.connect() as connection:
        stored_tasks = project_tasks(connection, project_id=project["id"])
        known = current_verifications(connection, project_id=project["id"])
        known_stale = stale_annotation_ids(connection, project_id=project["id"])
        forms = answer_forms(
            connection, item_ids=[t["data"].get("qaforge_item_id", "") for t in tasks]
        )
    verdicts = read_verdicts(
        tasks,
        project_id=project["id"],
        title=project["title"],
        answer_forms=forms,
        users=users,
        known=known,
        known_stale=known_stale,
        superseded=superseded_annotations(stored_tasks.values()),
    )
    if tasks:
        progress.advance(len(tasks))
    with engine.begin() as connection:
        set_verification_state(connection, ids=verdicts.replaced, state="edited")
        set_verification_state(connection, ids=verdicts.deleted, state="deleted")
        set_verification_state(connection, ids=verdicts.stale_ids, state="stale")
        add_verifications(connection, rows=verdicts.fresh)
        add_verifications(connection, rows=verdicts.stale_rows, state="stale")
    return verdicts


def annotation_status(engine: Engine, *, name: str = DEFAULT_PROJECT) -> AnnotationStatus:
    """Tasks per project and state, review outcomes, and agreement per subtask.

    Args:
        engine: The store.
        name: The projects' name prefix (as given to push).

    Returns:
        Task counts by (purpose, answer type, state), active items by review
        status, agreement over the review verdicts, and verdicts per annotator.
    """
    begin_stage(engine, None)
    with engine.connect() as connection:
        tasks = task_counts(connection, name=name)
        outcomes = outcome_counts(connection)
        verdicts = current_verdicts(connection)
    ratings = review_ratings(verdicts)
    return AnnotationStatus(
        tasks=tasks,
        outcomes=outcomes,
        agreement=agreement_report(ratings),
        annotators=annotator_counts(ratings),
    )
