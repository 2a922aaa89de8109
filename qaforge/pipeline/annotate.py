"""Verification in Label Studio: push items as tasks, pull verdicts, report agreement.

``push`` keeps one Label Studio project per answer type (and, for items
the annotators disagree on, one adjudication project per answer type) in
step with the store. It is idempotent and safe to re-run after a crash or
a server restart: before importing anything it lists the project's tasks
and recognises its own by ``qaforge_item_id``, so an item never gets a
second task; each imported batch is recorded before the next is sent.

``pull`` reads every annotation of those projects, stores one verdict per
annotator (edits and deletions keep the older rows, the latest wins), and
derives each item's review outcome (see :mod:`qaforge.annotate.outcome`).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from qaforge.annotate.agreement import AgreementReport, Rating, agreement_report
from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.config import config_sha256, labeling_config
from qaforge.annotate.outcome import decide
from qaforge.annotate.tasks import (
    MAX_NAME,
    AnnotationFormatError,
    evidence_texts,
    parse_annotation,
    prediction,
    purpose_title,
    queue_order,
    task_data,
    withdrawn_task_data,
)
from qaforge.checks.phi import scan_phi
from qaforge.domain.annotation import Evidence, Purpose, Rated, ReviewItem
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import ConfigError
from qaforge.pipeline.run import NoProgress, Progress
from qaforge.store.annotation import (
    add_verifications,
    answer_forms,
    current_verdicts,
    current_verifications,
    find_project,
    forget_project_tasks,
    insert_tasks,
    item_ids_by_status,
    outcome_counts,
    project_tasks,
    projects_named,
    review_rows,
    save_outcomes,
    save_project,
    set_verification_state,
    stale_annotation_ids,
    stored_outcomes,
    task_counts,
    update_task_rows,
)
from qaforge.store.checks import blocking_item_ids
from qaforge.store.engine import Engine
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.schema import require_current_schema

BATCH_SIZE = 200
DEFAULT_PROJECT = "qaforge"
ANSWER_TYPES = ("single_choice", "multiple_choice", "open_text")


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

    @property
    def imported(self) -> int:
        """Tasks created in this push."""
        return sum(p.imported for p in self.projects)

    @property
    def updated(self) -> int:
        """Tasks whose data changed in this push (retirements included)."""
        return sum(p.updated + p.retired for p in self.projects)


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


class AnnotationStatus(BaseModel):
    """What `annotate status` prints: tasks, outcomes and agreement."""

    tasks: list[tuple[str, str, str, int]]
    outcomes: dict[str, int]
    agreement: AgreementReport
    annotators: dict[str, int]


AfterBatch = Callable[[int], None]


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
    if not 0 < len(name) <= MAX_NAME:
        raise ConfigError(
            "E905",
            f"project name {name!r} must have 1 to {MAX_NAME} characters",
            "Label Studio limits project titles to 50 characters",
        )
    require_current_schema(engine)
    progress = progress or NoProgress()
    media_root = media_root.resolve()
    summary = PushSummary()
    with engine.connect() as connection:
        statuses = item_ids_by_status(connection)
        blocked = blocking_item_ids(connection)
        known_tasks = {
            (p["purpose"], p["answer_type"]): project_tasks(connection, project_id=p["id"])
            for p in projects_named(connection, name=name)
        }
        outcomes = stored_outcomes(connection)
        with_task = {item for tasks in known_tasks.values() for item in tasks}
        active = [i for i, status in statuses.items() if status == "active"]
        rows = review_rows(
            connection,
            item_ids=sorted(set(active) | with_task),
            protocol=protocol,
            budget=budget,
        )
    storage_paths = _storage_paths(rows, media_root)
    items: dict[str, ReviewItem] = {}
    withdrawn: dict[str, str] = {}
    entries: list[QuarantineEntry] = []
    for row in rows:
        item = _review_item(row, media_root)
        items[item.item_id] = item
        if row["status"] != "active":
            continue
        if item.item_id in blocked:
            summary.blocked_flags += 1
            withdrawn[item.item_id] = "blocked by a check (qaforge check)"
        elif hits := _phi_kinds(item):
            summary.blocked_phi += 1
            withdrawn[item.item_id] = "blocked by the PHI scan"
            entries.append(
                QuarantineEntry(
                    stage="annotate",
                    source=f"item {item.item_id}",
                    location=f"study {item.study_id}",
                    reason=f"not sent to Label Studio: the PHI scan found {', '.join(hits)}",
                    record_key=item.item_id,
                )
            )
        elif not item.image_paths:
            summary.no_images += 1
            withdrawn[item.item_id] = f"no image in the {protocol}/{budget} selection"
    if entries:
        with engine.begin() as connection:
            add_quarantine_entries(connection, entries=entries)
    if active and summary.no_images == len(active):
        raise ConfigError(
            "E907",
            f"no active item has images in the {protocol}/{budget} selection",
            f"run `qaforge select --protocol {protocol} --budget {budget}` first, "
            "or push with the --protocol and --budget you selected",
        )
    client.whoami()  # fail on a wrong token or URL before any write
    sync = functools.partial(
        _sync_project,
        engine,
        client,
        name=name,
        media_root=media_root,
        storage_paths=storage_paths,
        adjudicator=adjudicator,
        batch_size=batch_size,
        progress=progress,
    )
    for answer_type in ANSWER_TYPES:
        wanted: dict[str, dict[str, Any]] = {}
        for item in queue_order([i for i in items.values() if i.answer_type == answer_type]):
            status = statuses.get(item.item_id)
            has_task = item.item_id in known_tasks.get(("review", answer_type), {})
            if status == "active" and item.item_id not in withdrawn:
                wanted[item.item_id] = task_data(item)
            elif item.item_id in withdrawn and has_task:
                wanted[item.item_id] = withdrawn_task_data(item.item_id, withdrawn[item.item_id])
            elif has_task:
                wanted[item.item_id] = task_data(item, retired=True)
        # A withdrawn item's text (its proposed answer included) is never sent.
        predictions = {i: prediction(items[i]) for i in wanted if i not in withdrawn}
        if not wanted and ("review", answer_type) not in known_tasks:
            continue
        result = sync(
            purpose="review",
            answer_type=answer_type,
            overlap=overlap,
            wanted=wanted,
            predictions=predictions,
            after_batch=after_batch,
        )
        summary.projects.append(result)
    disputed = [
        items[item_id]
        for item_id, outcome in outcomes.items()
        if outcome["status"] == "needs_adjudication"
        and item_id in items
        and statuses.get(item_id) == "active"
        and item_id not in withdrawn
    ]
    for answer_type in ANSWER_TYPES:
        queue = [item for item in disputed if item.answer_type == answer_type]
        if not queue and ("adjudication", answer_type) not in known_tasks:
            continue
        wanted = {
            item.item_id: task_data(
                item, prior_verdicts_html=_prior_verdicts(outcomes[item.item_id])
            )
            for item in queue_order(queue)
        }
        for item_id in known_tasks.get(("adjudication", answer_type), {}):
            # A settled adjudication task stays as it is; one whose item left is marked.
            if item_id in withdrawn:
                wanted[item_id] = withdrawn_task_data(item_id, withdrawn[item_id])
            elif item_id in items and statuses.get(item_id) != "active":
                wanted[item_id] = task_data(items[item_id], retired=True)
        result = sync(
            purpose="adjudication",
            answer_type=answer_type,
            overlap=1,
            wanted=wanted,
            predictions={i: prediction(items[i]) for i in wanted if i not in withdrawn},
            after_batch=None,
        )
        summary.queued_for_adjudication += result.imported
        summary.projects.append(result)
    return summary


def _sync_project(
    engine: Engine,
    client: LabelStudioClient,
    *,
    name: str,
    purpose: Purpose,
    answer_type: str,
    media_root: Path,
    storage_paths: Sequence[str],
    overlap: int,
    adjudicator: str | None,
    wanted: dict[str, dict[str, Any]],
    predictions: dict[str, dict[str, Any]],
    batch_size: int,
    progress: Progress,
    after_batch: AfterBatch | None,
) -> ProjectPush:
    """Bring one project's tasks in line with ``wanted`` (item id -> task data)."""
    project_id, ls_project_id, created = _ensure_project(
        engine,
        client,
        name=name,
        purpose=purpose,
        answer_type=answer_type,
        media_root=media_root,
        storage_paths=storage_paths,
        overlap=overlap,
        adjudicator=adjudicator,
    )
    result = ProjectPush(
        title=purpose_title(name, purpose, answer_type),
        ls_project_id=ls_project_id,
        created=created,
    )
    progress.start(f"Pushing {result.title}", len(wanted) or None)
    server: dict[str, dict[str, Any]] = {}
    for task in client.iter_tasks(ls_project_id, with_annotations=False):
        item_id = task["data"].get("qaforge_item_id")
        if not item_id:
            continue
        if item_id in server:
            # Two tasks for one item (made outside qaforge): keep the oldest.
            result.duplicates += 1
            if int(task["id"]) > int(server[item_id]["id"]):
                continue
        server[item_id] = task
    with engine.begin() as connection:
        stored = _adopt_server_tasks(connection, project_id, server)
    new = [item_id for item_id in wanted if item_id not in server]
    done = 0
    for start in range(0, len(new), batch_size):
        batch = new[start : start + batch_size]
        ids = client.import_tasks(
            ls_project_id,
            [
                {"data": wanted[i], "predictions": [predictions[i]] if i in predictions else []}
                for i in batch
            ],
        )
        if len(ids) != len(batch):
            ids = _find_task_ids(client, ls_project_id, batch)
        with engine.begin() as connection:
            insert_tasks(
                connection,
                rows=[
                    {
                        "project_id": project_id,
                        "item_id": item_id,
                        "ls_task_id": task_id,
                        "task_sha256": wanted[item_id]["qaforge_task_sha256"],
                        "state": wanted[item_id]["qaforge_state"],
                        "revision": 0,
                        "superseded_annotation_ids": [],
                    }
                    for item_id, task_id in zip(batch, ids, strict=True)
                ],
            )
        done += len(batch)
        result.imported += len(batch)
        progress.advance(len(batch))
        if after_batch is not None:
            after_batch(done)
    changed_rows = []
    for item_id, data in wanted.items():
        if item_id not in server:
            continue
        row = stored[item_id]
        if server[item_id]["data"].get("qaforge_task_sha256") == data["qaforge_task_sha256"]:
            result.unchanged += 1
            progress.advance()
            continue
        task_id = int(server[item_id]["id"])
        superseded = list(row["superseded_annotation_ids"] or [])
        revision = int(row["revision"] or 0)
        if (
            data["qaforge_state"] == "active"
            and server[item_id]["data"].get("qaforge_state") == "active"
        ):
            # The radiologist saw other content: earlier verdicts no longer count.
            superseded += [int(a["id"]) for a in client.task_annotations(task_id)]
            revision += 1
            result.updated += 1
        else:
            result.retired += data["qaforge_state"] == "retired"
            result.updated += data["qaforge_state"] != "retired"
        client.update_task(task_id, data)
        changed_rows.append(
            {
                "project_id": project_id,
                "item_id": item_id,
                "ls_task_id": task_id,
                "task_sha256": data["qaforge_task_sha256"],
                "state": data["qaforge_state"],
                "revision": revision,
                "superseded_annotation_ids": sorted(set(superseded)),
            }
        )
        progress.advance()
        if len(changed_rows) >= batch_size:
            with engine.begin() as connection:
                update_task_rows(connection, rows=changed_rows)
            changed_rows = []
    with engine.begin() as connection:
        update_task_rows(connection, rows=changed_rows)
    return result


def _adopt_server_tasks(
    connection: Any, project_id: int, server: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Make the stored task rows match the server's tasks; returns them by item id.

    A task the server has but the store does not (a push cut off between
    import and record) is adopted; a stored task the server lost is forgotten,
    so it is imported again.
    """
    stored = project_tasks(connection, project_id=project_id)
    lost = [item_id for item_id in stored if item_id not in server]
    if lost:
        forget_project_tasks(connection, project_id=project_id, item_ids=lost)
    adopted, moved = [], []
    for item_id, task in server.items():
        row = {
            "project_id": project_id,
            "item_id": item_id,
            "ls_task_id": int(task["id"]),
            "task_sha256": task["data"].get("qaforge_task_sha256", ""),
            "state": task["data"].get("qaforge_state", "active"),
            "revision": 0,
            "superseded_annotation_ids": [],
        }
        if item_id not in stored:
            adopted.append(row)
        elif (
            int(stored[item_id]["ls_task_id"]) != int(task["id"])
            or stored[item_id]["task_sha256"] != row["task_sha256"]
        ):
            moved.append({**stored[item_id], **{k: row[k] for k in ("ls_task_id", "task_sha256")}})
    insert_tasks(connection, rows=adopted)
    update_task_rows(connection, rows=moved)
    return project_tasks(connection, project_id=project_id)


def _find_task_ids(
    client: LabelStudioClient, ls_project_id: int, batch: Sequence[str]
) -> list[int]:
    """Task ids of just-imported items, by listing (when the import did not return them)."""
    wanted = set(batch)
    found: dict[str, int] = {}
    for task in client.iter_tasks(ls_project_id, with_annotations=False):
        item_id = task["data"].get("qaforge_item_id")
        if item_id in wanted:
            found[item_id] = min(found.get(item_id, int(task["id"])), int(task["id"]))
    return [found[item_id] for item_id in batch]


def _ensure_project(
    engine: Engine,
    client: LabelStudioClient,
    *,
    name: str,
    purpose: Purpose,
    answer_type: str,
    media_root: Path,
    storage_paths: Sequence[str],
    overlap: int,
    adjudicator: str | None,
) -> tuple[int, int, bool]:
    """The project's row id and Label Studio id, creating or updating it; and whether it was created."""
    title = purpose_title(name, purpose, answer_type)
    config = labeling_config(answer_type, purpose)  # type: ignore[arg-type]
    with engine.connect() as connection:
        known = find_project(connection, name=name, purpose=purpose, answer_type=answer_type)
    remote = client.project(int(known["ls_project_id"])) if known else None
    if remote is not None and remote.get("title") != title:
        remote = None
    if remote is None:
        # Created by a push that was cut off before it was recorded, or never.
        remote = next((p for p in client.projects() if p.get("title") == title), None)
    created = remote is None
    if remote is None:
        remote = client.create_project(
            title=title,
            label_config=config,
            overlap=overlap,
            description=f"qaforge {purpose} of {answer_type.replace('_', ' ')} items",
        )
    elif known is None or known["config_sha256"] != config_sha256(config):
        client.update_project(int(remote["id"]), label_config=config)
    ls_project_id = int(remote["id"])
    storages = client.local_storages(ls_project_id)
    known_paths = {s.get("path") for s in storages}
    storage_ids = [int(s["id"]) for s in storages]
    for path in storage_paths:
        if path not in known_paths:
            made = client.create_local_storage(
                project_id=ls_project_id, path=path, title=f"qaforge images {Path(path).name}"
            )
            storage_ids.append(int(made["id"]))
    with engine.begin() as connection:
        if known is not None and int(known["ls_project_id"]) != ls_project_id:
            forget_project_tasks(connection, project_id=int(known["id"]))
        project_id = save_project(
            connection,
            values={
                "name": name,
                "purpose": purpose,
                "answer_type": answer_type,
                "base_url": client.url,
                "ls_project_id": ls_project_id,
                "title": title,
                "config_sha256": config_sha256(config),
                "storage_id": max(storage_ids, default=None),
                "media_root": str(media_root),
                "adjudicator": adjudicator if adjudicator else (known or {}).get("adjudicator"),
            },
        )
    return project_id, ls_project_id, created


@functools.cache
def _resolved(folder: str) -> Path:
    """An images folder as an absolute path without links (resolved once per folder)."""
    return Path(folder).resolve()


def _storage_paths(rows: Sequence[dict[str, Any]], media_root: Path) -> list[str]:
    """The images folders tasks show files from: each becomes a local-files storage.

    Label Studio serves a file only under a storage's folder, which must be
    inside its document root and not the root itself.
    """
    roots = sorted({str(_resolved(root)) for row in rows for root, _ in row["images"]})
    for root in roots:
        if Path(root) == media_root:
            raise ConfigError(
                "E901",
                f"the images folder {root} is the media root itself",
                "select images into a subfolder of the media root (Label Studio serves "
                "local files only from folders below its document root)",
            )
    return roots


def _review_item(row: dict[str, Any], media_root: Path) -> ReviewItem:
    """A store row (see ``review_rows``) as a review item with media-root-relative image paths."""
    paths = []
    for root, path in row["images"]:
        absolute = _resolved(root) / path
        try:
            paths.append(absolute.relative_to(media_root).as_posix())
        except ValueError:
            raise ConfigError(
                "E901",
                f"image {absolute} is not under the media root {media_root}",
                "pass --media-root with the folder the server serves local files from "
                "(LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT), or select images into a folder under it",
            ) from None
    template = row["provenance"].get("template", {})
    run = str(row["provenance"].get("extraction_run", ""))[:12]
    return ReviewItem(
        item_id=row["id"],
        study_id=row["study_id"],
        subtask_id=row["subtask_id"],
        tier=row["tier"],
        sequence=row["sequence"],
        answer_type=row["answer_type"],
        question=row["question"],
        options=row["options"] or {},
        answer=row["answer"],
        model_version=f"{template.get('id', row['template_id'])}@v{template.get('version', row['template_version'])}/run-{run}",
        evidence=tuple(Evidence(report_text=t, start=s, end=e) for t, s, e in row["evidence"]),
        image_paths=tuple(paths),
        conflict=bool(row["conflict"]),
    )


def _phi_kinds(item: ReviewItem) -> list[str]:
    """Kinds of PHI the scan finds in anything the item's task would show."""
    texts = [item.question, *item.options.values(), str(item.answer), *evidence_texts(item)]
    return sorted({hit.kind for text in texts for hit in scan_phi(text)})


def _prior_verdicts(outcome: dict[str, Any]) -> str:
    """The disagreeing verdicts of an item, as HTML for the adjudicator."""
    lines = [
        f"<li><b>{html.escape(v['annotator'])}</b>: {html.escape(v['label'])}</li>"
        for v in outcome["provenance"].get("verdicts", [])
    ]
    return "<ul>" + "".join(lines) + "</ul>"


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
    require_current_schema(engine)
    progress = progress or NoProgress()
    summary = PullSummary()
    with engine.connect() as connection:
        projects = projects_named(connection, name=name)
    if not projects:
        raise ConfigError(
            "E902",
            f"no Label Studio project named {name!r} has been pushed from this store",
            "run `qaforge annotate push` first (with the same --project)",
        )
    users = client.users()
    entries: list[QuarantineEntry] = []
    for project in projects:
        tasks = list(client.iter_tasks(int(project["ls_project_id"]), with_annotations=True))
        progress.start(f"Pulling {project['title']}", len(tasks) or None)
        with engine.connect() as connection:
            stored_tasks = project_tasks(connection, project_id=project["id"])
            known = current_verifications(connection, project_id=project["id"])
            known_stale = stale_annotation_ids(connection, project_id=project["id"])
            details = answer_forms(
                connection, item_ids=[t["data"].get("qaforge_item_id", "") for t in tasks]
            )
        superseded = {
            int(a) for row in stored_tasks.values() for a in row["superseded_annotation_ids"] or []
        }
        fresh: list[dict[str, Any]] = []
        replaced: list[int] = []
        stale_ids: list[int] = []
        stale_rows: list[dict[str, Any]] = []
        seen: set[int] = set()
        for task in tasks:
            item_id = task["data"].get("qaforge_item_id")
            item = details.get(item_id)
            for annotation in task.get("annotations") or []:
                summary.annotations += 1
                annotation_id = int(annotation["id"])
                seen.add(annotation_id)
                if annotation.get("was_cancelled"):
                    summary.skipped += 1
                    continue
                location = f"task {task['id']} annotation {annotation_id}"
                if item is None:
                    continue
                try:
                    parsed = parse_annotation(
                        annotation.get("result") or [],
                        options=item["options"],
                        answer_type=item["answer_type"],
                    )
                except AnnotationFormatError as error:
                    summary.invalid += 1
                    if len(summary.examples) < 5:
                        summary.examples.append(f"{project['title']}, {location}: {error}")
                    entries.append(
                        QuarantineEntry(
                            stage="annotate",
                            source=f"Label Studio project {project['title']}",
                            location=location,
                            reason=str(error),
                            record_key=item_id,
                        )
                    )
                    continue
                annotator = users.get(int(annotation.get("completed_by") or 0), "unknown")
                row = {
                    "item_id": item_id,
                    "annotator": annotator,
                    "verdict": parsed.verdict,
                    "corrected_answer": parsed.corrected_answer,
                    "reject_reason": parsed.reject_reason,
                    "comment": parsed.comment,
                    "lead_time_seconds": annotation.get("lead_time"),
                    "external_task_id": int(task["id"]),
                    "external_annotation_id": annotation_id,
                    "project_id": project["id"],
                }
                row["fingerprint"] = _fingerprint(row)
                before = known.get(annotation_id)
                if annotation_id in superseded:
                    summary.stale += 1
                    if before is not None:
                        stale_ids.append(before["id"])
                    elif annotation_id not in known_stale:
                        stale_rows.append(row)
                    continue
                if before is not None and before["fingerprint"] == row["fingerprint"]:
                    summary.unchanged += 1
                    continue
                if before is not None:
                    replaced.append(before["id"])
                    summary.edited += 1
                else:
                    summary.new += 1
                fresh.append(row)
            progress.advance()
        deleted = [row["id"] for a, row in known.items() if a not in seen]
        summary.deleted += len(deleted)
        with engine.begin() as connection:
            set_verification_state(connection, ids=replaced, state="edited")
            set_verification_state(connection, ids=deleted, state="deleted")
            set_verification_state(connection, ids=stale_ids, state="stale")
            add_verifications(connection, rows=fresh)
            add_verifications(connection, rows=stale_rows, state="stale")
    with engine.begin() as connection:
        if entries:
            add_quarantine_entries(connection, entries=entries)
        before = stored_outcomes(connection)
        save_outcomes(connection, rows=_outcome_rows(connection, before), stored_ids=set(before))
        summary.outcomes = outcome_counts(connection)
    return summary


def _fingerprint(row: dict[str, Any]) -> str:
    """Hash of what a verdict says, to tell an edited annotation from an unchanged one."""
    keys = ("annotator", "verdict", "corrected_answer", "reject_reason", "comment")
    body = json.dumps({k: row[k] for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _outcome_rows(connection: Any, before: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Recompute every reviewed item's outcome from the current verdicts; only rows that differ from ``before``."""
    reviews: dict[str, dict[str, Rated]] = defaultdict(dict)
    adjudications: dict[str, Rated] = {}
    sources: dict[str, list[dict[str, int]]] = defaultdict(list)
    proposed: dict[str, Any] = {}
    for row in current_verdicts(connection):
        rated = Rated(
            annotator=row["annotator"],
            verdict=row["verdict"],
            corrected_answer=row["corrected_answer"],
        )
        item_id = row["item_id"]
        proposed[item_id] = row["answer"]
        if row["purpose"] == "adjudication":
            if row["adjudicator"] and row["annotator"] != row["adjudicator"]:
                continue
            adjudications[item_id] = rated
        else:
            reviews[item_id][row["annotator"]] = rated
        sources[item_id].append(
            {"task": row["external_task_id"], "annotation": row["external_annotation_id"]}
        )
    rows = []
    for item_id in sorted(set(proposed) | set(before)):
        if item_id not in proposed:
            outcome_status, answer, decided_by, provenance = "pending", None, [], {}
        else:
            rated = list(reviews[item_id].values())
            outcome = decide(proposed[item_id], rated, adjudications.get(item_id))
            outcome_status, answer = outcome.status, outcome.answer
            decided_by = list(outcome.decided_by)
            provenance = {
                "source": "label_studio",
                "annotations": sources[item_id],
                "verdicts": [{"annotator": r.annotator, "label": r.label} for r in rated],
            }
        row = {
            "item_id": item_id,
            "status": outcome_status,
            "answer": answer,
            "decided_by": decided_by,
            "provenance": provenance,
        }
        old = before.get(item_id)
        if old is None or any(
            old[k] != row[k] for k in ("status", "answer", "decided_by", "provenance")
        ):
            rows.append(row)
    return rows


def annotation_status(engine: Engine, *, name: str = DEFAULT_PROJECT) -> AnnotationStatus:
    """Tasks per project and state, review outcomes, and agreement per subtask."""
    require_current_schema(engine)
    with engine.connect() as connection:
        tasks = task_counts(connection, name=name)
        outcomes = outcome_counts(connection)
        verdicts = current_verdicts(connection)
    ratings = []
    annotators: Counter[str] = Counter()
    for row in verdicts:
        if row["purpose"] != "review":
            continue
        rated = Rated(
            annotator=row["annotator"],
            verdict=row["verdict"],
            corrected_answer=row["corrected_answer"],
        )
        annotators[row["annotator"]] += 1
        ratings.append(
            Rating(
                item_id=row["item_id"],
                subtask_id=row["subtask_id"],
                annotator=row["annotator"],
                label=rated.label,
            )
        )
    return AnnotationStatus(
        tasks=tasks,
        outcomes=outcomes,
        agreement=agreement_report(ratings),
        annotators=dict(sorted(annotators.items())),
    )
