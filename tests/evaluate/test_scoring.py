"""Scoring hand-computed prediction files: every figure below was worked out by hand."""

from __future__ import annotations

import pytest

from qaforge.evaluate.parsing import parse_choice
from qaforge.evaluate.scoring import score

SIZE = {"A": "Small", "B": "Normal", "C": "Dilated"}
FOUR = {"A": "Anterior", "B": "Septal", "C": "Inferior", "D": "Lateral"}


def rec(identifier, answer, options, answer_type, tier="image_understanding", subtask="s"):
    """A record as the export writes it: letters in ``answer``, the open answer in ``answer_text``."""
    is_open = answer_type == "open_text"
    letters = [answer] if isinstance(answer, str) else answer
    return {
        "id": identifier,
        "answer": [] if is_open else letters,
        "answer_text": answer if is_open else "; ".join(options[x] for x in letters),
        "options": options,
        "answer_type": answer_type,
        "tier": tier,
        "sequence": "cine",
        "subtask": subtask,
        "split": "test",
    }


RECORDS = [
    rec("1", "C", SIZE, "single_choice", "diagnosis", "dx"),
    rec("2", "B", SIZE, "single_choice", "diagnosis", "dx"),
    rec("3", "A", SIZE, "single_choice", "diagnosis", "dx"),
    rec("4", ["A", "C"], FOUR, "multiple_choice"),
    rec("5", ["B", "D"], FOUR, "multiple_choice"),
    rec("6", ["A"], FOUR, "multiple_choice"),
    rec(
        "7",
        "Dilated LV. Moderate pericardial effusion.",
        {},
        "open_text",
        "report_generation",
        "rep",
    ),
]
OUTPUTS = {
    "1": "Answer: C",
    "2": "(a)",
    "3": "no idea",
    "4": "A, C",
    "5": "B and C",
    "7": "The LV is dilated.",
}


def findings_of(text: str) -> set[tuple[str, str]]:
    lowered = text.lower()
    return {
        pair
        for word, pair in (("dilated", ("lv", "dilated")), ("effusion", ("eff", "present")))
        if word in lowered
    }


@pytest.fixture(scope="module")
def result():
    return score(RECORDS, OUTPUTS, findings_of, seed=0)


def test_summary_counts_unparseable_and_missing_as_wrong(result):
    summary = result["summary"]
    assert summary["choice_items"] == 6 and summary["open_items"] == 1
    assert (
        summary["missing_predictions"] == 1 and summary["unparseable"] == 2
    )  # "no idea" and the missing 6
    assert summary["accuracy"]["value"] == pytest.approx(2 / 6, abs=1e-4)
    low, high = summary["accuracy"]["ci95"]
    assert 0.0 <= low <= 2 / 6 <= high <= 1.0


def test_multiple_choice_exact_match_and_micro_macro_scores(result):
    multi = result["multiple_choice"]
    assert multi["items"] == 3
    assert multi["exact_match"] == pytest.approx(1 / 3, abs=1e-4)
    assert multi["micro_precision"] == pytest.approx(0.75)
    assert multi["micro_recall"] == pytest.approx(0.6)
    assert multi["micro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert (
        multi["macro_precision"] == multi["macro_recall"] == multi["macro_f1"] == pytest.approx(0.5)
    )


def test_diagnosis_accuracy_macro_f1_confusion_and_collapse(result):
    assert result["diagnosis"]["accuracy"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["diagnosis"]["macro_f1"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    table = result["confusion"]["dx"]
    assert table["labels"] == ["Dilated", "Normal", "Small", "unparseable"]
    assert table["matrix"] == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    collapse = result["collapse"]["dx"]
    assert collapse["top_predicted"] == "Dilated"
    assert collapse["predicted_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert collapse["js_divergence"] == pytest.approx(1 / 3, abs=1e-4)


def test_report_generation_findings_f1_and_token_f1(result):
    report = result["report_generation"]
    assert report["findings_precision"] == 1.0 and report["findings_recall"] == 0.5
    assert report["findings_f1"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["token_f1"]["value"] == pytest.approx(0.4444, abs=1e-4)


def test_breakdowns_by_tier_and_subtask(result):
    assert result["by_tier"]["diagnosis"]["accuracy"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["by_tier"]["image_understanding"]["accuracy"]["value"] == pytest.approx(
        1 / 3, abs=1e-4
    )
    assert set(result["by_subtask"]) == {"dx", "s"}


def test_the_same_seed_gives_the_same_intervals():
    assert score(RECORDS, OUTPUTS, findings_of, seed=3) == score(
        RECORDS, OUTPUTS, findings_of, seed=3
    )


@pytest.mark.parametrize(
    ("output", "multiple", "expected"),
    [
        ("B", False, ["B"]),
        ("Answer: B", False, ["B"]),
        ("(c)", False, ["C"]),
        ("c", False, ["C"]),
        ("C.", False, ["C"]),
        ("The ventricle is dilated.", False, ["C"]),
        ("A and B look unlikely. The final answer is (C).", False, ["C"]),
        ("A dilated ventricle. Answer: C", False, ["C"]),
        ("**Answer:** B and C", True, ["B", "C"]),
        ("B, C and D", True, ["B", "C"]),
        ("I cannot tell from these images.", False, None),
        ("", False, None),
    ],
)
def test_answers_are_read_from_free_text(output, multiple, expected):
    options = SIZE if not multiple else {"A": "Small", "B": "Normal", "C": "Dilated"}
    assert parse_choice(output, options, multiple=multiple) == expected
