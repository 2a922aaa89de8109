"""How one project's task rows follow the server and the plan (pure)."""

from __future__ import annotations

import pytest

from qaforge.annotate.task_sync import (
    content_sha256,
    import_payload,
    imported_task_rows,
    stored_task_changes,
    task_row,
    task_update,
    tasks_by_item,
    updated_task_row,
    with_image_hashes,
)


def task(task_id, item_id, sha="h", state="active"):
    data = {"qaforge_task_sha256": sha, "qaforge_state": state}
    if item_id is not None:
        data["qaforge_item_id"] = item_id
    return {"id": task_id, "data": data}


def stored(item_id, ls_task_id, sha="h", **changes):
    row = task_row(
        project_id=7, item_id=item_id, ls_task_id=ls_task_id, task_sha256=sha, state="active"
    )
    return {"id": 100 + ls_task_id, **row, **changes}


def test_tasks_by_item_keeps_the_oldest_task_of_an_item_and_ignores_foreign_tasks():
    found, duplicates = tasks_by_item(
        [task(5, "a"), task(3, "a"), task(9, "a"), task(4, "b"), task(6, None)]
    )
    assert {item: t["id"] for item, t in found.items()} == {"a": 3, "b": 4}
    assert duplicates == 2


def test_stored_rows_adopt_server_tasks_forget_lost_ones_and_follow_moved_ones():
    changes = stored_task_changes(
        {
            "same": stored("same", 1),
            "lost": stored("lost", 2),
            "moved": stored("moved", 3),
            "rehashed": stored("rehashed", 4, revision=2),
        },
        {
            "same": task(1, "same"),
            "moved": task(30, "moved"),
            "rehashed": task(4, "rehashed", sha="new"),
            "adopted": task(8, "adopted", sha="x", state="retired"),
        },
        project_id=7,
    )
    assert changes.lost == ["lost"]
    assert changes.adopted == [
        task_row(project_id=7, item_id="adopted", ls_task_id=8, task_sha256="x", state="retired")
    ]
    assert [(r["item_id"], r["ls_task_id"], r["task_sha256"]) for r in changes.moved] == [
        ("moved", 30, "h"),
        ("rehashed", 4, "new"),
    ]
    assert changes.moved[1]["revision"] == 2, "a moved row keeps its revision"


def test_adopted_task_without_hash_or_state_is_recorded_as_active_and_unhashed():
    changes = stored_task_changes(
        {}, {"a": {"id": 1, "data": {"qaforge_item_id": "a"}}}, project_id=1
    )
    assert changes.adopted[0]["task_sha256"] == ""
    assert changes.adopted[0]["state"] == "active"


def test_import_payload_and_rows_follow_the_batch_order():
    tasks = {
        "a": {"qaforge_task_sha256": "ha", "qaforge_state": "active"},
        "b": {"qaforge_task_sha256": "hb", "qaforge_state": "retired"},
    }
    payload = import_payload(["b", "a"], tasks, {"a": {"result": []}})
    assert payload == [
        {"data": tasks["b"], "predictions": []},
        {"data": tasks["a"], "predictions": [{"result": []}]},
    ]
    rows = imported_task_rows(["b", "a"], [11, 12], tasks, project_id=3)
    assert [(r["item_id"], r["ls_task_id"], r["task_sha256"], r["state"]) for r in rows] == [
        ("b", 11, "hb", "retired"),
        ("a", 12, "ha", "active"),
    ]
    assert all(r["revision"] == 0 and r["superseded_annotation_ids"] == [] for r in rows)
    with pytest.raises(ValueError):
        imported_task_rows(["a", "b"], [11], tasks, project_id=3)


def test_an_unchanged_task_needs_no_update():
    assert (
        task_update("a", {"qaforge_task_sha256": "h", "qaforge_state": "active"}, task(1, "a"))
        is None
    )


@pytest.mark.parametrize(
    ("shown_state", "planned_state", "revises", "counted_as"),
    [
        ("active", "active", True, "updated"),
        ("active", "retired", False, "retired"),
        ("retired", "retired", False, "retired"),
        ("retired", "active", False, "updated"),
    ],
)
def test_only_an_active_task_that_stays_active_with_other_content_is_revised(
    shown_state, planned_state, revises, counted_as
):
    data = {"qaforge_task_sha256": "new", "qaforge_state": planned_state, "question": "Which?"}
    update = task_update("a", data, task(4, "a", sha="old", state=shown_state))
    assert update is not None
    assert (update.ls_task_id, update.data, update.revises) == (4, data, revises)
    assert update.counted_as == counted_as


def test_a_revision_supersedes_the_tasks_annotations_and_counts_up():
    data = {"qaforge_task_sha256": "new", "qaforge_state": "active", "question": "Which?"}
    update = task_update("a", data, task(4, "a", sha="old"))
    before = stored("a", 4, revision=1, superseded_annotation_ids=[9, 2])
    row = updated_task_row(update, before, project_id=7, annotation_ids=[5, 2])
    assert row == task_row(
        project_id=7,
        item_id="a",
        ls_task_id=4,
        task_sha256="new",
        state="active",
        revision=2,
        superseded_annotation_ids=[2, 5, 9],
    )


def test_a_retirement_keeps_revision_and_superseded_annotations():
    data = {"qaforge_task_sha256": "new", "qaforge_state": "retired"}
    update = task_update("a", data, task(4, "a", sha="old"))
    before = stored("a", 4, revision=None, superseded_annotation_ids=None)
    row = updated_task_row(update, before, project_id=7, annotation_ids=[5])
    assert (row["state"], row["revision"], row["superseded_annotation_ids"]) == ("retired", 0, [])


def _shown(images=("/data/local-files/?d=old/s1.png", "/data/local-files/?d=old/s2.png"), **kw):
    data = {
        "qaforge_item_id": "a",
        "qaforge_state": "active",
        "question": "How many chambers look dilated?",
        "proposed_answer": "B. two",
        "evidence_html": "<p>both ventricles enlarged</p>",
        "images": list(images),
        "qaforge_task_sha256": "unhashed",
        **kw,
    }
    return with_image_hashes(data, ["c1", "c2"])


def test_moved_images_update_the_task_without_revising_it():
    shown = _shown()
    planned = _shown(["/data/local-files/?d=new/s1.png", "/data/local-files/?d=new/s2.png"])
    assert planned["qaforge_task_sha256"] != shown["qaforge_task_sha256"]
    assert content_sha256(shown) == content_sha256(planned)
    update = task_update("a", planned, {"id": 4, "data": shown})
    assert update is not None
    assert update.data["images"] == planned["images"]
    assert update.revises is False


def test_a_changed_answer_revises_the_task():
    update = task_update("a", _shown(proposed_answer="C. three"), {"id": 4, "data": _shown()})
    assert update is not None
    assert update.revises is True


def test_changed_image_content_revises_the_task():
    planned = with_image_hashes(_shown(), ["c1", "c3"])
    update = task_update("a", planned, {"id": 4, "data": _shown()})
    assert update is not None
    assert update.revises is True


def test_a_task_pushed_without_image_hashes_is_compared_by_url():
    old = {k: v for k, v in _shown().items() if k != "qaforge_image_sha256"}
    old["qaforge_task_sha256"] = "pushed-before-image-hashes"
    same = task_update("a", _shown(), {"id": 4, "data": old})
    moved = task_update("a", _shown(["/x/1.png", "/x/2.png"]), {"id": 4, "data": old})
    assert same is not None and same.revises is False
    assert moved is not None and moved.revises is True


def test_a_new_layout_of_the_same_slices_updates_the_task_without_revising_it():
    shown = _shown(slices=[{"url": "/data/local-files/?d=old/s1.png", "caption": "#1"}])
    planned = _shown(
        slices=[
            {"url": "/data/local-files/?d=old/s2.png", "caption": "#2 z0 t1"},
            {"url": "/data/local-files/?d=old/s1.png", "caption": "#1 z0 t4"},
        ]
    )
    update = task_update("a", planned, {"id": 4, "data": shown})
    assert update is not None, "the task must show the new grid"
    assert update.revises is False
