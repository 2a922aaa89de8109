"""Export records from item views (pure): verification, skips, records, provenance, the plan."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from qaforge.domain.export import SCHEMA_VERSION, export_record_json_schema
from qaforge.export.records import (
    ItemVerification,
    answer_fields,
    export_record,
    item_verification,
    plan_export,
    provenance_line,
    record_line,
    skip_reason,
)

from .conftest import REPORT, image, view  # noqa: TID252


@pytest.mark.parametrize(
    ("verdict", "outcome", "expected"),
    [
        (None, None, ItemVerification()),
        (
            {"verdict": "accept", "corrected_answer": None},
            None,
            ItemVerification(status="verified"),
        ),
        (
            {"verdict": "correct", "corrected_answer": "A"},
            None,
            ItemVerification(status="corrected", corrected_answer="A"),
        ),
        ({"verdict": "demo_accept"}, None, ItemVerification(status="demo_verified")),
        ({"verdict": "reject", "corrected_answer": None}, None, ItemVerification()),
        # A decided review outcome wins over the latest single verification...
        (
            {"verdict": "accept", "corrected_answer": None},
            {"status": "corrected", "answer": ["A", "C"]},
            ItemVerification(status="corrected", corrected_answer=["A", "C"]),
        ),
        (
            {"verdict": "accept"},
            {"status": "rejected", "answer": None},
            ItemVerification(review="rejected"),
        ),
        (
            {"verdict": "accept"},
            {"status": "needs_adjudication", "answer": None},
            ItemVerification(review="needs_adjudication"),
        ),
        # ... and so does a pending one: reads still missing, or the verdicts went stale.
        (
            {"verdict": "accept", "corrected_answer": None},
            {"status": "pending", "answer": None},
            ItemVerification(review="pending"),
        ),
    ],
)
def test_item_verification_lets_a_decided_review_outcome_win(verdict, outcome, expected):
    assert item_verification(verdict, outcome) == expected


def test_skip_reasons_come_in_order_blocked_unverified_no_split():
    unverified, verified = ItemVerification(), ItemVerification(status="verified")
    no_split = view(split=None)
    assert skip_reason(no_split, unverified, blocked=True, include_unverified=False) == "blocked"
    assert (
        skip_reason(no_split, unverified, blocked=False, include_unverified=False) == "unverified"
    )
    assert skip_reason(no_split, unverified, blocked=False, include_unverified=True) == "no_split"
    assert skip_reason(view(), verified, blocked=False, include_unverified=False) is None
    assert skip_reason(view(), unverified, blocked=False, include_unverified=True) is None


def test_rejected_and_adjudicated_items_are_named_as_such_and_rejected_never_exports():
    rejected = ItemVerification(review="rejected")
    disputed = ItemVerification(review="needs_adjudication")
    waiting = ItemVerification(review="pending")
    for include in (False, True):
        assert (
            skip_reason(view(), rejected, blocked=False, include_unverified=include) == "rejected"
        )
    assert skip_reason(view(), disputed, blocked=False, include_unverified=False) == (
        "in_adjudication"
    )
    assert skip_reason(view(), waiting, blocked=False, include_unverified=False) == "unverified"
    assert skip_reason(view(), rejected, blocked=True, include_unverified=False) == "blocked"


def test_a_record_from_a_hand_made_view_has_the_expected_fields():
    record = export_record(view(), ItemVerification(status="verified"))
    assert record.id == "item-1" and record.split == "train"
    assert (record.tier, record.sequence, record.subtask) == (
        "image_understanding",
        "lge",
        "lge_presence",
    )
    assert record.options == {"A": "Yes", "B": "No"} and record.answer == ["B"]
    assert record.answer_text == "No"
    assert record.images == [f"images/{'a' * 64}.png", f"images/{'b' * 64}.png"]
    assert [p.model_dump() for p in record.image_provenance] == [
        {"series_id": "ser-1", "z": 3, "t": 0, "protocol": "clinical", "budget": 16, "rank": 0},
        {"series_id": "ser-1", "z": 4, "t": 0, "protocol": "clinical", "budget": 16, "rank": 1},
    ]
    assert record.verification == "verified" and record.schema_version == SCHEMA_VERSION
    line = record_line(record)
    jsonschema.validate(json.loads(line), export_record_json_schema())
    assert list(json.loads(line)) == sorted(json.loads(line))
    assert REPORT not in line and "STU-0001" not in line


def test_a_corrected_answer_replaces_the_generated_one_and_unverified_is_said():
    corrected = export_record(view(), ItemVerification(status="corrected", corrected_answer="A"))
    assert corrected.answer == ["A"] and corrected.answer_text == "Yes"
    assert corrected.verification == "corrected"
    # A correction without an answer keeps the generated one.
    kept = export_record(view(), ItemVerification(status="corrected"))
    assert kept.answer == ["B"]
    assert export_record(view(), ItemVerification()).verification == "unverified"


def keyed(text: str) -> str:
    """A stand-in keyed hash: which function keys it is the pipeline's (tests/pipeline)."""
    return hashlib.sha256(b"salt:" + text.encode()).hexdigest()


def test_the_provenance_line_hashes_the_study_and_the_report_and_keeps_the_evidence():
    item = view()
    record = export_record(item, ItemVerification(status="verified"))
    origin = json.loads(provenance_line(item, record, keyed_hash=keyed))
    assert origin == {
        "id": "item-1",
        "study_id_hmac": keyed("STU-0001"),
        "template": {"id": "lge_presence.q1", "version": 2},
        "extraction_run": "run-0123456789abcdef",
        "catalogue_sha256": "d" * 64,
        "evidence": ["Moderate pericardial effusion.", "No LGE."],
        "report_hmac": [keyed(REPORT)],
        "slices": [p.model_dump() for p in record.image_provenance],
    }


def test_the_plan_leaves_out_blocked_unverified_unsplit_and_phi_items_and_copies_images_once():
    shared = image(0, "a" * 64, root="/data/img")
    views = [
        view("i1"),
        view("i2", split="test", images=(shared, image(1, "c" * 64))),
        view("i3"),
        view("i4"),
        view("i5", split=None),
        view("i6", question="Is there LGE, Mr Smith?"),
    ]
    verified = ItemVerification(status="verified")
    plan = plan_export(
        views,
        verifications={v.id: verified for v in views if v.id != "i4"},
        blocked={"i3"},
        include_unverified=False,
        has_phi=lambda text: "Mr Smith" in text,
        redact_text=str,
        keyed_hash=keyed,
    )
    assert plan.skipped == {"blocked": 2, "unverified": 1, "no_split": 1}
    assert plan.record_counts() == {"test": 1, "train": 1}
    assert [json.loads(line)["id"] for line in plan.records["train"]] == ["i1"]
    assert [json.loads(line)["id"] for line in plan.provenance] == ["i1", "i2"]
    assert plan.images == {
        f"images/{'a' * 64}.png": Path("/data/img") / shared.path,
        f"images/{'b' * 64}.png": Path("/data/img/clinical/k16") / f"{'b' * 64}.png",
        f"images/{'c' * 64}.png": Path("/data/img/clinical/k16") / f"{'c' * 64}.png",
    }
    assert [(e.split, e.subtask, e.answer_text) for e in plan.exported] == [
        ("train", "lge_presence", "No"),
        ("test", "lge_presence", "No"),
    ]
    files = plan.text_files()
    assert sorted(files) == ["data/test.jsonl", "data/train.jsonl", "provenance.jsonl"]
    assert files["data/train.jsonl"] == plan.records["train"][0] + "\n"
    assert files["provenance.jsonl"].count("\n") == 2 and files["provenance.jsonl"].endswith("\n")


def test_an_empty_plan_writes_an_empty_provenance_file_and_no_split_file():
    plan = plan_export(
        [view()],
        verifications={},
        blocked=set(),
        include_unverified=False,
        has_phi=bool,
        redact_text=str,
        keyed_hash=keyed,
    )
    assert plan.skipped == {"unverified": 1}
    assert plan.text_files() == {"provenance.jsonl": ""}


def test_with_include_unverified_every_record_says_unverified():
    plan = plan_export(
        [view()],
        verifications={},
        blocked=set(),
        include_unverified=True,
        has_phi=lambda _: False,
        redact_text=str,
        keyed_hash=keyed,
    )
    (line,) = plan.records["train"]
    assert json.loads(line)["verification"] == "unverified"


def test_the_plan_redacts_the_evidence_it_writes_to_provenance_and_scans_the_result():
    items = [view("i1"), view("i2")]
    verified = {v.id: ItemVerification(status="verified") for v in items}
    plan = plan_export(
        items,
        verifications=verified,
        blocked=set(),
        include_unverified=False,
        has_phi=lambda text: "LGE" in text and "i2" in text,
        redact_text=lambda text: text.replace("pericardial", "[X]"),
        keyed_hash=keyed,
    )
    (line,) = plan.provenance
    assert json.loads(line)["evidence"] == ["Moderate [X] effusion.", "No LGE."]
    assert plan.skipped == {"blocked": 1}, "a hit in the provenance line leaves the item out"


@pytest.mark.parametrize(
    ("answer_type", "options", "answer", "expected"),
    [
        ("single_choice", {"A": "Yes", "B": "No"}, "B", (["B"], "No")),
        ("single_choice", {"A": "Yes", "B": "No"}, ["A"], (["A"], "Yes")),
        (
            "multiple_choice",
            {"A": "basal", "B": "mid", "C": "apical"},
            ["C", "A"],
            (["A", "C"], "basal; apical"),
        ),
        ("open_text", {}, "Dilated LV.", ([], "Dilated LV.")),
        ("open_text", {}, ["Dilated LV.", "No LGE."], ([], "Dilated LV.; No LGE.")),
    ],
)
def test_answer_is_always_letters_and_answer_text_always_a_string(
    answer_type, options, answer, expected
):
    assert answer_fields(answer_type, options, answer) == expected
