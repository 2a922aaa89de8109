"""Verification in Label Studio: projects, tasks, verdicts and outcomes in the store.

Nothing here deletes a verification: pulled annotations that change or
disappear keep their rows with another ``state`` (see :class:`Verification`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from qaforge.store.models import (
    AnnotationProject,
    AnnotationTask,
    QAItem,
    ReviewOutcome,
    Verification,
    utc_now,
)

CHUNK = 500


def item_ids_by_status(connection: Connection) -> dict[str, str]:
    """Item id -> lifecycle status (active, capped, retired) of every item."""
    return dict(connection.execute(select(QAItem.id, QAItem.status)).all())


def answer_forms(connection: Connection, *, item_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Item id -> its ``options`` and ``answer_type`` (what reading a verdict needs)."""
    ids = sorted(set(item_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        for item_id, options, answer_type in connection.execute(
            select(QAItem.id, QAItem.options, QAItem.answer_type).where(
                QAItem.id.in_(ids[start : start + CHUNK])
            )
        ):
            found[item_id] = {"options": options or {}, "answer_type": answer_type}
    return found


def find_project(
    connection: Connection, *, name: str, purpose: str, answer_type: str
) -> dict[str, Any] | None:
    """The stored project of a name, purpose and answer type, or ``None``."""
    row = connection.execute(
        select(AnnotationProject.__table__).where(
            AnnotationProject.name == name,
            AnnotationProject.purpose == purpose,
            AnnotationProject.answer_type == answer_type,
        )
    ).first()
    return dict(row._mapping) if row else None


def projects_named(connection: Connection, *, name: str) -> list[dict[str, Any]]:
    """Every stored project of a name."""
    return [
        dict(row._mapping)
        for row in connection.execute(
            select(AnnotationProject.__table__)
            .where(AnnotationProject.name == name)
            .order_by(AnnotationProject.id)
        )
    ]


def save_project(connection: Connection, *, values: dict[str, Any]) -> int:
    """Insert or update a project (by name, purpose and answer type); returns its row id."""
    known = find_project(
        connection,
        name=values["name"],
        purpose=values["purpose"],
        answer_type=values["answer_type"],
    )
    if known is None:
        result = connection.execute(insert(AnnotationProject).values(**values))
        return int(result.inserted_primary_key[0])
    connection.execute(
        update(AnnotationProject)
        .where(AnnotationProject.id == known["id"])
        .values(**values, updated_at=utc_now())
    )
    return int(known["id"])


def forget_project_tasks(
    connection: Connection, *, project_id: int, item_ids: Sequence[str] | None = None
) -> None:
    """Drop stored task rows the server no longer has (all of a project's, or some items')."""
    table = AnnotationTask.__table__
    if item_ids is None:
        connection.execute(table.delete().where(AnnotationTask.project_id == project_id))
        return
    ids = list(item_ids)
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            table.delete().where(
                AnnotationTask.project_id == project_id,
                AnnotationTask.item_id.in_(ids[start : start + CHUNK]),
            )
        )


def project_tasks(connection: Connection, *, project_id: int) -> dict[str, dict[str, Any]]:
    """Item id -> stored task row of a project."""
    return {
        row.item_id: dict(row._mapping)
        for row in connection.execute(
            select(AnnotationTask.__table__).where(AnnotationTask.project_id == project_id)
        )
    }


def insert_tasks(connection: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Record new tasks (project_id, item_id, ls_task_id, task_sha256, state)."""
    if rows:
        connection.execute(insert(AnnotationTask), list(rows))


def update_task_rows(connection: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Update stored tasks: ls_task_id, hash, state, revision and superseded annotations."""
    if not rows:
        return
    connection.execute(
        update(AnnotationTask)
        .where(
            AnnotationTask.project_id == bindparam("p_project_id"),
            AnnotationTask.item_id == bindparam("p_item_id"),
        )
        .values(
            ls_task_id=bindparam("ls_task_id"),
            task_sha256=bindparam("task_sha256"),
            state=bindparam("state"),
            revision=bindparam("revision"),
            superseded_annotation_ids=bindparam("superseded_annotation_ids"),
            updated_at=utc_now(),
        ),
        [
            {
                "p_project_id": row["project_id"],
                "p_item_id": row["item_id"],
                "ls_task_id": row["ls_task_id"],
                "task_sha256": row["task_sha256"],
                "state": row["state"],
                "revision": row["revision"],
                "superseded_annotation_ids": row["superseded_annotation_ids"],
            }
            for row in rows
        ],
    )


def current_verifications(connection: Connection, *, project_id: int) -> dict[int, dict[str, Any]]:
    """Annotation id -> the ``current`` verification row pulled from a project."""
    return {
        int(row.external_annotation_id): dict(row._mapping)
        for row in connection.execute(
            select(Verification.__table__).where(
                Verification.project_id == project_id,
                Verification.state == "current",
                Verification.external_annotation_id.is_not(None),
            )
        )
    }


def stale_annotation_ids(connection: Connection, *, project_id: int) -> set[int]:
    """Annotation ids of a project already stored as ``stale``."""
    return {
        int(a)
        for a in connection.execute(
            select(Verification.external_annotation_id).where(
                Verification.project_id == project_id, Verification.state == "stale"
            )
        ).scalars()
    }


def add_verifications(
    connection: Connection, *, rows: Sequence[dict[str, Any]], state: str = "current"
) -> None:
    """Store pulled verdicts (as ``current`` rows unless told otherwise)."""
    if rows:
        connection.execute(
            insert(Verification),
            [{**row, "state": state, "is_latest": state == "current"} for row in rows],
        )


def set_verification_state(connection: Connection, *, ids: Sequence[int], state: str) -> None:
    """Move verification rows out of ``current`` (edited, deleted or stale); they stay stored."""
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            update(Verification)
            .where(Verification.id.in_(ids[start : start + CHUNK]))
            .values(state=state, is_latest=False, updated_at=utc_now())
        )


def current_verdicts(connection: Connection) -> list[dict[str, Any]]:
    """Every current pulled verdict with its item and project purpose, oldest first."""
    return [
        dict(row._mapping)
        for row in connection.execute(
            select(
                Verification.id,
                Verification.item_id,
                Verification.annotator,
                Verification.verdict,
                Verification.corrected_answer,
                Verification.external_task_id,
                Verification.external_annotation_id,
                AnnotationProject.purpose,
                AnnotationProject.adjudicator,
                AnnotationProject.reads_required,
                QAItem.subtask_id,
                QAItem.answer,
            )
            .join(AnnotationProject, AnnotationProject.id == Verification.project_id)
            .join(QAItem, QAItem.id == Verification.item_id)
            .where(Verification.state == "current")
            .order_by(Verification.id)
        )
    ]


def stored_outcomes(connection: Connection) -> dict[str, dict[str, Any]]:
    """Item id -> its review outcome row."""
    return {
        row.item_id: dict(row._mapping)
        for row in connection.execute(select(ReviewOutcome.__table__))
    }


def save_outcomes(
    connection: Connection, *, rows: Sequence[dict[str, Any]], stored_ids: set[str]
) -> None:
    """Insert or replace review outcomes (item_id, status, answer, decided_by, provenance).

    ``stored_ids`` are the items that have an outcome row already (updated, not inserted).
    """
    if not rows:
        return
    fresh = [row for row in rows if row["item_id"] not in stored_ids]
    changed = [row for row in rows if row["item_id"] in stored_ids]
    if fresh:
        connection.execute(insert(ReviewOutcome), fresh)
    if changed:
        connection.execute(
            update(ReviewOutcome)
            .where(ReviewOutcome.item_id == bindparam("p_item_id"))
            .values(
                status=bindparam("status"),
                answer=bindparam("answer"),
                decided_by=bindparam("decided_by"),
                provenance=bindparam("provenance"),
                updated_at=utc_now(),
            ),
            [{**row, "p_item_id": row["item_id"]} for row in changed],
        )


def outcome_counts(connection: Connection) -> dict[str, int]:
    """Review outcomes of active items by status (``pending`` includes items with none)."""
    counts = dict(
        connection.execute(
            select(ReviewOutcome.status, func.count())
            .join(QAItem, QAItem.id == ReviewOutcome.item_id)
            .where(QAItem.status == "active")
            .group_by(ReviewOutcome.status)
        ).all()
    )
    active = connection.execute(
        select(func.count()).select_from(QAItem).where(QAItem.status == "active")
    ).scalar_one()
    counts["pending"] = counts.get("pending", 0) + active - sum(counts.values())
    return {str(k): int(v) for k, v in counts.items()}


def task_counts(connection: Connection, *, name: str) -> list[tuple[str, str, str, int]]:
    """(purpose, answer type, task state, count) of a project name's tasks."""
    return [
        (str(purpose), str(answer_type), str(state), int(count))
        for purpose, answer_type, state, count in connection.execute(
            select(
                AnnotationProject.purpose,
                AnnotationProject.answer_type,
                AnnotationTask.state,
                func.count(),
            )
            .join(AnnotationTask, AnnotationTask.project_id == AnnotationProject.id)
            .where(AnnotationProject.name == name)
            .group_by(
                AnnotationProject.purpose, AnnotationProject.answer_type, AnnotationTask.state
            )
            .order_by(
                AnnotationProject.purpose, AnnotationProject.answer_type, AnnotationTask.state
            )
        )
    ]
