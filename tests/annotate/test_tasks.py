"""Tasks from review items, verdicts from annotations, outcomes from verdicts (pure)."""

from __future__ import annotations

import xml.dom.minidom

import pytest

from qaforge.annotate.config import labeling_config
from qaforge.annotate.outcome import decide
from qaforge.annotate.tasks import (
    AnnotationFormatError,
    evidence_html,
    evidence_sentence,
    parse_annotation,
    prediction,
    queue_order,
    shown_slices,
    task_data,
    withdrawn_task_data,
)
from qaforge.domain.annotation import REJECT_REASONS, Evidence, Rated, ReviewItem, ReviewSlice

REPORT = (
    "Clinical indication: chest pain. The left ventricle is mildly dilated. "
    "There is subendocardial late enhancement of the basal inferior wall.\nConclusion: ischaemic scar."
)


def review_item(**changes) -> ReviewItem:
    start = REPORT.index("late enhancement")
    values = dict(
        item_id="item-1",
        study_id="STU-1",
        subtask_id="lge_pattern",
        tier="image_understanding",
        sequence="lge",
        answer_type="single_choice",
        question="What is the pattern of late enhancement?",
        options={"A": "Subendocardial", "B": "Mid-wall", "C": "None"},
        answer="A",
        model_version="lge_pattern.q1@v1/run-abc",
        evidence=(Evidence(report_text=REPORT, start=start, end=start + len("late enhancement")),),
        image_paths=("images/ab/ab12.png", "images/cd/cd 34.png"),
    )
    values.update(changes)
    return ReviewItem(**values)


def choices(name: str, *values: str) -> dict:
    return {
        "from_name": name,
        "to_name": "question",
        "type": "choices",
        "value": {"choices": list(values)},
    }


def text(name: str, value: str) -> dict:
    return {
        "from_name": name,
        "to_name": "question",
        "type": "textarea",
        "value": {"text": [value]},
    }


@pytest.mark.parametrize("answer_type", ["single_choice", "multiple_choice", "open_text"])
@pytest.mark.parametrize("purpose", ["review", "adjudication"])
def test_labeling_config_is_xml_with_the_fields_tasks_fill(answer_type, purpose):
    config = labeling_config(answer_type, purpose)
    document = xml.dom.minidom.parseString(config)
    names = {node.getAttribute("name") for node in document.getElementsByTagName("*")}
    assert {
        "question",
        "evidence",
        "verdict",
        "answer",
        "reject_reason",
        "comment",
    } <= names
    assert ("prior_verdicts" in names) == (purpose == "adjudication")
    verdict = next(
        n for n in document.getElementsByTagName("Choices") if n.getAttribute("name") == "verdict"
    )
    assert verdict.getAttribute("required") == "true"
    assert [c.getAttribute("value") for c in verdict.getElementsByTagName("Choice")] == [
        "accept",
        "correct",
        "reject",
    ]
    reasons = next(
        n
        for n in document.getElementsByTagName("Choices")
        if n.getAttribute("name") == "reject_reason"
    )
    assert (
        tuple(c.getAttribute("value") for c in reasons.getElementsByTagName("Choice"))
        == REJECT_REASONS
    )
    answer_tags = [
        n for n in document.getElementsByTagName("*") if n.getAttribute("name") == "answer"
    ]
    assert len(answer_tags) == 1
    if answer_type == "open_text":
        assert answer_tags[0].tagName == "TextArea"
    else:
        assert answer_tags[0].getAttribute("value") == "$option_choices"
        expected = "multiple" if answer_type == "multiple_choice" else "single-radio"
        assert answer_tags[0].getAttribute("choice") == expected
    (grid,) = document.getElementsByTagName("Repeater")
    assert grid.getAttribute("on") == "$slices"
    (image,) = grid.getElementsByTagName("Image")
    assert image.getAttribute("value") == "$slices[{{idx}}].url"
    for control in ("brightnessControl", "contrastControl", "zoomControl"):
        assert image.getAttribute(control) == "true"
    assert image.getAttribute("maxWidth"), "a small slice must not be blown up"
    variables = set()
    for node in document.getElementsByTagName("*"):
        for attribute in ("value", "valueList", "on"):
            if node.getAttribute(attribute).startswith("$"):
                variables.add(node.getAttribute(attribute)[1:].split("[")[0])
    data = task_data(
        review_item(
            answer_type=answer_type, options={} if answer_type == "open_text" else {"A": "x"}
        ),
        prior_verdicts_html="<ul></ul>" if purpose == "adjudication" else "",
    )
    assert variables <= set(data), "every $field of the config is in the task data"


def test_evidence_sentence_is_the_sentence_around_the_span():
    start = REPORT.index("basal inferior")
    left, right = evidence_sentence(REPORT, start, start + 14)
    assert (
        REPORT[left:right] == "There is subendocardial late enhancement of the basal inferior wall."
    )
    start = REPORT.index("ischaemic")
    left, right = evidence_sentence(REPORT, start, start + 9)
    assert REPORT[left:right] == "Conclusion: ischaemic scar."


def test_evidence_html_escapes_and_marks_only_the_span():
    report = "Scar <5% & patchy in the septum. Next."
    start = report.index("patchy")
    item = review_item(evidence=(Evidence(report_text=report, start=start, end=start + 6),))
    assert evidence_html(item) == "<p>Scar &lt;5% &amp; <mark>patchy</mark> in the septum.</p>"


def test_task_data_shows_the_item_and_hashes_its_content():
    item = review_item()
    data = task_data(item)
    assert data["qaforge_item_id"] == "item-1"
    assert data["question"] == item.question
    assert data["option_choices"] == [
        {"value": "A. Subendocardial"},
        {"value": "B. Mid-wall"},
        {"value": "C. None"},
    ]
    assert data["proposed_answer"] == "A. Subendocardial"
    assert data["images"] == [
        "/data/local-files/?d=images/ab/ab12.png",
        "/data/local-files/?d=images/cd/cd%2034.png",
    ]
    assert "<mark>late enhancement</mark>" in data["evidence_html"]
    assert data == task_data(item)
    assert task_data(item, retired=True)["qaforge_task_sha256"] != data["qaforge_task_sha256"]
    assert task_data(item, retired=True)["header"].startswith("RETIRED")
    changed = review_item(image_paths=("images/ab/ab12.png",))
    assert task_data(changed)["qaforge_task_sha256"] != data["qaforge_task_sha256"]


def test_slices_show_by_series_slice_and_frame_with_their_rank():
    ranked = [  # (series, z, t) in rank order, as the clinical protocol may pick them
        (0, 3, 9),
        (0, 3, 0),
        (1, 0, 0),
        (0, 1, 5),
        (0, 3, 4),
    ]
    item = review_item(
        image_paths=tuple(f"img/{rank}.png" for rank in range(len(ranked))),
        slices=tuple(
            ReviewSlice(path=f"img/{rank}.png", rank=rank, series=series, z=z, t=t)
            for rank, (series, z, t) in enumerate(ranked)
        ),
    )
    assert shown_slices(item) == [
        {"url": "/data/local-files/?d=img/3.png", "caption": "#4 s1 z1 t5"},
        {"url": "/data/local-files/?d=img/1.png", "caption": "#2 s1 z3 t0"},
        {"url": "/data/local-files/?d=img/4.png", "caption": "#5 s1 z3 t4"},
        {"url": "/data/local-files/?d=img/0.png", "caption": "#1 s1 z3 t9"},
        {"url": "/data/local-files/?d=img/2.png", "caption": "#3 s2 z0 t0"},
    ]
    one_series = review_item(
        image_paths=("a.png", "b.png"),
        slices=(
            ReviewSlice(path="a.png", rank=0, series=0, z=2, t=7, phase="ES"),
            ReviewSlice(path="b.png", rank=1, series=0, z=2, t=3),
        ),
    )
    assert [s["caption"] for s in shown_slices(one_series)] == ["#2 z2 t3", "#1 z2 t7 ES"]
    # The benchmark's own order is left alone.
    assert task_data(item)["images"] == [f"/data/local-files/?d=img/{r}.png" for r in range(5)]


def test_slices_without_indices_show_in_rank_order():
    assert [s["caption"] for s in shown_slices(review_item())] == ["#1", "#2"]


def test_withdrawn_task_keeps_none_of_the_items_text():
    data = withdrawn_task_data("item-1", "blocked by the PHI scan")
    item = review_item()
    shown = " ".join(str(v) for v in data.values())
    assert item.question not in shown and "late enhancement" not in shown
    assert data["images"] == [] and data["slices"] == [] and data["qaforge_state"] == "retired"


def test_prediction_prefills_the_proposed_answer():
    assert prediction(review_item())["result"] == [choices("answer", "A. Subendocardial")]
    multi = review_item(answer_type="multiple_choice", answer=["A", "C"])
    assert prediction(multi)["result"][0]["value"] == {"choices": ["A. Subendocardial", "C. None"]}
    open_item = review_item(answer_type="open_text", options={}, answer="Inferior scar.")
    assert prediction(open_item)["result"] == [text("answer", "Inferior scar.")]
    assert prediction(open_item)["model_version"] == "lge_pattern.q1@v1/run-abc"


def test_queue_puts_conflicts_first_then_rare_subtasks():
    common = [review_item(item_id=f"c{i}", subtask_id="common") for i in range(3)]
    rare = review_item(item_id="r1", subtask_id="rare")
    conflict = review_item(item_id="x1", subtask_id="common", conflict=True)
    ordered = queue_order([*common, rare, conflict])
    assert [i.item_id for i in ordered] == ["x1", "r1", "c0", "c1", "c2"]


OPTIONS = {"A": "Subendocardial", "B": "Mid-wall", "C": "None"}


def test_parse_accept_reject_and_correct():
    accept = parse_annotation(
        [choices("verdict", "accept"), choices("answer", "A. Subendocardial")],
        options=OPTIONS,
        answer_type="single_choice",
    )
    assert (accept.verdict, accept.corrected_answer) == ("accept", None)
    reject = parse_annotation(
        [
            choices("verdict", "reject"),
            choices("reject_reason", "image quality"),
            text("comment", " blurred "),
        ],
        options=OPTIONS,
        answer_type="single_choice",
    )
    assert (reject.verdict, reject.reject_reason, reject.comment) == (
        "reject",
        "image quality",
        "blurred",
    )
    correct = parse_annotation(
        [choices("verdict", "correct"), choices("answer", "B. Mid-wall")],
        options=OPTIONS,
        answer_type="single_choice",
    )
    assert (correct.verdict, correct.corrected_answer) == ("correct", "B")
    multi = parse_annotation(
        [choices("verdict", "correct"), choices("answer", "C. None", "A. Subendocardial")],
        options=OPTIONS,
        answer_type="multiple_choice",
    )
    assert multi.corrected_answer == ["A", "C"]
    free = parse_annotation(
        [choices("verdict", "correct"), text("answer", "Mid-wall septal enhancement.")],
        options={},
        answer_type="open_text",
    )
    assert free.corrected_answer == "Mid-wall septal enhancement."


@pytest.mark.parametrize(
    ("result", "answer_type", "message"),
    [
        ([], "single_choice", "no verdict"),
        ([choices("verdict", "maybe")], "single_choice", "unknown verdict"),
        ([choices("verdict", "correct")], "single_choice", "without a corrected answer"),
        (
            [choices("verdict", "correct"), choices("answer", "D. Other")],
            "single_choice",
            "not one of",
        ),
        (
            [choices("verdict", "correct"), choices("answer", "A. Subendocardial", "B. Mid-wall")],
            "single_choice",
            "several answers",
        ),
        (
            [choices("verdict", "correct"), text("answer", "  ")],
            "open_text",
            "without a corrected answer",
        ),
    ],
)
def test_unreadable_annotations_say_why(result, answer_type, message):
    with pytest.raises(AnnotationFormatError, match=message):
        parse_annotation(result, options=OPTIONS, answer_type=answer_type)


def rated(annotator: str, verdict: str, answer=None) -> Rated:
    return Rated(annotator=annotator, verdict=verdict, corrected_answer=answer)


def test_outcomes_from_verdicts():
    assert decide("A", []).status == "pending"
    one = decide("A", [rated("r1", "accept")])
    assert (one.status, one.answer, one.decided_by) == ("verified", "A", ("r1",))
    agreed = decide("A", [rated("r1", "correct", "B"), rated("r2", "correct", "B")])
    assert (agreed.status, agreed.answer, agreed.decided_by) == ("corrected", "B", ("r1", "r2"))
    assert decide("A", [rated("r1", "reject"), rated("r2", "reject")]).status == "rejected"
    split = decide("A", [rated("r1", "accept"), rated("r2", "reject")])
    assert (split.status, split.answer) == ("needs_adjudication", None)
    other_answers = decide("A", [rated("r1", "correct", "B"), rated("r2", "correct", "C")])
    assert other_answers.status == "needs_adjudication"
    settled = decide(
        "A", [rated("r1", "accept"), rated("r2", "reject")], rated("adj", "correct", "C")
    )
    assert (settled.status, settled.answer, settled.decided_by) == ("corrected", "C", ("adj",))
    kept = decide("A", [rated("r1", "correct", "A")])
    assert (kept.status, kept.answer) == ("verified", "A")
    multi = decide(["A"], [rated("r1", "correct", ["C", "A"]), rated("r2", "correct", ["A", "C"])])
    assert (multi.status, multi.answer) == ("corrected", ["C", "A"])


def test_an_item_is_final_only_after_the_reads_its_project_requires():
    for verdict in ("accept", "reject"):
        assert decide("A", [rated("r1", verdict)], reads_required=2).status == "pending"
    one_correction = decide("A", [rated("r1", "correct", "B")], reads_required=2)
    assert (one_correction.status, one_correction.answer) == ("pending", None)
    both = decide("A", [rated("r1", "reject"), rated("r2", "reject")], reads_required=2)
    assert (both.status, both.decided_by) == ("rejected", ("r1", "r2"))
    two_of_three = decide("A", [rated("r1", "accept"), rated("r2", "accept")], reads_required=3)
    assert two_of_three.status == "pending"
    # A disagreement needs an adjudicator whatever is still to come.
    early_split = decide("A", [rated("r1", "accept"), rated("r2", "reject")], reads_required=3)
    assert early_split.status == "needs_adjudication"
    adjudicated = decide("A", [rated("r1", "accept")], rated("adj", "reject"), reads_required=2)
    assert adjudicated.status == "rejected"
