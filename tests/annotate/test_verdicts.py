"""Verdicts from annotations, outcomes and ratings from stored verdicts (pure)."""

from __future__ import annotations

import pytest

from qaforge.annotate.agreement import annotator_counts, review_ratings
from qaforge.annotate.outcome import outcome_rows
from qaforge.annotate.tasks import AnnotationFormatError
from qaforge.annotate.verdicts import (
    EXAMPLES_KEPT,
    fingerprint,
    merge_examples,
    read_verdicts,
    superseded_annotations,
    verdict_row,
)

from .test_tasks import choices, text  # noqa: TID252

FORMS = {
    "item-1": {"options": {"A": "Subendocardial", "B": "Mid-wall"}, "answer_type": "single_choice"}
}
USERS = {1: "a@x", 2: "b@x"}


def annotation(annotation_id, *result, user=1, **extra):
    return {"id": annotation_id, "result": list(result), "completed_by": user, **extra}


def a_task(*annotations, task_id=10, item_id="item-1"):
    return {"id": task_id, "data": {"qaforge_item_id": item_id}, "annotations": list(annotations)}


def read(tasks, *, known=None, known_stale=(), superseded=()):
    return read_verdicts(
        tasks,
        project_id=3,
        title="qaforge · review · single",
        answer_forms=FORMS,
        users=USERS,
        known=known or {},
        known_stale=set(known_stale),
        superseded=set(superseded),
    )


def test_verdict_row_reads_the_annotation_and_fingerprints_what_it_says():
    row = verdict_row(
        a_task(),
        annotation(
            7,
            choices("verdict", "correct"),
            choices("answer", "B. Mid-wall"),
            user=2,
            lead_time=4.5,
        ),
        form=FORMS["item-1"],
        project_id=3,
        users=USERS,
    )
    assert row == {
        "item_id": "item-1",
        "annotator": "b@x",
        "verdict": "correct",
        "corrected_answer": "B",
        "reject_reason": None,
        "comment": None,
        "lead_time_seconds": 4.5,
        "external_task_id": 10,
        "external_annotation_id": 7,
        "project_id": 3,
        "fingerprint": fingerprint(row),
    }
    unknown = verdict_row(
        a_task(),
        annotation(8, choices("verdict", "accept"), user=99),
        form=FORMS["item-1"],
        project_id=3,
        users=USERS,
    )
    assert unknown["annotator"] == "unknown"
    with pytest.raises(AnnotationFormatError):
        verdict_row(a_task(), annotation(9), form=FORMS["item-1"], project_id=3, users=USERS)


def test_fingerprint_changes_with_what_the_verdict_says_not_with_when():
    row = {
        "annotator": "a@x",
        "verdict": "reject",
        "corrected_answer": None,
        "reject_reason": "other",
        "comment": None,
        "lead_time_seconds": 3,
    }
    assert fingerprint(row) == fingerprint({**row, "lead_time_seconds": 80, "external_task_id": 1})
    assert fingerprint(row) != fingerprint({**row, "comment": "blurred"})
    assert fingerprint(row) != fingerprint({**row, "annotator": "b@x"})


def test_new_unchanged_edited_and_deleted_annotations_against_the_store():
    accept = choices("verdict", "accept")
    reject = choices("verdict", "reject")
    unchanged_row = verdict_row(
        a_task(), annotation(1, accept), form=FORMS["item-1"], project_id=3, users=USERS
    )
    known = {
        1: {"id": 501, "fingerprint": unchanged_row["fingerprint"]},
        2: {"id": 502, "fingerprint": "before the edit"},
        3: {"id": 503, "fingerprint": "gone"},
    }
    verdicts = read(
        [a_task(annotation(1, accept), annotation(2, reject), annotation(4, accept, user=2))],
        known=known,
    )
    assert (verdicts.annotations, verdicts.new, verdicts.edited, verdicts.unchanged) == (3, 1, 1, 1)
    assert [r["external_annotation_id"] for r in verdicts.fresh] == [2, 4]
    assert verdicts.replaced == [502]
    assert verdicts.deleted == [503]
    assert verdicts.stale == 0 and verdicts.stale_ids == [] and verdicts.stale_rows == []


def test_annotations_made_before_a_content_change_are_stale_once():
    accept = choices("verdict", "accept")
    verdicts = read(
        [a_task(annotation(1, accept), annotation(2, accept), annotation(3, accept))],
        known={1: {"id": 501, "fingerprint": "x"}},
        known_stale={3},
        superseded={1, 2, 3},
    )
    assert verdicts.stale == 3
    assert verdicts.stale_ids == [501], "a current row becomes stale"
    assert [r["external_annotation_id"] for r in verdicts.stale_rows] == [2], "stored once"
    assert verdicts.fresh == [] and verdicts.new == 0 and verdicts.deleted == []


def test_skipped_foreign_and_unreadable_annotations():
    verdicts = read(
        [
            a_task(annotation(1, was_cancelled=True), annotation(2, choices("verdict", "maybe"))),
            a_task(annotation(3, choices("verdict", "accept")), task_id=11, item_id="not-ours"),
        ]
    )
    assert (verdicts.annotations, verdicts.skipped, verdicts.invalid, verdicts.new) == (3, 1, 1, 0)
    [entry] = verdicts.quarantine
    assert entry.source == "Label Studio project qaforge · review · single"
    assert entry.location == "task 10 annotation 2"
    assert entry.record_key == "item-1"
    assert entry.reason == "unknown verdict 'maybe'"
    assert verdicts.examples == [
        "qaforge · review · single, task 10 annotation 2: unknown verdict 'maybe'"
    ]


def test_examples_are_capped_within_and_across_projects():
    bad = [annotation(i, text("comment", "no verdict")) for i in range(EXAMPLES_KEPT + 2)]
    verdicts = read([a_task(*bad)])
    assert verdicts.invalid == EXAMPLES_KEPT + 2
    assert len(verdicts.quarantine) == EXAMPLES_KEPT + 2
    assert len(verdicts.examples) == EXAMPLES_KEPT
    assert merge_examples(["a", "b"], ["c", "d", "e", "f", "g"]) == ["a", "b", "c", "d", "e"]


def test_superseded_annotations_of_stored_tasks():
    rows = [
        {"superseded_annotation_ids": [3, 1]},
        {"superseded_annotation_ids": None},
        {"superseded_annotation_ids": ["7"]},
    ]
    assert superseded_annotations(rows) == {1, 3, 7}


def verdict(
    item_id,
    annotator,
    verdict_,
    corrected=None,
    *,
    purpose="review",
    adjudicator=None,
    answer="A",
    annotation_id=1,
    reads_required=1,
):
    return {
        "item_id": item_id,
        "annotator": annotator,
        "verdict": verdict_,
        "corrected_answer": corrected,
        "answer": answer,
        "purpose": purpose,
        "adjudicator": adjudicator,
        "reads_required": reads_required,
        "subtask_id": "lge_pattern",
        "external_task_id": 10,
        "external_annotation_id": annotation_id,
    }


def test_outcome_rows_apply_the_rule_per_item_with_provenance():
    rows = outcome_rows(
        [
            verdict("agreed", "a@x", "correct", "A", annotation_id=1),
            verdict("agreed", "b@x", "correct", "A", annotation_id=2),
            verdict("split", "a@x", "accept", annotation_id=3),
            verdict("split", "b@x", "reject", annotation_id=4),
        ],
        {},
    )
    by_item = {row["item_id"]: row for row in rows}
    assert list(by_item) == ["agreed", "split"]
    assert by_item["split"]["status"] == "needs_adjudication"
    assert by_item["split"]["provenance"] == {
        "source": "label_studio",
        "annotations": [{"task": 10, "annotation": 3}, {"task": 10, "annotation": 4}],
        "verdicts": [
            {"annotator": "a@x", "label": "accept"},
            {"annotator": "b@x", "label": "reject"},
        ],
    }
    agreed = by_item["agreed"]
    assert (agreed["status"], agreed["answer"], agreed["decided_by"]) == (
        "verified",
        "A",
        ["a@x", "b@x"],
    ), "agreeing to correct to the proposed answer is an accept"


def test_an_annotators_later_verdict_wins_and_only_the_designated_adjudicator_decides():
    rows = outcome_rows(
        [
            verdict("x", "a@x", "accept", annotation_id=1),
            verdict("x", "a@x", "reject", annotation_id=2),
            verdict("y", "a@x", "accept", annotation_id=3),
            verdict("y", "b@x", "reject", annotation_id=4),
            verdict(
                "y",
                "other@x",
                "accept",
                purpose="adjudication",
                adjudicator="boss@x",
                annotation_id=5,
            ),
            verdict(
                "y",
                "boss@x",
                "correct",
                "B",
                purpose="adjudication",
                adjudicator="boss@x",
                annotation_id=6,
            ),
        ],
        {},
    )
    by_item = {row["item_id"]: row for row in rows}
    assert by_item["x"]["status"] == "rejected"
    assert by_item["x"]["provenance"]["verdicts"] == [{"annotator": "a@x", "label": "reject"}]
    y = by_item["y"]
    assert (y["status"], y["answer"], y["decided_by"]) == ("corrected", "B", ["boss@x"])
    assert {"task": 10, "annotation": 5} not in y["provenance"]["annotations"]


def test_outcome_rows_are_only_those_that_change_and_lost_verdicts_go_pending():
    first = outcome_rows([verdict("x", "a@x", "accept")], {})
    before = {row["item_id"]: row for row in first}
    assert outcome_rows([verdict("x", "a@x", "accept")], before) == []
    assert outcome_rows([], before) == [
        {"item_id": "x", "status": "pending", "answer": None, "decided_by": [], "provenance": {}}
    ]


def test_review_ratings_leave_out_adjudications_and_count_by_annotator():
    ratings = review_ratings(
        [
            verdict("x", "b@x", "correct", ["B", "A"]),
            verdict("x", "a@x", "accept"),
            verdict("x", "boss@x", "reject", purpose="adjudication"),
            verdict("y", "b@x", "reject"),
        ]
    )
    assert [(r.item_id, r.annotator, r.label, r.subtask_id) for r in ratings] == [
        ("x", "b@x", "correct:A,B", "lge_pattern"),
        ("x", "a@x", "accept", "lge_pattern"),
        ("y", "b@x", "reject", "lge_pattern"),
    ]
    assert list(annotator_counts(ratings).items()) == [("a@x", 1), ("b@x", 2)]


def test_outcome_rows_wait_for_the_reads_the_project_requires():
    one_read = [verdict("x", "a@x", "reject", reads_required=2)]
    [waiting] = outcome_rows(one_read, {})
    assert (waiting["status"], waiting["decided_by"]) == ("pending", [])
    assert waiting["provenance"]["verdicts"] == [{"annotator": "a@x", "label": "reject"}]
    two_reads = one_read + [verdict("x", "b@x", "reject", annotation_id=2, reads_required=2)]
    [decided] = outcome_rows(two_reads, {"x": waiting})
    assert (decided["status"], decided["decided_by"]) == ("rejected", ["a@x", "b@x"])
