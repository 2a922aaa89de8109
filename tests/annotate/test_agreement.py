"""Agreement between annotators: kappas checked against hand-worked examples (pure)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from qaforge.annotate.agreement import (
    PairAgreement,
    Rating,
    agreement_report,
    cohen_kappa,
    disagreements,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)


def expand(table: list[tuple[int, ...]], labels: tuple[str, ...]) -> list[list[str]]:
    """Items from a count table: row i says how many raters gave each label to item i."""
    return [
        [label for label, count in zip(labels, row, strict=True) for _ in range(count)]
        for row in table
    ]


def rating(item: str, subtask: str, annotator: str, label: str) -> Rating:
    return Rating(item_id=item, subtask_id=subtask, annotator=annotator, label=label)


# ---------------------------------------------------------------------------
# Cohen's kappa


# 50 items, rater A by rows, rater B by columns:
#             B yes  B no
#   A yes       20     5    (A yes: 25)
#   A no        10    15    (A no:  25)
#   (B yes: 30, B no: 20)
TEXTBOOK_PAIRS = (
    [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
)


def test_cohen_kappa_textbook_two_by_two():
    # po = (20 + 15) / 50 = 0.7
    # pe = P(A yes) P(B yes) + P(A no) P(B no) = 0.5 * 0.6 + 0.5 * 0.4 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert cohen_kappa(TEXTBOOK_PAIRS) == pytest.approx(0.4)


def test_cohen_kappa_three_labels_uses_each_raters_own_marginals():
    # Labels are opaque: correct:B and correct:C are different categories.
    # A: accept x3, reject x1, correct:B x2;  B: accept x2, reject x2, correct:C x2.
    pairs = [
        ("accept", "accept"),
        ("accept", "accept"),
        ("accept", "reject"),
        ("reject", "reject"),
        ("correct:B", "correct:C"),
        ("correct:B", "correct:C"),
    ]
    # po = 3 / 6 = 1/2
    # pe = (3/6)(2/6) [accept] + (1/6)(2/6) [reject] + (2/6)(0) + (0)(2/6) = 8/36 = 2/9
    # kappa = (1/2 - 2/9) / (1 - 2/9) = (5/18) / (7/9) = 5/14
    assert cohen_kappa(pairs) == pytest.approx(5 / 14)


def test_cohen_kappa_perfect_agreement_is_one():
    # po = 1, pe = 0.5 * 0.5 + 0.5 * 0.5 = 0.5 -> kappa = 0.5 / 0.5 = 1
    assert cohen_kappa([("accept", "accept"), ("reject", "reject")] * 3) == pytest.approx(1.0)


def test_cohen_kappa_systematic_disagreement_is_negative():
    # Every pair differs: po = 0; each rater says accept half the time, pe = 0.5
    # kappa = (0 - 0.5) / (1 - 0.5) = -1
    pairs = [("accept", "reject"), ("reject", "accept")] * 5
    assert cohen_kappa(pairs) == pytest.approx(-1.0)


def test_cohen_kappa_disjoint_labels_is_zero_not_undefined():
    # A always accepts, B always rejects: pe = 1 * 0 + 0 * 1 = 0, po = 0 -> kappa = 0
    assert cohen_kappa([("accept", "reject")] * 4) == pytest.approx(0.0)


@pytest.mark.parametrize(
    "pairs",
    [
        pytest.param([], id="no pairs"),
        pytest.param([("accept", "accept")] * 7, id="one same label throughout (pe = 1)"),
    ],
)
def test_cohen_kappa_undefined_is_none(pairs):
    assert cohen_kappa(pairs) is None


def test_cohen_kappa_is_symmetric_in_the_raters():
    swapped = [(b, a) for a, b in TEXTBOOK_PAIRS]
    assert cohen_kappa(swapped) == pytest.approx(0.4)


LABELS = st.sampled_from(["accept", "reject", "correct:B", "correct:C"])


@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=30))
def test_cohen_kappa_symmetric_and_at_most_one(pairs):
    kappa = cohen_kappa(pairs)
    swapped = cohen_kappa([(b, a) for a, b in pairs])
    if kappa is None:
        assert swapped is None
    else:
        assert swapped == pytest.approx(kappa)
        assert -1.0 - 1e-9 <= kappa <= 1.0 + 1e-9


# ---------------------------------------------------------------------------
# Fleiss' kappa

CATEGORIES = ("accept", "reject", "correct:B")

# 10 items x 3 raters x 3 categories; columns: accept, reject, correct:B.
#   item  counts     P_i = sum n_ij (n_ij - 1) / (3 * 2)
#    1    3 0 0      6/6 = 1
#    2    3 0 0      1
#    3    0 3 0      1
#    4    0 0 3      1
#    5    2 1 0      2/6 = 1/3
#    6    2 0 1      1/3
#    7    1 2 0      1/3
#    8    0 1 2      1/3
#    9    1 1 1      0
#   10    0 2 1      1/3
#   sum  12 10 8     (30 ratings)
# P_bar = (4 + 5 * 1/3 + 0) / 10 = 17/30
# p = 12/30, 10/30, 8/30 -> Pe = (144 + 100 + 64) / 900 = 77/225
# kappa = (17/30 - 77/225) / (1 - 77/225) = (101/450) / (148/225) = 101/296 ~ 0.3412
TEN_BY_THREE = [
    (3, 0, 0),
    (3, 0, 0),
    (0, 3, 0),
    (0, 0, 3),
    (2, 1, 0),
    (2, 0, 1),
    (1, 2, 0),
    (0, 1, 2),
    (1, 1, 1),
    (0, 2, 1),
]

# Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories;
# it reports P_bar = 0.378, Pe = 0.213 and kappa = 0.210 (rounded to 3 places).
WIKIPEDIA_14_RATERS = [
    (0, 0, 0, 0, 14),
    (0, 2, 6, 4, 2),
    (0, 0, 3, 5, 6),
    (0, 3, 9, 2, 0),
    (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0),
    (3, 2, 6, 3, 0),
    (2, 5, 3, 2, 2),
    (6, 5, 2, 1, 0),
    (0, 2, 2, 3, 7),
]


def test_fleiss_kappa_worked_example():
    assert fleiss_kappa(expand(TEN_BY_THREE, CATEGORIES)) == pytest.approx(101 / 296)


def test_fleiss_kappa_published_example():
    items = expand(WIKIPEDIA_14_RATERS, ("1", "2", "3", "4", "5"))
    assert fleiss_kappa(items) == pytest.approx(0.210, abs=5e-4)


def classic_fleiss(table: list[tuple[int, ...]]) -> float:
    """Fleiss (1971) from a count table with n raters on each of N items.

    P_i = (sum_j n_ij^2 - n) / (n (n - 1)); p_j = sum_i n_ij / (N n).
    """
    n_items, n = len(table), sum(table[0])
    p_bar = sum((sum(c * c for c in row) - n) / (n * (n - 1)) for row in table) / n_items
    p = [sum(row[j] for row in table) / (n_items * n) for j in range(len(table[0]))]
    pe = sum(x * x for x in p)
    return (p_bar - pe) / (1 - pe)


@pytest.mark.parametrize(
    ("table", "labels"),
    [
        pytest.param(TEN_BY_THREE, CATEGORIES, id="10x3"),
        pytest.param(WIKIPEDIA_14_RATERS, ("1", "2", "3", "4", "5"), id="10x14"),
    ],
)
def test_fleiss_kappa_with_equal_raters_is_the_classic_formula(table, labels):
    assert fleiss_kappa(expand(table, labels)) == pytest.approx(classic_fleiss(table))


VARYING_RATERS = [
    ["a", "a"],
    ["a", "a", "b"],
    ["a", "b", "b", "b"],
    ["b"],  # one rating: not pairable, left out
    [],
]


def test_fleiss_kappa_is_undefined_when_the_number_of_raters_varies():
    # statsmodels' Fleiss' kappa assumes one number of raters per item.
    assert fleiss_kappa(VARYING_RATERS) is None


def test_krippendorff_alpha_varying_raters_per_item():
    # Coincidences (each ordered pair of ratings within an item, weighted 1 / (m - 1)):
    #   [a a]: o_aa += 2;  [a a b]: o_aa += 1, o_ab += 1, o_ba += 1;
    #   [a b b b]: o_ab += 1, o_ba += 1, o_bb += 2
    # n_a = 5, n_b = 4, n = 9; disagreeing coincidences o_ab + o_ba = 4
    # alpha = 1 - (n - 1) * 4 / (2 * n_a * n_b) = 1 - 8 * 4 / 40 = 1/5
    assert krippendorff_alpha(VARYING_RATERS) == pytest.approx(1 / 5, abs=1e-12)


def test_krippendorff_alpha_with_two_raters_and_no_missing_is_scotts_pi_corrected():
    # Two raters, n items: alpha = 1 - (2n - 1) * D / sum_{c != k} n_c n_k with D the
    # disagreeing coincidences; on TEXTBOOK_PAIRS: n = 50, 15 disagreeing items -> 30
    # coincidences; yes = 55, no = 45 ratings -> 2 * 55 * 45 = 4950
    # alpha = 1 - 99 * 30 / 4950 = 1 - 0.6 = 0.4
    items = [[a, b] for a, b in TEXTBOOK_PAIRS]
    assert krippendorff_alpha(items) == pytest.approx(0.4, abs=1e-12)


def test_fleiss_kappa_with_two_raters_is_scotts_pi():
    items = [[a, b] for a, b in TEXTBOOK_PAIRS]
    # Scott's pi pools both raters' labels for the chance term:
    # yes = (25 + 30) / 100 = 0.55, no = 0.45 -> pe = 0.55^2 + 0.45^2 = 0.505
    # po = 0.7 -> pi = (0.7 - 0.505) / (1 - 0.505) = 0.195 / 0.495 = 13/33
    # (Cohen's kappa on the same pairs is 0.4: the two differ only in pe.)
    assert fleiss_kappa(items) == pytest.approx(13 / 33)


@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=30))
def test_fleiss_kappa_with_two_raters_matches_scotts_pi_formula(pairs):
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    pooled = Counter(a for a, _ in pairs) + Counter(b for _, b in pairs)
    expected = sum((c / (2 * n)) ** 2 for c in pooled.values())
    kappa = fleiss_kappa([list(pair) for pair in pairs])
    if len(pooled) == 1:
        assert kappa is None
    else:
        assert kappa == pytest.approx((observed - expected) / (1 - expected))


@given(st.lists(st.lists(LABELS, min_size=2, max_size=5), min_size=1, max_size=12), st.randoms())
def test_fleiss_kappa_ignores_item_and_rater_order(items, random):
    shuffled = [random.sample(labels, len(labels)) for labels in items]
    random.shuffle(shuffled)
    kappa, again = fleiss_kappa(items), fleiss_kappa(shuffled)
    assert (kappa is None) == (again is None)
    if kappa is not None:
        assert again == pytest.approx(kappa)


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([], id="no items"),
        pytest.param([["accept"], ["reject"]], id="only single ratings"),
        pytest.param([["accept", "accept"], ["accept", "accept", "accept"]], id="Pe = 1"),
    ],
)
def test_fleiss_kappa_undefined_is_none(items):
    assert fleiss_kappa(items) is None


def test_percent_agreement_counts_items_with_two_ratings_only():
    items = [["a", "a"], ["a", "b"], ["b", "b", "b"], ["a", "a", "b"], ["a"]]
    # usable: the first four; all-equal: the first and third -> 2/4
    assert percent_agreement(items) == pytest.approx(0.5)
    assert percent_agreement([["a"], []]) is None


# ---------------------------------------------------------------------------
# agreement_report and disagreements

# Given in an order that is neither by subtask nor by annotator, to check the sorting.
RATINGS = [
    rating("j1", "s2", "carol", "correct:B"),
    rating("j1", "s2", "alice", "correct:B"),
    rating("j2", "s2", "carol", "correct:C"),
    rating("j2", "s2", "alice", "correct:B"),
    rating("j3", "s2", "bob", "accept"),  # single rating
    rating("i1", "s1", "bob", "accept"),
    rating("i1", "s1", "alice", "accept"),
    rating("i2", "s1", "alice", "reject"),  # replaced by alice's later rating of i2
    rating("i2", "s1", "bob", "reject"),
    rating("i3", "s1", "alice", "reject"),
    rating("i3", "s1", "bob", "reject"),
    rating("i3", "s1", "carol", "reject"),
    rating("i4", "s1", "carol", "accept"),  # single rating
    rating("i2", "s1", "alice", "accept"),
]
# After the re-rating, the items are:
#   s1: i1 [accept accept] (alice, bob), i2 [accept reject] (alice, bob),
#       i3 [reject reject reject] (alice, bob, carol), i4 [accept] (carol)
#   s2: j1 [B B] (alice, carol), j2 [B C] (alice, carol), j3 [accept] (bob)


def pair(a: str, b: str, n: int, kappa: float | None, observed: float) -> PairAgreement:
    return PairAgreement(annotator_a=a, annotator_b=b, n_items=n, kappa=kappa, observed=observed)


def assert_pairs(actual: tuple[PairAgreement, ...], expected: list[PairAgreement]) -> None:
    assert [(p.annotator_a, p.annotator_b, p.n_items) for p in actual] == [
        (p.annotator_a, p.annotator_b, p.n_items) for p in expected
    ]
    for got, want in zip(actual, expected, strict=True):
        assert got.observed == pytest.approx(want.observed)
        if want.kappa is None:
            assert got.kappa is None
        else:
            assert got.kappa == pytest.approx(want.kappa)


def test_agreement_report_subtask_s1():
    report = agreement_report(RATINGS)
    assert [s.subtask_id for s in report.subtasks] == ["s1", "s2"]
    s1 = report.subtasks[0]
    assert (s1.n_items, s1.n_multi) == (4, 3)  # i4 counts as an item, not as rated twice
    # i1 and i3 agree, i2 does not
    assert s1.percent_agreement == pytest.approx(2 / 3)
    # i3 has three raters, i1 and i2 two: Fleiss' kappa is undefined.
    assert s1.fleiss is None
    # Krippendorff over i1, i2, i3 (i4 left out): o_aa = 2, o_ar = o_ra = 1, o_rr = 3;
    # n_accept = 3, n_reject = 4, n = 7 -> alpha = 1 - 6 * 2 / (2 * 3 * 4) = 1/2
    assert s1.krippendorff_alpha == pytest.approx(0.5, abs=1e-12)
    assert_pairs(
        s1.pairs,
        [
            # shared i1, i2, i3: (acc, acc), (acc, rej), (rej, rej) -> po = 2/3
            # alice acc 2 rej 1, bob acc 1 rej 2 -> pe = (2*1 + 1*2) / 9 = 4/9
            # kappa = (2/3 - 4/9) / (5/9) = 2/5
            pair("alice", "bob", 3, 0.4, 2 / 3),
            # shared i3 only (carol's i4 is hers alone): one label throughout -> undefined
            pair("alice", "carol", 1, None, 1.0),
            pair("bob", "carol", 1, None, 1.0),
        ],
    )


def test_agreement_report_subtask_s2():
    s2 = agreement_report(RATINGS).subtasks[1]
    assert (s2.subtask_id, s2.n_items, s2.n_multi) == ("s2", 3, 2)
    assert s2.percent_agreement == pytest.approx(1 / 2)  # j1 agrees, j2 does not
    # Fleiss over j1, j2: P_bar = (1 + 0) / 2 = 1/2; B 3, C 1 of 4 -> Pe = (9 + 1) / 16 = 5/8
    # kappa = (1/2 - 5/8) / (3/8) = -1/3
    assert s2.fleiss == pytest.approx(-1 / 3, abs=1e-12)
    # o_BB = 2, o_BC = o_CB = 1; n_B = 3, n_C = 1, n = 4 -> alpha = 1 - 3 * 2 / (2 * 3) = 0
    assert s2.krippendorff_alpha == pytest.approx(0.0, abs=1e-12)
    # bob shares no item with anyone in s2, so alice / carol is the only pair:
    # (B, B), (B, C): po = 1/2; alice B 2, carol B 1 C 1 -> pe = 2*1 / 4 = 1/2 -> kappa 0
    assert_pairs(s2.pairs, [pair("alice", "carol", 2, 0.0, 0.5)])


def test_agreement_report_overall_combines_subtasks():
    overall = agreement_report(RATINGS).overall
    assert (overall.subtask_id, overall.n_items, overall.n_multi) == ("all", 7, 5)
    assert overall.percent_agreement == pytest.approx(3 / 5)  # i1, i3, j1 of i1-i3, j1, j2
    assert overall.fleiss is None  # i3 has three raters, the others two
    # disagreeing coincidences: 2 (i2) + 2 (j2) = 4; n = 11 ratings:
    # accept 3, reject 4, correct:B 3, correct:C 1 -> sum_{c != k} n_c n_k = 121 - 35 = 86
    # alpha = 1 - 10 * 4 / 86 = 23/43
    assert overall.krippendorff_alpha == pytest.approx(23 / 43, abs=1e-12)
    assert_pairs(
        overall.pairs,
        [
            pair("alice", "bob", 3, 0.4, 2 / 3),  # as in s1: j3 is bob's alone
            # shared i3, j1, j2: (rej, rej), (B, B), (B, C) -> po = 2/3
            # alice rej 1 B 2, carol rej 1 B 1 C 1 -> pe = (1*1 + 2*1) / 9 = 1/3
            # kappa = (2/3 - 1/3) / (2/3) = 1/2
            pair("alice", "carol", 3, 0.5, 2 / 3),
            pair("bob", "carol", 1, None, 1.0),
        ],
    )


def test_agreement_report_re_rating_replaces_the_earlier_one():
    ratings = [
        rating("i1", "s1", "alice", "reject"),
        rating("i1", "s1", "bob", "accept"),
        rating("i1", "s1", "alice", "accept"),
        rating("i2", "s1", "alice", "reject"),
        rating("i2", "s1", "bob", "reject"),
    ]
    overall = agreement_report(ratings).overall
    # Two annotators per item, not three: i1 is [accept, accept], i2 [reject, reject].
    assert (overall.n_items, overall.n_multi) == (2, 2)
    assert overall.percent_agreement == pytest.approx(1.0)
    # P_bar = 1; accept 2, reject 2 of 4 -> Pe = 1/2 -> kappa = 1
    assert overall.fleiss == pytest.approx(1.0)
    assert_pairs(overall.pairs, [pair("alice", "bob", 2, 1.0, 1.0)])


def test_agreement_report_single_ratings_count_as_items_only():
    with_singles = agreement_report(RATINGS).subtasks[0]
    without = agreement_report(r for r in RATINGS if r.item_id != "i4").subtasks[0]
    assert (with_singles.n_items, without.n_items) == (4, 3)
    assert with_singles.n_multi == without.n_multi == 3
    assert with_singles.krippendorff_alpha == pytest.approx(without.krippendorff_alpha)
    assert with_singles.percent_agreement == pytest.approx(without.percent_agreement)


def test_agreement_report_without_ratings():
    report = agreement_report([])
    assert report.subtasks == ()
    overall = report.overall
    assert (overall.subtask_id, overall.n_items, overall.n_multi) == ("all", 0, 0)
    assert overall.percent_agreement is None and overall.fleiss is None
    assert overall.krippendorff_alpha is None
    assert overall.pairs == ()


def test_disagreements_lists_items_whose_labels_differ():
    assert disagreements(RATINGS) == {
        "i2": {"alice": "accept", "bob": "reject"},
        "j2": {"alice": "correct:B", "carol": "correct:C"},
    }


def test_disagreements_uses_the_last_rating_of_each_annotator():
    ratings = [
        rating("i1", "s1", "alice", "reject"),
        rating("i1", "s1", "bob", "accept"),
        rating("i1", "s1", "alice", "accept"),  # now agrees with bob
        rating("i2", "s1", "bob", "accept"),
        rating("i2", "s1", "bob", "reject"),  # one annotator only, however often
    ]
    assert disagreements(ratings) == {}


def test_rating_is_frozen():
    r = rating("i1", "s1", "alice", "accept")
    with pytest.raises(ValidationError):
        r.label = "reject"
