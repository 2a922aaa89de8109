"""The plan of a push: which tasks each Label Studio project should hold, and what they show (pure).

qaforge keeps one review project per answer type and, for items whose
reviewers disagree, one adjudication project per answer type. An active
item gets a task in its review project unless it is withdrawn (a blocking
check flag, a PHI hit, no image); an item that left the benchmark keeps its
task, marked retired; a withdrawn item's task keeps none of its text. Every
task that still shows its item carries the proposed answer as a prediction.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from qaforge.annotate.tasks import prediction, queue_order, task_data, withdrawn_task_data
from qaforge.domain.annotation import Purpose, ReviewItem
from qaforge.domain.quarantine import QuarantineEntry

DEFAULT_PROJECT = "qaforge"
ANSWER_TYPES = ("single_choice", "multiple_choice", "open_text")

ProjectKey = tuple[str, str]
"""A project's (purpose, answer type)."""


class Screening(BaseModel):
    """The active items whose tasks may not show them, and why.

    Attributes:
        withdrawn: Item id -> the reason its task may not show it.
        blocked_flags: Items left out for a blocking check flag.
        blocked_phi: Items left out because the PHI scan hit their text.
        no_images: Items left out because their selection has no image.
        quarantine: One entry for each item the PHI scan stopped.
    """

    withdrawn: dict[str, str] = Field(default_factory=dict)
    blocked_flags: int = 0
    blocked_phi: int = 0
    no_images: int = 0
    quarantine: list[QuarantineEntry] = Field(default_factory=list)


class ProjectPlan(BaseModel):
    """The tasks one project should hold after a push.

    Attributes:
        purpose: review or adjudication.
        answer_type: The answer type of the project's items.
        overlap: Annotations each task wants.
        tasks: Item id -> task data, in the order radiologists should see them.
        predictions: Item id -> the prediction imported with its task (none
            for withdrawn items: their proposed answer is never sent).
    """

    purpose: Purpose
    answer_type: str
    overlap: int
    tasks: dict[str, dict[str, Any]]
    predictions: dict[str, dict[str, Any]]


def screen_items(
    items: Iterable[ReviewItem],
    *,
    active: Collection[str],
    blocked: Collection[str],
    phi_kinds: Callable[[ReviewItem], Sequence[str]],
    selection: str,
) -> Screening:
    """Withdraw the active items that may not be shown.

    Args:
        items: The items, in id order (items not in ``active`` are passed over).
        active: Ids of the active items.
        blocked: Ids of items with a blocking check flag.
        phi_kinds: The kinds of PHI found in what an item's task would show
            (called only for items no flag blocks).
        selection: The image selection tasks show, as ``protocol/budget``.

    Returns:
        The withdrawn items with their reasons, counts by reason, and a
        quarantine entry per PHI hit (a blocking flag wins over a PHI hit,
        which wins over missing images).
    """
    screening = Screening()
    for item in items:
        if item.item_id not in active:
            continue
        if item.item_id in blocked:
            screening.blocked_flags += 1
            screening.withdrawn[item.item_id] = "blocked by a check (qaforge check)"
        elif hits := phi_kinds(item):
            screening.blocked_phi += 1
            screening.withdrawn[item.item_id] = "blocked by the PHI scan"
            screening.quarantine.append(
                QuarantineEntry(
                    stage="annotate",
                    source=f"item {item.item_id}",
                    location=f"study {item.study_id}",
                    reason=f"not sent to Label Studio: the PHI scan found {', '.join(hits)}",
                    record_key=item.item_id,
                )
            )
        elif not item.image_paths:
            screening.no_images += 1
            screening.withdrawn[item.item_id] = f"no image in the {selection} selection"
    return screening


def plan_projects(
    items: Mapping[str, ReviewItem],
    *,
    active: Collection[str],
    withdrawn: Mapping[str, str],
    known_tasks: Mapping[ProjectKey, Collection[str]],
    disputes: Mapping[str, Sequence[Mapping[str, str]]],
    overlap: int,
) -> list[ProjectPlan]:
    """The review projects' plans, then the adjudication projects', by answer type.

    Args:
        items: Item id -> item, for every item that is active or has a task.
        active: Ids of the active items.
        withdrawn: Item id -> reason, for active items that may not be shown.
        known_tasks: Per stored project (purpose, answer type), the ids of
            the items it has tasks for.
        disputes: Item id -> the verdicts (``annotator``, ``label``) of
            items whose reviewers disagree.
        overlap: Annotations each review task wants (adjudication wants one).

    Returns:
        A plan for each project that has or should have tasks; a project
        neither stored nor wanted is left out.
    """
    plans = [
        _review_plan(items, answer_type, active, withdrawn, known_tasks, overlap)
        for answer_type in ANSWER_TYPES
    ]
    plans += [
        _adjudication_plan(items, answer_type, active, withdrawn, known_tasks, disputes)
        for answer_type in ANSWER_TYPES
    ]
    return [plan for plan in plans if plan.tasks or (plan.purpose, plan.answer_type) in known_tasks]


def _review_plan(
    items: Mapping[str, ReviewItem],
    answer_type: str,
    active: Collection[str],
    withdrawn: Mapping[str, str],
    known_tasks: Mapping[ProjectKey, Collection[str]],
    overlap: int,
) -> ProjectPlan:
    """Active items shown; withdrawn and departed items marked on the tasks they have."""
    with_task = known_tasks.get(("review", answer_type), ())
    tasks: dict[str, dict[str, Any]] = {}
    for item in queue_order([i for i in items.values() if i.answer_type == answer_type]):
        item_id = item.item_id
        if item_id in active and item_id not in withdrawn:
            tasks[item_id] = task_data(item)
        elif item_id in withdrawn and item_id in with_task:
            tasks[item_id] = withdrawn_task_data(item_id, withdrawn[item_id])
        elif item_id in with_task:
            tasks[item_id] = task_data(item, retired=True)
    return ProjectPlan(
        purpose="review",
        answer_type=answer_type,
        overlap=overlap,
        tasks=tasks,
        predictions=_predictions(items, tasks, withdrawn),
    )


def _adjudication_plan(
    items: Mapping[str, ReviewItem],
    answer_type: str,
    active: Collection[str],
    withdrawn: Mapping[str, str],
    known_tasks: Mapping[ProjectKey, Collection[str]],
    disputes: Mapping[str, Sequence[Mapping[str, str]]],
) -> ProjectPlan:
    """Disputed active items shown with their verdicts; departed items marked."""
    queue = [
        items[item_id]
        for item_id in disputes
        if item_id in items
        and items[item_id].answer_type == answer_type
        and item_id in active
        and item_id not in withdrawn
    ]
    tasks = {
        item.item_id: task_data(
            item, prior_verdicts_html=prior_verdicts_html(disputes[item.item_id])
        )
        for item in queue_order(queue)
    }
    for item_id in known_tasks.get(("adjudication", answer_type), ()):
        # A settled adjudication task stays as it is; one whose item left is marked.
        if item_id in withdrawn:
            tasks[item_id] = withdrawn_task_data(item_id, withdrawn[item_id])
        elif item_id in items and item_id not in active:
            tasks[item_id] = task_data(items[item_id], retired=True)
    return ProjectPlan(
        purpose="adjudication",
        answer_type=answer_type,
        overlap=1,
        tasks=tasks,
        predictions=_predictions(items, tasks, withdrawn),
    )


def _predictions(
    items: Mapping[str, ReviewItem],
    tasks: Mapping[str, dict[str, Any]],
    withdrawn: Mapping[str, str],
) -> dict[str, dict[str, Any]]:
    """The proposed answers of the planned tasks; a withdrawn item's is never sent."""
    return {item_id: prediction(items[item_id]) for item_id in tasks if item_id not in withdrawn}


def prior_verdicts_html(verdicts: Sequence[Mapping[str, str]]) -> str:
    """The disagreeing verdicts of an item (``annotator``, ``label``), as HTML for the adjudicator."""
    lines = [
        f"<li><b>{html.escape(v['annotator'])}</b>: {html.escape(v['label'])}</li>"
        for v in verdicts
    ]
    return "<ul>" + "".join(lines) + "</ul>"


def project_description(purpose: Purpose, answer_type: str) -> str:
    """The description a new project gets, e.g. ``"qaforge review of open text items"``."""
    return f"qaforge {purpose} of {answer_type.replace('_', ' ')} items"
