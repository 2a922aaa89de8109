"""Bringing one project's tasks in step with its plan: what to import, record and update (pure).

Push recognises its own tasks on the server by ``qaforge_item_id`` and a
changed task by ``qaforge_task_sha256``. The store keeps one row per task
(``project_id``, ``item_id``, ``ls_task_id``, ``task_sha256``, ``state``,
``revision``, ``superseded_annotation_ids``); the functions here say how
those rows follow the server and the plan. Talking to the server and
writing the rows is the pipeline's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from qaforge.annotate.tasks import task_sha256


class StoredTaskChanges(BaseModel):
    """How the stored task rows must change to match the server's tasks.

    Attributes:
        lost: Items whose stored task the server no longer has (forget them,
            so they are imported again).
        adopted: Rows to insert for tasks the server has but the store does
            not (a push cut off between import and record).
        moved: Stored rows with the server's task id and hash, for tasks that
            changed on the server.
    """

    lost: list[str] = Field(default_factory=list)
    adopted: list[dict[str, Any]] = Field(default_factory=list)
    moved: list[dict[str, Any]] = Field(default_factory=list)


class TaskUpdate(BaseModel):
    """A task whose data on the server differs from the plan's.

    Attributes:
        item_id: The task's item.
        ls_task_id: The task's id on the server.
        data: The planned data to send.
        revises: The task stays active with other content: the annotations
            made so far judged what it showed before and stop counting.
    """

    item_id: str
    ls_task_id: int
    data: dict[str, Any]
    revises: bool

    @property
    def counted_as(self) -> Literal["updated", "retired"]:
        """How push counts the change: a task marked retired, or any other update."""
        if not self.revises and self.data["qaforge_state"] == "retired":
            return "retired"
        return "updated"


def tasks_by_item(tasks: Iterable[Mapping[str, Any]]) -> tuple[dict[str, dict[str, Any]], int]:
    """qaforge's tasks among a project's tasks, by item id.

    Args:
        tasks: The project's tasks as the server lists them (``id``, ``data``).

    Returns:
        Item id -> its task (the oldest when an item has several, made
        outside qaforge), and how many such duplicates were passed over.
        Tasks without ``qaforge_item_id`` are not qaforge's and are left out.
    """
    found: dict[str, dict[str, Any]] = {}
    duplicates = 0
    for task in tasks:
        item_id = task["data"].get("qaforge_item_id")
        if not item_id:
            continue
        if item_id in found:
            duplicates += 1
            if int(task["id"]) > int(found[item_id]["id"]):
                continue
        found[item_id] = dict(task)
    return found, duplicates


def stored_task_changes(
    stored: Mapping[str, Mapping[str, Any]],
    server: Mapping[str, Mapping[str, Any]],
    *,
    project_id: int,
) -> StoredTaskChanges:
    """What to forget, adopt and move so the stored rows match the server's tasks.

    Args:
        stored: Item id -> the stored task row of the project.
        server: Item id -> qaforge's task on the server (see :func:`tasks_by_item`).
        project_id: The project's row id.

    Returns:
        The lost items, the rows to adopt and the rows that moved.
    """
    changes = StoredTaskChanges(lost=[item_id for item_id in stored if item_id not in server])
    for item_id, task in server.items():
        row = task_row(
            project_id=project_id,
            item_id=item_id,
            ls_task_id=int(task["id"]),
            task_sha256=task["data"].get("qaforge_task_sha256", ""),
            state=task["data"].get("qaforge_state", "active"),
        )
        if item_id not in stored:
            changes.adopted.append(row)
        elif (
            int(stored[item_id]["ls_task_id"]) != row["ls_task_id"]
            or stored[item_id]["task_sha256"] != row["task_sha256"]
        ):
            moved = {k: row[k] for k in ("ls_task_id", "task_sha256")}
            changes.moved.append({**stored[item_id], **moved})
    return changes


def task_row(
    *,
    project_id: int,
    item_id: str,
    ls_task_id: int,
    task_sha256: str,
    state: str,
    revision: int = 0,
    superseded_annotation_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """A stored task row (what ``insert_tasks`` and ``update_task_rows`` take)."""
    return {
        "project_id": project_id,
        "item_id": item_id,
        "ls_task_id": ls_task_id,
        "task_sha256": task_sha256,
        "state": state,
        "revision": revision,
        "superseded_annotation_ids": list(superseded_annotation_ids),
    }


def import_payload(
    batch: Sequence[str],
    tasks: Mapping[str, Mapping[str, Any]],
    predictions: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The body of an import request: each item's task data with its prediction, if any."""
    return [
        {"data": tasks[i], "predictions": [predictions[i]] if i in predictions else []}
        for i in batch
    ]


def imported_task_rows(
    batch: Sequence[str],
    ls_task_ids: Sequence[int],
    tasks: Mapping[str, Mapping[str, Any]],
    *,
    project_id: int,
) -> list[dict[str, Any]]:
    """The rows that record an imported batch (``ls_task_ids`` in the batch's order)."""
    return [
        task_row(
            project_id=project_id,
            item_id=item_id,
            ls_task_id=ls_task_id,
            task_sha256=tasks[item_id]["qaforge_task_sha256"],
            state=tasks[item_id]["qaforge_state"],
        )
        for item_id, ls_task_id in zip(batch, ls_task_ids, strict=True)
    ]


#: The data key holding the content hashes of a task's images, in the order shown.
IMAGE_HASHES_KEY = "qaforge_image_sha256"

#: Keys of a task's data that say where things are, how they are laid out, or hash the
#: rest, not what the item says. ``slices`` is the reading view's grid (the same images
#: as ``images``, reordered and captioned): a new layout must not void a verdict.
_LOCATION_KEYS = frozenset({"images", "slices", "qaforge_task_sha256", IMAGE_HASHES_KEY})


def with_image_hashes(data: Mapping[str, Any], image_sha256s: Sequence[str]) -> dict[str, Any]:
    """A task's data with its images' content hashes added and its own hash redone.

    Args:
        data: The task's data (see ``tasks.task_data``).
        image_sha256s: The sha256 of each image file, in the order of ``data["images"]``.

    Returns:
        A new dict; ``qaforge_task_sha256`` hashes every other key, these included.
    """
    out = {k: v for k, v in data.items() if k != "qaforge_task_sha256"}
    out[IMAGE_HASHES_KEY] = list(image_sha256s)
    out["qaforge_task_sha256"] = task_sha256(out)
    return out


def content_sha256(data: Mapping[str, Any]) -> str:
    """Hash of what a task shows, without where its images are served from.

    Args:
        data: A task's data; its images count by ``qaforge_image_sha256`` when
            it has them, else (tasks pushed before images were hashed) by URL.

    Returns:
        A hex digest that changes with the question, options, answer, evidence
        or image content, and not with the URLs of hashed images.
    """
    body = {k: v for k, v in data.items() if k not in _LOCATION_KEYS}
    body["qaforge_images"] = data.get(IMAGE_HASHES_KEY, data.get("images", []))
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def task_update(
    item_id: str, data: Mapping[str, Any], server_task: Mapping[str, Any]
) -> TaskUpdate | None:
    """The update a task on the server needs to show ``data``, or ``None`` when it shows it already."""
    shown = server_task["data"]
    if shown.get("qaforge_task_sha256") == data["qaforge_task_sha256"]:
        return None
    return TaskUpdate(
        item_id=item_id,
        ls_task_id=int(server_task["id"]),
        data=dict(data),
        # Stale follows content: a task whose images only moved keeps its verdicts.
        # A task shown without image hashes is compared as the plan would be without them.
        revises=data["qaforge_state"] == "active"
        and shown.get("qaforge_state") == "active"
        and content_sha256(shown) != content_sha256(_like(data, shown)),
    )


def _like(data: Mapping[str, Any], shown: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` without image hashes when ``shown`` has none (so URLs are compared instead)."""
    if IMAGE_HASHES_KEY in shown:
        return data
    return {k: v for k, v in data.items() if k != IMAGE_HASHES_KEY}


def updated_task_row(
    update: TaskUpdate,
    stored: Mapping[str, Any],
    *,
    project_id: int,
    annotation_ids: Iterable[int] = (),
) -> dict[str, Any]:
    """The stored row of a task after ``update``.

    Args:
        update: The update sent.
        stored: The task's stored row before it.
        project_id: The project's row id.
        annotation_ids: The task's annotations on the server when the update
            revises it (they are superseded and the revision goes up).

    Returns:
        The row, superseded annotation ids sorted and without repeats.
    """
    superseded = [int(a) for a in stored["superseded_annotation_ids"] or []]
    revision = int(stored["revision"] or 0)
    if update.revises:
        superseded += [int(a) for a in annotation_ids]
        revision += 1
    return task_row(
        project_id=project_id,
        item_id=update.item_id,
        ls_task_id=update.ls_task_id,
        task_sha256=update.data["qaforge_task_sha256"],
        state=update.data["qaforge_state"],
        revision=revision,
        superseded_annotation_ids=sorted(set(superseded)),
    )
