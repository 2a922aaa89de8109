"""Push and pull against a real Label Studio server, with annotators annotating over its API.

Each test works in its own projects (a unique name prefix) on the session's
server, and puts its images under the server's media root.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from qaforge.annotate.client import LabelStudioClient, LabelStudioUnavailable
from qaforge.annotate.tasks import option_value
from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.annotate import annotation_status, pull_verdicts, push_items
from qaforge.pipeline.export import export_database
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.pipeline.split import assign_database_splits
from qaforge.store.checks import verification_counts
from qaforge.store.models import (
    AnnotationTask,
    ImageSelection,
    QAImage,
    QAItem,
    QuarantineRow,
    ReviewOutcome,
    Verification,
)
from qaforge.store.qa_items import set_item_status

# The sentence states a finding the rest of the report does not touch, so that it makes
# an item (a contradicted one would be held for review and never reach the PHI check).
PHI_SENTENCE = "Mr John Smith (DOB 12/03/1950, MRN A1234567) has an apical LV thrombus."


def build(engine, source: Path, images_dir: Path, *, phi: bool = False) -> None:
    """Everything through select (clinical, K=4), images under ``images_dir``."""
    reports = source / "reports.jsonl"
    if phi:
        records = [json.loads(line) for line in reports.read_text().splitlines()]
        records[0]["text"] = records[0]["text"].replace("\n\n", f"\n\n{PHI_SENTENCE}\n\n", 1)
        reports = images_dir.parent / "reports.jsonl"
        reports.parent.mkdir(parents=True, exist_ok=True)
        reports.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest_reports(engine, reports)
    ingest_series(engine, source / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    select_images(engine, protocols=["clinical"], budgets=[4], images_dir=images_dir, workers=1)


@pytest.fixture
def workspace(labelstudio) -> Path:
    """A fresh folder under the server's media root."""
    folder = labelstudio.media_root / f"ws-{uuid.uuid4().hex[:10]}"
    folder.mkdir(parents=True)
    return folder


def admin_client(labelstudio) -> LabelStudioClient:
    return LabelStudioClient(labelstudio.url, labelstudio.accounts["admin"].token)


def active_items(engine) -> dict[str, dict]:
    with engine.connect() as connection:
        return {
            row.id: dict(row._mapping)
            for row in connection.execute(select(QAItem.__table__).where(QAItem.status == "active"))
        }


def server_tasks(client: LabelStudioClient, ls_project_ids) -> list[dict]:
    return [
        task for pid in ls_project_ids for task in client.iter_tasks(pid, with_annotations=True)
    ]


def choices(name: str, *values: str) -> dict:
    return {
        "from_name": name,
        "to_name": "question",
        "type": "choices",
        "value": {"choices": list(values)},
    }


def verdict(kind: str, *, answer: list[str] | None = None, reason: str | None = None) -> list[dict]:
    result = [choices("verdict", kind)]
    if answer:
        result.append(choices("answer", *answer))
    if reason:
        result.append(choices("reject_reason", reason))
    return result


def push(engine, client, name, workspace, **kwargs):
    kwargs.setdefault("media_root", workspace.parent)
    kwargs.setdefault("budget", 4)
    return push_items(engine, client, name=name, **kwargs)


def test_push_pull_agreement_adjudication_retire_and_export(
    engine, labelstudio, small_source, workspace
):
    build(engine, small_source, workspace / "img")
    name = f"rt-{workspace.name}"
    items = active_items(engine)
    with admin_client(labelstudio) as admin:
        first = push(
            engine, admin, name, workspace, adjudicator="adjudicator@example.com", batch_size=7
        )
        assert first.imported == len(items) and first.blocked_phi == 0 and first.no_images == 0
        review_ids = {p.ls_project_id for p in first.projects}
        tasks = server_tasks(admin, review_ids)
        assert Counter(t["data"]["qaforge_item_id"] for t in tasks) == Counter(set(items))
        for task in tasks:
            item = items[task["data"]["qaforge_item_id"]]
            assert task["data"]["question"] == item["question"]
            assert len(task["data"]["images"]) == 4
            assert [p["model_version"] for p in admin.task_predictions(task["id"])] == [
                f"{item['template_id']}@v{item['template_version']}/run-"
                f"{item['provenance']['extraction_run'][:12]}"
            ]
        served = admin._http.get(tasks[0]["data"]["images"][0])
        assert served.status_code == 200 and served.content[:8] == b"\x89PNG\r\n\x1a\n"

        second = push(engine, admin, name, workspace, adjudicator="adjudicator@example.com")
        assert (second.imported, second.updated) == (0, 0)
        assert sum(p.unchanged for p in second.projects) == len(items)
        assert len(server_tasks(admin, review_ids)) == len(items)

        task_of = {t["data"]["qaforge_item_id"]: t for t in tasks}
        single = sorted(i for i, it in items.items() if it["answer_type"] == "single_choice")
        assert len(single) >= 7
        a, b, c, d, e, f, g = single[:7]

        def other_option(item_id: str) -> str:
            item = items[item_id]
            letter = next(x for x in sorted(item["options"]) if x != item["answer"])
            return letter

        def value(item_id: str, letter: str) -> str:
            return option_value(letter, items[item_id]["options"][letter])

        rad1 = LabelStudioClient(labelstudio.url, labelstudio.accounts["rad1"].token)
        rad2 = LabelStudioClient(labelstudio.url, labelstudio.accounts["rad2"].token)
        with rad1, rad2:
            for client in (rad1, rad2):
                client.create_annotation(task_of[a]["id"], verdict("accept"), lead_time=11.5)
                client.create_annotation(
                    task_of[b]["id"], verdict("correct", answer=[value(b, other_option(b))])
                )
                client.create_annotation(
                    task_of[c]["id"], verdict("reject", reason="image quality")
                )
            rad1.create_annotation(task_of[d]["id"], verdict("accept"))
            rad2.create_annotation(
                task_of[d]["id"], verdict("correct", answer=[value(d, other_option(d))])
            )
            rad1.create_annotation(task_of[e]["id"], verdict("accept"))
            edited = rad1.create_annotation(task_of[f]["id"], verdict("accept"))
            removed = rad2.create_annotation(task_of[g]["id"], verdict("accept"))
            rad1.create_annotation(task_of[g]["id"], verdict("accept"))
            bad = rad2.create_annotation(task_of[e]["id"], verdict("correct"))  # no answer given

            pulled = pull_verdicts(engine, admin, name=name)
            assert (pulled.new, pulled.invalid, pulled.edited, pulled.deleted) == (12, 1, 0, 0)
            outcomes = stored(engine, ReviewOutcome, "item_id")
            assert (
                outcomes[a]["status"] == "verified" and outcomes[a]["answer"] == items[a]["answer"]
            )
            assert outcomes[b]["status"] == "corrected" and outcomes[b]["answer"] == other_option(b)
            assert set(outcomes[b]["decided_by"]) == {"rad1@example.com", "rad2@example.com"}
            assert outcomes[c]["status"] == "rejected"
            assert outcomes[d]["status"] == "needs_adjudication"
            # --overlap 2: one readable verdict decides nothing (rad2's on e is unreadable).
            assert outcomes[e]["status"] == "pending" and outcomes[f]["status"] == "pending"
            assert outcomes[e]["provenance"]["verdicts"] == [
                {"annotator": "rad1@example.com", "label": "accept"}
            ]
            with engine.connect() as connection:
                lead = connection.execute(
                    select(Verification.lead_time_seconds).where(
                        Verification.item_id == a, Verification.annotator == "rad1@example.com"
                    )
                ).scalar_one()
                quarantined = connection.execute(
                    select(QuarantineRow.location, QuarantineRow.reason).where(
                        QuarantineRow.stage == "annotate"
                    )
                ).all()
            assert lead == pytest.approx(11.5)
            assert quarantined == [
                (
                    f"task {task_of[e]['id']} annotation {bad['id']}",
                    "verdict 'correct' without a corrected answer",
                )
            ]

            again = pull_verdicts(engine, admin, name=name)
            assert (again.new, again.edited, again.deleted, again.unchanged) == (0, 0, 0, 12)

            rad1.update_annotation(edited["id"], verdict("reject", reason="wrong finding"))
            rad2.delete_annotation(removed["id"])
            changed = pull_verdicts(engine, admin, name=name)
            assert (changed.new, changed.edited, changed.deleted) == (0, 1, 1)
            outcomes = stored(engine, ReviewOutcome, "item_id")
            assert outcomes[f]["status"] == "pending"  # still one read of two
            assert outcomes[g]["status"] == "pending"  # rad2's read is gone
            with engine.connect() as connection:
                states = Counter(
                    connection.execute(
                        select(Verification.state).where(Verification.item_id.in_([f, g]))
                    )
                    .scalars()
                    .all()
                )
            assert states == Counter({"current": 2, "edited": 1, "deleted": 1})

            status = annotation_status(engine, name=name)
            pair = status.agreement.overall.pairs[0]
            assert (pair.annotator_a, pair.annotator_b) == ("rad1@example.com", "rad2@example.com")
            # Both rated a, b, c (agree) and d (disagree); g lost rad2's verdict; e's was unreadable.
            assert pair.n_items == 4 and pair.observed == pytest.approx(3 / 4)

            queued = push(engine, admin, name, workspace, adjudicator="adjudicator@example.com")
            assert queued.queued_for_adjudication == 1
            adjudication = next(p for p in queued.projects if "adjudicate" in p.title)
            [adjudication_task] = server_tasks(admin, [adjudication.ls_project_id])
            assert adjudication_task["data"]["qaforge_item_id"] == d
            assert "rad2@example.com" in adjudication_task["data"]["prior_verdicts_html"]
            rad1.create_annotation(adjudication_task["id"], verdict("reject", reason="other"))
            with LabelStudioClient(
                labelstudio.url, labelstudio.accounts["adjudicator"].token
            ) as adj:
                adj.create_annotation(
                    adjudication_task["id"], verdict("correct", answer=[value(d, other_option(d))])
                )
            pull_verdicts(engine, admin, name=name)
            outcomes = stored(engine, ReviewOutcome, "item_id")
            assert outcomes[d]["status"] == "corrected"  # rad1 is not the adjudicator
            assert outcomes[d]["decided_by"] == ["adjudicator@example.com"]
            assert outcomes[d]["answer"] == other_option(d)

            # A retired item keeps its task and annotations, marked.
            with engine.begin() as connection:
                set_item_status(connection, item_ids=[a], status="retired")
            retired = push(engine, admin, name, workspace)
            assert sum(p.retired for p in retired.projects) == 1 and retired.imported == 0
            task = next(
                t for t in server_tasks(admin, review_ids) if t["data"]["qaforge_item_id"] == a
            )
            assert task["data"]["qaforge_state"] == "retired" and len(task["annotations"]) == 2
            assert task["data"]["header"].startswith("RETIRED")

            # Changed content (other slices shown): the task is updated in place and
            # the verdicts given before no longer count.
            with engine.begin() as connection:
                connection.execute(delete(QAImage).where(QAImage.item_id == b, QAImage.rank == 3))
            updated = push(engine, admin, name, workspace)
            assert sum(p.updated for p in updated.projects) == 1 and updated.imported == 0
            stale = pull_verdicts(engine, admin, name=name)
            assert stale.stale == 2
            assert stored(engine, ReviewOutcome, "item_id")[b]["status"] == "pending"
            assert len(server_tasks(admin, review_ids)) == len(items)

            # The second read makes e final.
            rad2.update_annotation(bad["id"], verdict("accept"))
            pull_verdicts(engine, admin, name=name)
            second_read = stored(engine, ReviewOutcome, "item_id")[e]
            assert second_read["status"] == "verified"
            assert second_read["decided_by"] == ["rad1@example.com", "rad2@example.com"]

    # Export takes verified and corrected items, with the corrected answer.
    assign_database_splits(engine)
    summary = export_database(engine, workspace / "export", protocol="clinical", budget=4)
    records = {
        r["id"]: r
        for path in (workspace / "export" / "data").glob("*.jsonl")
        for r in map(json.loads, path.read_text().splitlines())
    }
    assert d in records and records[d]["answer"] == [other_option(d)]
    assert records[d]["verification"] == "corrected"
    assert records[e]["verification"] == "verified"
    assert not {a, b, c, f, g} & set(records)
    assert sum(summary.records.values()) == len(records)
    # c was rejected by both readers; nothing is in adjudication any more (d was settled).
    assert (summary.skipped_rejected, summary.skipped_in_adjudication) == (1, 0)
    with engine.connect() as connection:
        counts = verification_counts(connection)
    active = active_items(engine)
    assert sum(counts.values()) == len(active)  # one count per item, not per annotator
    assert (counts["verified"], counts["corrected"], counts["rejected"]) == (1, 1, 1)
    assert counts["unverified"] == len(active) - 3


def stored(engine, model, key: str) -> dict:
    with engine.connect() as connection:
        return {
            row._mapping[key]: dict(row._mapping)
            for row in connection.execute(select(model.__table__))
        }


def test_server_killed_mid_push_leaves_no_duplicate_and_no_gap(
    sqlite_engine, labelstudio, small_source, workspace
):
    engine = sqlite_engine
    build(engine, small_source, workspace / "img")
    name = f"kill-{workspace.name}"
    items = active_items(engine)

    def crash(done: int) -> None:
        if done == 10:
            labelstudio.kill()

    with admin_client(labelstudio) as admin:
        try:
            with pytest.raises(LabelStudioUnavailable, match="did not answer"):
                push(engine, admin, name, workspace, batch_size=5, after_batch=crash)
        finally:
            if labelstudio.process is None:
                labelstudio.start()
        with engine.connect() as connection:
            recorded = connection.execute(select(AnnotationTask.item_id)).scalars().all()
        assert 10 <= len(recorded) < len(items)
        resumed = push(engine, admin, name, workspace, batch_size=5)
        assert resumed.imported == len(items) - len(recorded)
        project_ids = [p.ls_project_id for p in resumed.projects]
        on_server = Counter(t["data"]["qaforge_item_id"] for t in server_tasks(admin, project_ids))
        assert on_server == Counter(set(items))

        # Imported but never recorded (cut off between the two): adopted, not imported again.
        with engine.begin() as connection:
            connection.execute(
                delete(AnnotationTask).where(AnnotationTask.item_id.in_(sorted(items)[:6]))
            )
        adopted = push(engine, admin, name, workspace)
        assert adopted.imported == 0
        on_server = Counter(t["data"]["qaforge_item_id"] for t in server_tasks(admin, project_ids))
        assert on_server == Counter(set(items))
        with engine.connect() as connection:
            assert len(connection.execute(select(AnnotationTask.item_id)).all()) == len(items)


def test_phi_never_reaches_label_studio(sqlite_engine, labelstudio, small_source, workspace):
    engine = sqlite_engine
    build(engine, small_source, workspace / "img", phi=True)
    name = f"phi-{workspace.name}"
    with admin_client(labelstudio) as admin:
        summary = push(engine, admin, name, workspace)
        assert summary.blocked_phi > 0
        tasks = server_tasks(admin, [p.ls_project_id for p in summary.projects])
    sent = json.dumps(tasks)
    for secret in ("John Smith", "12/03/1950", "A1234567"):
        assert secret not in sent
    assert len(tasks) == len(active_items(engine)) - summary.blocked_phi
    with engine.connect() as connection:
        reasons = (
            connection.execute(
                select(QuarantineRow.reason).where(QuarantineRow.stage == "annotate")
            )
            .scalars()
            .all()
        )
    assert len(reasons) == summary.blocked_phi
    assert all("PHI scan" in r and "John" not in r for r in reasons)


def test_images_outside_the_media_root_are_refused_before_anything_is_sent(
    sqlite_engine, labelstudio, small_source, workspace, tmp_path
):
    from qaforge.errors import ConfigError

    engine = sqlite_engine
    build(engine, small_source, tmp_path / "elsewhere")
    name = f"out-{workspace.name}"
    with admin_client(labelstudio) as admin:
        with pytest.raises(ConfigError, match="not under the media root") as error:
            push(engine, admin, name, workspace)
        assert error.value.code == "E901"
        assert not [p for p in admin.projects() if p["title"].startswith(name)]


def test_changed_evidence_updates_the_task(sqlite_engine, labelstudio, small_source, workspace):
    engine = sqlite_engine
    build(engine, small_source, workspace / "img")
    name = f"upd-{workspace.name}"
    with admin_client(labelstudio) as admin:
        push(engine, admin, name, workspace)
        item_id = sorted(active_items(engine))[0]
        with engine.begin() as connection:
            connection.execute(
                update(QAImage).where(QAImage.item_id == item_id, QAImage.rank == 0).values(rank=99)
            )
        result = push(engine, admin, name, workspace)
        assert sum(p.updated for p in result.projects) == 1
        with engine.connect() as connection:
            revision = connection.execute(
                select(AnnotationTask.revision).where(AnnotationTask.item_id == item_id)
            ).scalar_one()
        assert revision == 1


def test_item_blocked_after_push_is_withdrawn_from_its_task(
    sqlite_engine, labelstudio, small_source, workspace
):
    from qaforge.store.models import Flag

    engine = sqlite_engine
    build(engine, small_source, workspace / "img")
    name = f"wd-{workspace.name}"
    items = active_items(engine)
    item_id = sorted(items)[0]
    with admin_client(labelstudio) as admin:
        first = push(engine, admin, name, workspace)
        project_ids = [p.ls_project_id for p in first.projects]
        with engine.begin() as connection:
            connection.execute(
                insert(Flag),
                [{"item_id": item_id, "check_name": "phi", "severity": "blocking", "detail": {}}],
            )
        second = push(engine, admin, name, workspace)
        assert second.blocked_flags == 1 and second.imported == 0
        assert sum(p.retired for p in second.projects) == 1
        [task] = [
            t for t in server_tasks(admin, project_ids) if t["data"]["qaforge_item_id"] == item_id
        ]
    assert task["data"]["header"].startswith("WITHDRAWN")
    shown = json.dumps(task["data"])
    assert items[item_id]["question"] not in shown and task["data"]["images"] == []


def test_a_wrong_media_root_after_a_push_changes_no_task(
    sqlite_engine, labelstudio, small_source, workspace
):
    from qaforge.errors import ConfigError

    engine = sqlite_engine
    build(engine, small_source, workspace / "img")
    name = f"root-{workspace.name}"
    with admin_client(labelstudio) as admin:
        push(engine, admin, name, workspace)
        ids = [p["id"] for p in admin.projects() if p["title"].startswith(name)]
        before = sorted((t["id"], t["data"]["images"]) for t in server_tasks(admin, ids))
        with engine.connect() as connection:
            rows_before = connection.execute(select(AnnotationTask.__table__)).all()
        # The images lie under the given folder, but the server serves its parent.
        with pytest.raises(ConfigError, match="no task was changed") as error:
            push(engine, admin, name, workspace, media_root=workspace)
        assert error.value.code == "E901"
        assert labelstudio.accounts["admin"].token not in str(error.value)
        after = sorted((t["id"], t["data"]["images"]) for t in server_tasks(admin, ids))
        assert after == before
        with engine.connect() as connection:
            assert connection.execute(select(AnnotationTask.__table__)).all() == rows_before
        result = push(engine, admin, name, workspace)
        assert sum(p.updated for p in result.projects) == 0


def test_moved_images_change_urls_but_keep_every_verdict(
    sqlite_engine, labelstudio, small_source, workspace
):
    engine = sqlite_engine
    build(engine, small_source, workspace / "img")
    name = f"mv-{workspace.name}"
    with admin_client(labelstudio) as admin:
        push(engine, admin, name, workspace)
        ids = [p["id"] for p in admin.projects() if p["title"].startswith(name)]
        tasks = server_tasks(admin, ids)
        rad1 = LabelStudioClient(labelstudio.url, labelstudio.accounts["rad1"].token)
        rad2 = LabelStudioClient(labelstudio.url, labelstudio.accounts["rad2"].token)
        read = tasks[:3]
        with rad1, rad2:
            for task in read:
                rad1.create_annotation(task["id"], verdict("accept"))
                rad2.create_annotation(task["id"], verdict("accept"))
        pull_verdicts(engine, admin, name=name)
        read_items = [t["data"]["qaforge_item_id"] for t in read]
        outcomes = stored(engine, ReviewOutcome, "item_id")
        assert {outcomes[i]["status"] for i in read_items} == {"verified"}

        # The same pictures, in another folder: every URL changes, no content does.
        old, new = workspace / "img", workspace / "img-moved"
        old.rename(new)
        with engine.begin() as connection:
            connection.execute(update(ImageSelection).values(images_root=str(new)))
        moved = push(engine, admin, name, workspace)
        assert sum(p.updated for p in moved.projects) == len(tasks)
        after = {t["id"]: t for t in server_tasks(admin, ids)}
        assert all("img-moved" in after[t["id"]]["data"]["images"][0] for t in tasks)
        assert all(admin.serves(after[t["id"]]["data"]["images"][0]) for t in read)

        pulled = pull_verdicts(engine, admin, name=name)
        assert pulled.stale == 0
        outcomes = stored(engine, ReviewOutcome, "item_id")
        assert {outcomes[i]["status"] for i in read_items} == {"verified"}
        with engine.connect() as connection:
            states = connection.execute(
                select(Verification.state).where(Verification.item_id.in_(read_items))
            ).scalars()
            assert Counter(states) == Counter({"current": 2 * len(read)})
