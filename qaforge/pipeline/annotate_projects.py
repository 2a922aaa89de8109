"""One Label Studio project brought in step with its plan: the project, its storages, its tasks.

What a project should hold is decided in :mod:`qaforge.annotate.plan` and
how its task rows follow the server in :mod:`qaforge.annotate.task_sync`;
this module talks to the server and records every step in the store as it
goes, so a push cut off anywhere resumes on the next run: before importing,
it lists the project's tasks and recognises its own, so an item never gets
a second task, and each imported batch is recorded before the next is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.config import config_sha256, labeling_config
from qaforge.annotate.plan import ProjectPlan, project_description
from qaforge.annotate.task_sync import (
    import_payload,
    imported_task_rows,
    stored_task_changes,
    task_update,
    tasks_by_item,
    updated_task_row,
)
from qaforge.annotate.tasks import purpose_title
from qaforge.domain.annotation import Purpose
from qaforge.pipeline.run import Progress
from qaforge.store.annotation import (
    find_project,
    forget_project_tasks,
    insert_tasks,
    project_tasks,
    save_project,
    update_task_rows,
)
from qaforge.store.engine import Engine

AfterBatch = Callable[[int], None]


class ProjectPush(BaseModel):
    """What push did in one Label Studio project."""

    title: str
    ls_project_id: int
    created: bool = False
    imported: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    duplicates: int = 0


class PushTarget(BaseModel):
    """Where and how push writes: the same for every project of one push.

    Attributes:
        name: The projects' name prefix.
        media_root: The server's local-files document root (resolved).
        storage_paths: The images folders tasks show files from.
        adjudicator: The e-mail of the annotator whose verdict settles a disagreement.
        batch_size: Tasks per import request (and per recorded batch of updates).
        after_batch: Called with the number of tasks imported so far after
            each recorded batch of a review project.
    """

    name: str
    media_root: Path
    storage_paths: list[str]
    adjudicator: str | None
    batch_size: int
    after_batch: AfterBatch | None = None


def sync_project(
    engine: Engine,
    client: LabelStudioClient,
    plan: ProjectPlan,
    *,
    target: PushTarget,
    progress: Progress,
) -> ProjectPush:
    """Bring one project's tasks in line with its plan.

    Args:
        engine: The store.
        client: A client of the Label Studio server.
        plan: The tasks the project should hold.
        target: The push's name, media root, storages, batch size and
            after-batch callback (called for review projects only).
        progress: Where to report progress (per task).

    Returns:
        The project's counts: tasks imported, updated, retired, unchanged.
    """
    project_id, ls_project_id, created = _ensure_project(engine, client, plan, target=target)
    result = ProjectPush(
        title=purpose_title(target.name, plan.purpose, plan.answer_type),
        ls_project_id=ls_project_id,
        created=created,
    )
    progress.start(f"Pushing {result.title}", len(plan.tasks) or None)
    server, result.duplicates = tasks_by_item(
        client.iter_tasks(ls_project_id, with_annotations=False)
    )
    with engine.begin() as connection:
        stored = _adopt_server_tasks(connection, project_id, server)
    new = [item_id for item_id in plan.tasks if item_id not in server]
    result.imported = _import_tasks(
        engine,
        client,
        plan,
        new,
        project_id=project_id,
        ls_project_id=ls_project_id,
        batch_size=target.batch_size,
        progress=progress,
        after_batch=target.after_batch if plan.purpose == "review" else None,
    )
    _update_tasks(
        engine,
        client,
        plan,
        server,
        stored,
        project_id=project_id,
        batch_size=target.batch_size,
        progress=progress,
        result=result,
    )
    return result


def _adopt_server_tasks(
    connection: Any, project_id: int, server: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Make the stored task rows match the server's tasks; returns them by item id."""
    changes = stored_task_changes(
        project_tasks(connection, project_id=project_id), server, project_id=project_id
    )
    if changes.lost:
        forget_project_tasks(connection, project_id=project_id, item_ids=changes.lost)
    insert_tasks(connection, rows=changes.adopted)
    update_task_rows(connection, rows=changes.moved)
    return project_tasks(connection, project_id=project_id)


def _import_tasks(
    engine: Engine,
    client: LabelStudioClient,
    plan: ProjectPlan,
    new: Sequence[str],
    *,
    project_id: int,
    ls_project_id: int,
    batch_size: int,
    progress: Progress,
    after_batch: AfterBatch | None,
) -> int:
    """Import the tasks of items the server has none for, recording each batch; returns how many."""
    done = 0
    for start in range(0, len(new), batch_size):
        batch = new[start : start + batch_size]
        ids = client.import_tasks(
            ls_project_id, import_payload(batch, plan.tasks, plan.predictions)
        )
        if len(ids) != len(batch):
            ids = _find_task_ids(client, ls_project_id, batch)
        with engine.begin() as connection:
            insert_tasks(
                connection,
                rows=imported_task_rows(batch, ids, plan.tasks, project_id=project_id),
            )
        done += len(batch)
        progress.advance(len(batch))
        if after_batch is not None:
            after_batch(done)
    return done


def _find_task_ids(
    client: LabelStudioClient, ls_project_id: int, batch: Sequence[str]
) -> list[int]:
    """Task ids of just-imported items, by listing (when the import did not return them)."""
    found, _ = tasks_by_item(client.iter_tasks(ls_project_id, with_annotations=False))
    return [int(found[item_id]["id"]) for item_id in batch]


def _update_tasks(
    engine: Engine,
    client: LabelStudioClient,
    plan: ProjectPlan,
    server: Mapping[str, Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
    *,
    project_id: int,
    batch_size: int,
    progress: Progress,
    result: ProjectPush,
) -> None:
    """Send the planned data of tasks that show something else; counts go into ``result``."""
    changed_rows: list[dict[str, Any]] = []
    for item_id, data in plan.tasks.items():
        if item_id not in server:
            continue
        update = task_update(item_id, data, server[item_id])
        if update is None:
            result.unchanged += 1
            progress.advance()
            continue
        annotation_ids: list[int] = []
        if update.revises:
            # The radiologist saw other content: earlier verdicts no longer count.
            annotation_ids = [int(a["id"]) for a in client.task_annotations(update.ls_task_id)]
        if update.counted_as == "retired":
            result.retired += 1
        else:
            result.updated += 1
        client.update_task(update.ls_task_id, update.data)
        changed_rows.append(
            updated_task_row(
                update, stored[item_id], project_id=project_id, annotation_ids=annotation_ids
            )
        )
        progress.advance()
        if len(changed_rows) >= batch_size:
            with engine.begin() as connection:
                update_task_rows(connection, rows=changed_rows)
            changed_rows = []
    with engine.begin() as connection:
        update_task_rows(connection, rows=changed_rows)


def _ensure_project(
    engine: Engine, client: LabelStudioClient, plan: ProjectPlan, *, target: PushTarget
) -> tuple[int, int, bool]:
    """The project's row id and Label Studio id, creating or updating it; and whether it was created."""
    purpose, answer_type = plan.purpose, plan.answer_type
    title = purpose_title(target.name, purpose, answer_type)
    config = labeling_config(answer_type, purpose)  # type: ignore[arg-type]
    with engine.connect() as connection:
        known = find_project(connection, name=target.name, purpose=purpose, answer_type=answer_type)
    remote, created = _remote_project(
        client,
        known,
        title=title,
        config=config,
        overlap=plan.overlap,
        purpose=purpose,
        answer_type=answer_type,
    )
    ls_project_id = int(remote["id"])
    storage_ids = ensure_storages(client, ls_project_id, target.storage_paths)
    with engine.begin() as connection:
        if known is not None and int(known["ls_project_id"]) != ls_project_id:
            forget_project_tasks(connection, project_id=int(known["id"]))
        project_id = save_project(
            connection,
            values={
                "name": target.name,
                "purpose": purpose,
                "answer_type": answer_type,
                "base_url": client.url,
                "ls_project_id": ls_project_id,
                "title": title,
                "config_sha256": config_sha256(config),
                "storage_id": max(storage_ids, default=None),
                "media_root": str(target.media_root),
                "adjudicator": target.adjudicator or (known or {}).get("adjudicator"),
                "reads_required": plan.overlap,
            },
        )
    return project_id, ls_project_id, created


def _remote_project(
    client: LabelStudioClient,
    known: Mapping[str, Any] | None,
    *,
    title: str,
    config: str,
    overlap: int,
    purpose: Purpose,
    answer_type: str,
) -> tuple[dict[str, Any], bool]:
    """The server's project of a title (the recorded one, else one by title, else a new one).

    Returns:
        The project, and whether it was created; an existing project gets
        the current labeling config when the recorded one differs, and the
        overlap asked for now when its own differs.
    """
    remote = client.project(int(known["ls_project_id"])) if known else None
    if remote is not None and remote.get("title") != title:
        remote = None
    if remote is None:
        # Created by a push that was cut off before it was recorded, or never.
        remote = next((p for p in client.projects() if p.get("title") == title), None)
    if remote is None:
        created = client.create_project(
            title=title,
            label_config=config,
            overlap=overlap,
            description=project_description(purpose, answer_type),
        )
        return created, True
    changes: dict[str, Any] = {}
    if known is None or known["config_sha256"] != config_sha256(config):
        changes["label_config"] = config
    if remote.get("maximum_annotations") != overlap:
        changes["maximum_annotations"] = overlap
    if changes:
        client.update_project(int(remote["id"]), **changes)
    return remote, False


def ensure_storages(
    client: LabelStudioClient, ls_project_id: int, storage_paths: Sequence[str]
) -> list[int]:
    """Ids of the project's local-files storages, one made for each images folder it lacks."""
    storages = client.local_storages(ls_project_id)
    known_paths = {s.get("path") for s in storages}
    storage_ids = [int(s["id"]) for s in storages]
    for path in storage_paths:
        if path not in known_paths:
            made = client.create_local_storage(
                project_id=ls_project_id, path=path, title=f"qaforge images {Path(path).name}"
            )
            storage_ids.append(int(made["id"]))
    return storage_ids
