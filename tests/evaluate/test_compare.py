"""Paired comparison of two models: McNemar and permutation p-values against hand computations."""

from __future__ import annotations

import itertools

import pytest
from scipy.stats import binomtest

from qaforge.evaluate.compare import compare_scores

FOUR = {"A": "Anterior", "B": "Septal", "C": "Inferior", "D": "Lateral"}


def rec(identifier, answer, answer_type="single_choice", tier="diagnosis", subtask="dx"):
    return {
        "id": identifier,
        "answer": answer,
        "options": FOUR,
        "answer_type": answer_type,
        "tier": tier,
        "sequence": "cine",
        "subtask": subtask,
        "split": "test",
    }


def test_accuracy_difference_and_exact_mcnemar_per_tier():
    records = [rec(str(i), "A") for i in range(10)] + [
        rec(f"u{i}", "B", tier="image_understanding", subtask="u") for i in range(4)
    ]
    first = {str(i): "A" for i in range(8)} | {f"u{i}": "B" for i in range(4)}  # 8/10, 4/4
    second = {str(i): "A" for i in range(1, 3)} | {"u0": "B"}  # 2/10, 1/4
    result = compare_scores(records, first, second)
    dx = result["by_tier"]["diagnosis"]
    assert dx["difference"] == pytest.approx(0.6)
    assert (dx["only_first_correct"], dx["only_second_correct"]) == (6, 0)
    assert dx["p_value"] == pytest.approx(binomtest(6, 6, 0.5).pvalue, rel=1e-12)  # 2 / 2^6
    assert dx["p_value"] == pytest.approx(2 / 64, rel=1e-12)
    assert result["by_tier"]["image_understanding"]["p_value"] == pytest.approx(
        binomtest(3, 3, 0.5).pvalue, rel=1e-12
    )
    assert result["overall"]["p_value"] == pytest.approx(binomtest(9, 9, 0.5).pvalue, rel=1e-12)


def micro_f1(pairs):
    hit = sum(len(g & p) for g, p in pairs)
    chosen = sum(len(p) for _, p in pairs)
    wanted = sum(len(g) for g, _ in pairs)
    precision, recall = (hit / chosen if chosen else 0.0), hit / wanted
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def test_f1_difference_has_the_exact_paired_permutation_p_value():
    gold = [frozenset("AC"), frozenset("B"), frozenset("BD"), frozenset("A"), frozenset("CD")]
    outputs_a = ["A, C", "B", "B, D", "A, B", "C"]
    outputs_b = ["A", "C", "B", "A", "A, B, C, D"]
    records = [
        rec(str(i), sorted(g), "multiple_choice", "image_understanding", "m")
        for i, g in enumerate(gold)
    ]
    first = {str(i): o for i, o in enumerate(outputs_a)}
    second = {str(i): o for i, o in enumerate(outputs_b)}
    result = compare_scores(records, first, second)["f1"]["multiple_choice_micro_f1"]
    sets_a = [frozenset(o.replace(" ", "").split(",")) for o in outputs_a]
    sets_b = [frozenset(o.replace(" ", "").split(",")) for o in outputs_b]
    observed = micro_f1(list(zip(gold, sets_a, strict=True))) - micro_f1(
        list(zip(gold, sets_b, strict=True))
    )
    assert result["difference"] == pytest.approx(observed, abs=1e-4)
    # Every one of the 2^5 swaps of the two outcomes per item, by hand:
    extreme = 0
    for swaps in itertools.product([False, True], repeat=len(gold)):
        xs = [b if s else a for a, b, s in zip(sets_a, sets_b, swaps, strict=True)]
        ys = [a if s else b for a, b, s in zip(sets_a, sets_b, swaps, strict=True)]
        diff = micro_f1(list(zip(gold, xs, strict=True))) - micro_f1(
            list(zip(gold, ys, strict=True))
        )
        extreme += abs(diff) >= abs(observed) - 1e-12
    assert result["p_value"] == pytest.approx(extreme / 2 ** len(gold), rel=1e-12)


def test_the_f1_difference_interval_is_paired_and_holds_the_difference():
    gold = ["A", "B", "C", "D", "A", "B", "C", "D"]
    records = [rec(str(i), g) for i, g in enumerate(gold)]
    first = {str(i): g for i, g in enumerate(gold[:6])}  # six right
    second = {str(i): "A" for i in range(8)}  # two right
    row = compare_scores(records, first, second)["f1"]["diagnosis_macro_f1"]
    low, high = row["difference_ci95"]
    assert low <= row["difference"] <= high and low < high
    same = compare_scores(records, first, first)["f1"]["diagnosis_macro_f1"]
    assert same["difference"] == 0.0 and same["difference_ci95"] is None  # every resample 0
    assert same["p_value"] == pytest.approx(1.0)
