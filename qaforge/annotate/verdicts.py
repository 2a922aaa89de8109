"""Verdicts from a project's annotations, against the verdicts stored before (pure).

Pull stores one verification row per annotation and never deletes one: an
edited annotation gets a new row and its old one becomes ``edited``; an
annotation gone from the server makes its row ``deleted``; an annotation
made before its task's content changed (its id is among the task's
superseded annotations) is kept as ``stale``. A row's fingerprint hashes
what the verdict says, so an annotation saved again unchanged is no edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from qaforge.annotate.tasks import AnnotationFormatError, parse_annotation
from qaforge.domain.quarantine import QuarantineEntry

FINGERPRINT_KEYS = ("annotator", "verdict", "corrected_answer", "reject_reason", "comment")
EXAMPLES_KEPT = 5
"""Unreadable annotations a pull keeps as examples (all are quarantined)."""


class ProjectVerdicts(BaseModel):
    """What one project's annotations change in the stored verdicts.

    Attributes:
        fresh: Verification rows to store as ``current`` (new and edited annotations).
        replaced: Ids of stored rows an edit replaces (they become ``edited``).
        deleted: Ids of stored rows whose annotation is gone (they become ``deleted``).
        stale_ids: Ids of stored current rows whose task changed since (they become ``stale``).
        stale_rows: Verification rows to store as ``stale`` straight away.
        quarantine: One entry per annotation that cannot be read as a verdict.
        examples: The first of those, as ``title, location: reason``.
        annotations: Annotations read (skipped ones included).
        new: Annotations stored for the first time.
        edited: Annotations changed since they were stored.
        stale: Annotations made before their task's content changed.
        unchanged: Annotations stored before as they are.
        skipped: Annotations the annotator skipped.
        invalid: Annotations that cannot be read as a verdict.
    """

    fresh: list[dict[str, Any]] = Field(default_factory=list)
    replaced: list[int] = Field(default_factory=list)
    deleted: list[int] = Field(default_factory=list)
    stale_ids: list[int] = Field(default_factory=list)
    stale_rows: list[dict[str, Any]] = Field(default_factory=list)
    quarantine: list[QuarantineEntry] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    annotations: int = 0
    new: int = 0
    edited: int = 0
    stale: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid: int = 0


def read_verdicts(
    tasks: Iterable[Mapping[str, Any]],
    *,
    project_id: int,
    title: str,
    answer_forms: Mapping[str, Mapping[str, Any]],
    users: Mapping[int, str],
    known: Mapping[int, Mapping[str, Any]],
    known_stale: Collection[int],
    superseded: Collection[int],
) -> ProjectVerdicts:
    """Read every annotation of a project's tasks and sort it against the store.

    Args:
        tasks: The project's tasks with their ``annotations``, as the server lists them.
        project_id: The project's row id.
        title: The project's title (names it in quarantine entries).
        answer_forms: Item id -> its ``options`` and ``answer_type``; tasks
            of other items are counted but not read.
        users: Label Studio user id -> e-mail.
        known: Annotation id -> its stored ``current`` verification row.
        known_stale: Annotation ids stored as ``stale`` already.
        superseded: Annotation ids made before their task's content changed.

    Returns:
        The rows to store, the stored rows that change state, and counts.
    """
    verdicts = ProjectVerdicts()
    seen: set[int] = set()
    for task in tasks:
        item_id = task["data"].get("qaforge_item_id")
        form = answer_forms.get(item_id)
        for annotation in task.get("annotations") or []:
            verdicts.annotations += 1
            annotation_id = int(annotation["id"])
            seen.add(annotation_id)
            if annotation.get("was_cancelled"):
                verdicts.skipped += 1
                continue
            if form is None:
                continue
            try:
                row = verdict_row(task, annotation, form=form, project_id=project_id, users=users)
            except AnnotationFormatError as error:
                _add_invalid(verdicts, task, annotation_id, item_id, title, error)
                continue
            if annotation_id in superseded:
                _add_stale(verdicts, row, known.get(annotation_id), known_stale)
            else:
                _add_current(verdicts, row, known.get(annotation_id))
    verdicts.deleted = [row["id"] for a, row in known.items() if a not in seen]
    return verdicts


def verdict_row(
    task: Mapping[str, Any],
    annotation: Mapping[str, Any],
    *,
    form: Mapping[str, Any],
    project_id: int,
    users: Mapping[int, str],
) -> dict[str, Any]:
    """The verification row of one annotation, fingerprint included.

    Args:
        task: The annotation's task (``id``, ``data``).
        annotation: The annotation (``id``, ``result``, ``completed_by``, ``lead_time``).
        form: The item's ``options`` and ``answer_type``.
        project_id: The project's row id.
        users: Label Studio user id -> e-mail (``unknown`` for others).

    Returns:
        The row ``add_verifications`` stores.

    Raises:
        AnnotationFormatError: The annotation's result is not a verdict.
    """
    parsed = parse_annotation(
        annotation.get("result") or [],
        options=form["options"],
        answer_type=form["answer_type"],
    )
    row = {
        "item_id": task["data"].get("qaforge_item_id"),
        "annotator": users.get(int(annotation.get("completed_by") or 0), "unknown"),
        "verdict": parsed.verdict,
        "corrected_answer": parsed.corrected_answer,
        "reject_reason": parsed.reject_reason,
        "comment": parsed.comment,
        "lead_time_seconds": annotation.get("lead_time"),
        "external_task_id": int(task["id"]),
        "external_annotation_id": int(annotation["id"]),
        "project_id": project_id,
    }
    row["fingerprint"] = fingerprint(row)
    return row


def fingerprint(row: Mapping[str, Any]) -> str:
    """Hash of what a verdict says, to tell an edited annotation from an unchanged one."""
    body = json.dumps({k: row[k] for k in FINGERPRINT_KEYS}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def superseded_annotations(task_rows: Iterable[Mapping[str, Any]]) -> set[int]:
    """Every annotation id the stored task rows mark as made before a content change."""
    return {int(a) for row in task_rows for a in row["superseded_annotation_ids"] or []}


def _add_invalid(
    verdicts: ProjectVerdicts,
    task: Mapping[str, Any],
    annotation_id: int,
    item_id: str | None,
    title: str,
    error: AnnotationFormatError,
) -> None:
    location = f"task {task['id']} annotation {annotation_id}"
    verdicts.invalid += 1
    if len(verdicts.examples) < EXAMPLES_KEPT:
        verdicts.examples.append(f"{title}, {location}: {error}")
    verdicts.quarantine.append(
        QuarantineEntry(
            stage="annotate",
            source=f"Label Studio project {title}",
            location=location,
            reason=str(error),
            record_key=item_id,
        )
    )


def _add_stale(
    verdicts: ProjectVerdicts,
    row: dict[str, Any],
    before: Mapping[str, Any] | None,
    known_stale: Collection[int],
) -> None:
    verdicts.stale += 1
    if before is not None:
        verdicts.stale_ids.append(before["id"])
    elif row["external_annotation_id"] not in known_stale:
        verdicts.stale_rows.append(row)


def _add_current(
    verdicts: ProjectVerdicts, row: dict[str, Any], before: Mapping[str, Any] | None
) -> None:
    if before is not None and before["fingerprint"] == row["fingerprint"]:
        verdicts.unchanged += 1
        return
    if before is not None:
        verdicts.replaced.append(before["id"])
        verdicts.edited += 1
    else:
        verdicts.new += 1
    verdicts.fresh.append(row)


def merge_examples(kept: Sequence[str], more: Sequence[str]) -> list[str]:
    """The first :data:`EXAMPLES_KEPT` examples of two lists, in order."""
    return [*kept, *more][:EXAMPLES_KEPT]
