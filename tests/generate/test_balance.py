"""The majority cap and the chi-square test of letter positions."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qaforge.generate.balance import (
    capped_item_ids,
    chi_square_uniform_p,
    majority_limit,
)


def test_chi_square_p_with_one_degree_of_freedom_is_the_normal_tail():
    # [30, 10]: expected 20 each, statistic = 2 * 10^2 / 20 = 10; with one degree of
    # freedom the chi-square tail is P(|Z| > sqrt(10)) = erfc(sqrt(10 / 2)).
    assert chi_square_uniform_p([30, 10]) == pytest.approx(math.erfc(math.sqrt(5)), rel=1e-12)


def test_chi_square_p_with_two_degrees_of_freedom_has_a_closed_form():
    # [10, 20, 30]: expected 20, statistic = (100 + 0 + 100) / 20 = 10; Q(1, x/2) = exp(-x/2).
    assert chi_square_uniform_p([10, 20, 30]) == pytest.approx(math.exp(-5), rel=1e-12)


def test_uniform_counts_are_not_rejected_and_lopsided_counts_are():
    assert chi_square_uniform_p([250, 250, 250, 250]) == pytest.approx(1.0)
    assert chi_square_uniform_p([400, 200, 200, 200]) < 1e-6
    assert chi_square_uniform_p([7]) == 1.0


counts_strategy = st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6).filter(
    lambda counts: sum(counts) > 0
)


@given(counts_strategy, st.sampled_from([0.3, 0.5, 0.6, 0.75, 0.9]))
def test_majority_limit_is_the_largest_level_that_respects_the_cap(counts, cap):
    limit = majority_limit(counts, cap)
    if limit is None:
        assert max(counts) <= cap * sum(counts)
        return
    kept = [min(count, limit) for count in counts]
    assert sum(kept) == 0 or max(kept) <= cap * sum(kept)
    if limit < max(counts):
        bigger = [min(count, limit + 1) for count in counts]
        assert max(bigger) > cap * sum(bigger)


def test_one_answer_only_leaves_nothing_and_a_cap_of_one_changes_nothing():
    assert majority_limit([12], 0.5) == 0
    assert majority_limit([12, 1], 1.0) is None


@given(
    st.lists(
        st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.sampled_from(["yes", "no", "maybe"])),
        min_size=1,
        max_size=200,
    ),
    st.integers(min_value=0, max_value=3),
)
def test_capped_items_leave_no_majority_above_half(pairs, seed):
    entries = [(f"item{number}", subtask, answer) for number, (subtask, answer) in enumerate(pairs)]
    capped = capped_item_ids(entries, cap=0.5, seed=seed)
    kept = [entry for entry in entries if entry[0] not in capped]
    for subtask in {subtask for _, subtask, _ in kept}:
        answers = Counter(answer for _, name, answer in kept if name == subtask)
        assert max(answers.values()) <= 0.5 * sum(answers.values())
    # Only majority classes lose items: a class at or under the limit keeps all.
    assert capped <= {entry[0] for entry in entries}


def test_the_cap_keeps_the_same_items_when_one_more_arises():
    entries = [(f"item{n}", "t", "yes" if n % 4 else "no") for n in range(400)]
    before = capped_item_ids(entries, cap=0.5, seed=0)
    after = capped_item_ids(entries + [("item-new", "t", "no")], cap=0.5, seed=0)
    # One more "no" lets exactly one more "yes" stay; nobody else moves.
    assert len(before - after) == 1 and not (after - before)
