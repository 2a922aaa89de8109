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


def test_summary_counts_unparseable_and_missing_apart_both_wrong(result):
    summary = result["summary"]
    assert summary["choice_items"] == 6 and summary["open_items"] == 1
    assert summary["missing_predictions"] == 1  # item 6 has no line
    assert summary["unparseable"] == 1  # "no idea"
    assert summary["accuracy"]["value"] == pytest.approx(2 / 6, abs=1e-4)
    # Wilson, z = 1.959964: centre (p + z^2/2n) / (1 + z^2/n), half-width
    # z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n) with p = 1/3, n = 6
    z, n, p = 1.959963984540054, 6, 1 / 3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    assert summary["accuracy"]["ci95"] == pytest.approx([centre - half, centre + half], abs=1e-4)
    assert summary["accuracy"]["ci_method"] == "wilson"


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
    assert set(result["by_subtask"]) == {"dx", "s", "rep"}
    assert result["by_subtask"]["rep"] == {"items": 1, "accuracy": None, "chance": None}


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
        ("A and C", True, ["A", "C"]),
        ("The answers are A and C.", True, ["A", "C"]),
        ("A or C, I think C", False, ["C"]),
        ("A small ventricle and C", True, ["C"]),
        ("I cannot tell from these images.", False, None),
        ("", False, None),
    ],
)
def test_answers_are_read_from_free_text(output, multiple, expected):
    options = SIZE if not multiple else {"A": "Small", "B": "Normal", "C": "Dilated"}
    assert parse_choice(output, options, multiple=multiple) == expected


def test_three_of_three_correct_gives_a_wilson_interval_not_one_one():
    records = [rec(str(i), "B", SIZE, "single_choice") for i in range(3)]
    accuracy = score(records, {str(i): "B" for i in range(3)}, findings_of)["summary"]["accuracy"]
    assert accuracy["value"] == 1.0
    low, high = accuracy["ci95"]
    # Wilson at p = 1, n = 3: low = n / (n + z^2) = 3 / 6.8415 = 0.4385, high = 1
    assert low == pytest.approx(3 / (3 + 1.959963984540054**2), abs=1e-4) and high == 1.0


def test_the_chance_level_is_one_over_the_options_or_one_over_the_non_empty_sets():
    records = [
        rec("1", "B", SIZE, "single_choice", subtask="three"),  # 1/3
        rec("2", "B", {"A": "Yes", "B": "No"}, "single_choice", subtask="mixed"),  # 1/2
        rec("3", "C", FOUR, "single_choice", subtask="mixed"),  # 1/4
        rec("4", ["A", "C"], FOUR, "multiple_choice", subtask="multi"),  # 1/(2^4 - 1)
    ]
    by_subtask = score(records, {}, findings_of)["by_subtask"]
    assert by_subtask["three"]["chance"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_subtask["mixed"]["chance"] == pytest.approx((1 / 2 + 1 / 4) / 2, abs=1e-4)
    assert by_subtask["multi"]["chance"] == pytest.approx(1 / 15, abs=1e-4)


def test_an_f1_of_identical_items_has_no_interval_and_says_so():
    records = [rec(str(i), ["A", "C"], FOUR, "multiple_choice") for i in range(4)]
    multi = score(records, {str(i): "A, C" for i in range(4)}, findings_of)
    diagnosis = score(RECORDS[:1], {"1": "C"}, findings_of)["diagnosis"]["macro_f1"]
    assert multi["multiple_choice"]["micro_f1"] == 1.0
    assert multi["multiple_choice"]["micro_f1_ci"] is None  # every resample scores 1
    assert (
        diagnosis["value"] == 1.0
        and diagnosis["ci95"] is None
        and "no interval" in diagnosis["ci_note"]
    )


def test_an_f1_interval_is_bca_and_holds_the_value(result):
    f1 = result["diagnosis"]["macro_f1"]
    assert f1["ci_method"] == "bca"
    low, high = f1["ci95"]
    assert 0.0 <= low <= f1["value"] <= high <= 1.0 and low < high
