"""Slice selection: the pure helpers, the three protocols, and the clinical protocol on phantoms."""

from __future__ import annotations

import numpy as np
import pytest

from qaforge.images.protocols import (
    PROTOCOLS,
    Pick,
    SeriesFacts,
    budget_shares,
    coverage_slices,
    key_slices,
    select_slices,
    temporal_order,
)
from qaforge.sample.cases import SAMPLE_CASES

CINE_SAX_STUDIES = [case.study_id for case in SAMPLE_CASES if "cine_sax" in case.truth.series]
FULL_STUDY = "STU-0001"  # has every series kind
FULL_KEYS = ("cine_sax", "cine_4ch", "lge_sax", "perfusion_sax", "t2_sax")


def _facts(series_id: str, sequence: str, view: str, z: int, t: int, **extra) -> SeriesFacts:
    return SeriesFacts(series_id, sequence, view, z, t, **extra)


def _cine_sax(z: int = 6, t: int = 10, ed: int = 2, es: int = 6) -> SeriesFacts:
    return _facts("sax", "cine", "sax", z, t, ed_frame=ed, es_frame=es)


def _cine_long(view: str = "4ch", t: int = 10, ed: int = 2, es: int = 6) -> SeriesFacts:
    return _facts(view, "cine", view, 1, t, ed_frame=ed, es_frame=es)


def _with_thumbnails(facts: SeriesFacts, seed: int) -> SeriesFacts:
    rng = np.random.default_rng(seed)
    vectors = rng.random((facts.n_slices, facts.n_frames, 256))
    return SeriesFacts(**{**facts.__dict__, "thumbnails": vectors})


def _check_picks(picks: list[Pick], routed: list[SeriesFacts], budget: int) -> None:
    """Every protocol's output contract: at most K, no repeats, valid indexes."""
    sizes = {f.series_id: (f.n_slices, f.n_frames) for f in routed}
    assert len(picks) == min(budget, sum(z * t for z, t in sizes.values()))
    assert len(set(picks)) == len(picks)
    for pick in picks:
        n_slices, n_frames = sizes[pick.series_id]
        assert 0 <= pick.z < n_slices
        assert 0 <= pick.t < n_frames


# --- budget_shares -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "budget", "expected"),
    [
        ([10, 10, 10], 7, [3, 2, 2]),
        ([10, 1, 10], 7, [3, 1, 3]),
        ([2, 3], 100, [2, 3]),
        ([5], 3, [3]),
        ([0, 4], 3, [0, 3]),
        ([], 5, []),
        ([3, 3], 0, [0, 0]),
    ],
)
def test_budget_shares_examples(sizes, budget, expected):
    assert budget_shares(sizes, budget) == expected


@pytest.mark.parametrize("budget", range(0, 40))
def test_budget_shares_sum_fit_and_are_fair(budget):
    """Shares sum to min(K, total) and stay within each group; a group that is not full
    has at least as many as any later group and at most one fewer than any earlier one."""
    sizes = [4, 12, 1, 9, 0, 7]
    shares = budget_shares(sizes, budget)
    assert sum(shares) == min(budget, sum(sizes))
    assert all(0 <= share <= size for share, size in zip(shares, sizes, strict=True))
    for index, (share, size) in enumerate(zip(shares, sizes, strict=True)):
        if share < size:
            assert all(other <= share for other in shares[index + 1 :]), shares
            assert all(other <= share + 1 for other in shares[:index]), shares


# --- key_slices, temporal_order, coverage_slices ---------------------------------------------


def _stack(n_slices, *, order=None, lv=None):
    return SeriesFacts("s", "cine", "sax", n_slices, 10, slice_order=order, lv_slices=lv)


@pytest.mark.parametrize(
    ("n_slices", "expected"),
    [(1, (0,)), (2, (0, 1)), (3, (0, 1, 2)), (6, (1, 3, 5)), (7, (1, 4, 6)), (8, (1, 4, 7))],
)
def test_key_slices_are_the_middles_of_the_thirds(n_slices, expected):
    assert key_slices(_stack(n_slices)) == expected


@pytest.mark.parametrize("n_slices", range(1, 20))
def test_key_slices_are_distinct_sorted_and_in_range(n_slices):
    keys = key_slices(_stack(n_slices))
    assert list(keys) == sorted(set(keys))
    assert all(0 <= z < n_slices for z in keys)
    assert len(keys) == min(3, n_slices)


def test_key_slices_are_thirds_of_the_lv_extent_base_first():
    """LV on slices 2..10 of 12 (as in UK Biobank): keys inside it; apex-first reverses them."""
    assert key_slices(_stack(12, lv=(2, 10))) == (3, 6, 9)
    assert key_slices(_stack(12, order="apex_first", lv=(2, 10))) == (9, 6, 3)


@pytest.mark.parametrize(
    ("n_frames", "ed", "es"),
    [(20, 6, 14), (16, 0, 6), (18, 15, 4), (2, 1, 0), (5, 3, 3), (1, 0, 0)],
)
def test_temporal_order_excludes_ed_puts_es_first_and_lists_each_frame_once(n_frames, ed, es):
    order = temporal_order(n_frames, ed, es)
    assert ed not in order
    assert sorted(order) == [t for t in range(n_frames) if t != ed]
    if es != ed:
        assert order[0] == es


def test_temporal_order_spreads_frames_over_the_cycle():
    """After ED 0 and ES 4 of 8, the farthest frame from both (cyclically) is 2 or 6: 2 first."""
    assert temporal_order(8, 0, 4) == [4, 2, 6, 1, 3, 5, 7]


def test_temporal_order_measures_distance_around_the_cycle():
    """Frame 9 of 10 is next to frame 0, so it is not the farthest from ED 0 and ES 5."""
    order = temporal_order(10, 0, 5)
    assert order[:3] == [5, 2, 7]
    assert order.index(9) > order.index(3)


@pytest.mark.parametrize("n_slices", range(1, 13))
@pytest.mark.parametrize("count", range(1, 15))
def test_coverage_slices_are_distinct_in_range_and_base_to_apex(n_slices, count):
    slices = coverage_slices(_stack(n_slices), count)
    assert slices == sorted(set(slices))
    assert len(slices) == min(count, n_slices)
    assert all(0 <= z < n_slices for z in slices)


def test_coverage_slices_are_the_middles_of_equal_parts():
    assert coverage_slices(_stack(7), 1) == [3]
    assert coverage_slices(_stack(7), 3) == [1, 3, 5]
    assert coverage_slices(_stack(8), 4) == [1, 3, 5, 7]
    assert coverage_slices(_stack(4), 9) == [0, 1, 2, 3]


@pytest.mark.parametrize("count", range(1, 10))
@pytest.mark.parametrize("lv", [(2, 10), (0, 5), (3, 3), (1, 11)])
@pytest.mark.parametrize("order", ["base_first", "apex_first"])
def test_coverage_never_leaves_the_lv_while_lv_slices_remain(count, lv, order):
    slices = coverage_slices(_stack(12, order=order, lv=lv), count)
    lv_slices = set(range(lv[0], lv[1] + 1))
    assert len(slices) == min(count, 12)
    assert set(slices[: len(lv_slices)]) <= lv_slices
    inside = [z for z in slices if z in lv_slices]
    assert inside == sorted(inside, reverse=order == "apex_first")  # base first


def test_coverage_of_an_lv_extent_one_slice_too_long_still_shows_lv():
    """Found LV 1..10 where the truth is 2..10: four picks all fall inside the truth."""
    assert set(coverage_slices(_stack(12, lv=(1, 10)), 4)) <= set(range(2, 11))


# --- select_slices: contract of every protocol -----------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("budget", [1, 3, 6, 25, 500])
def test_every_protocol_returns_at_most_k_distinct_valid_picks(protocol, budget):
    routed = [
        _with_thumbnails(_cine_sax(), 1),
        _with_thumbnails(_cine_long("4ch"), 2),
        _with_thumbnails(_facts("lge", "lge", "sax", 6, 1), 3),
        _with_thumbnails(_facts("perf", "perfusion", "sax", 3, 8, peak_frames=(4, 5, 4)), 4),
    ]
    picks = select_slices(protocol, routed, budget, seed=3)
    _check_picks(picks, routed, budget)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_protocol_with_nothing_routed_picks_nothing(protocol):
    assert select_slices(protocol, [], 5) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_select_slices_rejects_a_budget_below_one(protocol):
    with pytest.raises(ValueError, match="budget must be at least 1"):
        select_slices(protocol, [_cine_sax()], 0)


def test_select_slices_rejects_an_unknown_protocol():
    with pytest.raises(ValueError, match="unknown protocol 'best'"):
        select_slices("best", [_cine_sax()], 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_same_seed_gives_the_same_selection_on_the_phantoms(facts, protocol):
    routed = [facts(FULL_STUDY, key) for key in FULL_KEYS]
    first = select_slices(protocol, routed, 12, seed=7)
    second = select_slices(protocol, list(routed), 12, seed=7)
    assert first == second
    _check_picks(first, routed, 12)


def test_a_different_seed_changes_the_random_selection(facts):
    routed = [facts(FULL_STUDY, key) for key in FULL_KEYS]
    assert select_slices("random", routed, 12, seed=0) != select_slices(
        "random", routed, 12, seed=1
    )


@pytest.mark.parametrize("protocol", ["clinical", "data-driven"])
def test_the_deterministic_protocols_ignore_the_seed(facts, protocol):
    routed = [facts(FULL_STUDY, key) for key in FULL_KEYS]
    assert select_slices(protocol, routed, 12, seed=0) == select_slices(
        protocol, routed, 12, seed=1
    )


def test_random_depends_on_the_routed_series():
    """Two routings of the same size draw differently under the same seed."""
    one = select_slices("random", [_facts("a", "lge", "sax", 10, 10)], 10, seed=0)
    other = select_slices("random", [_facts("b", "lge", "sax", 10, 10)], 10, seed=0)
    assert [(p.z, p.t) for p in one] != [(p.z, p.t) for p in other]


def test_random_takes_every_image_when_k_exceeds_them():
    routed = [_facts("a", "lge", "sax", 3, 2), _facts("b", "lge", "4ch", 1, 1)]
    picks = select_slices("random", routed, 50, seed=4)
    assert sorted(picks) == sorted(
        [Pick("a", z, t) for z in range(3) for t in range(2)] + [Pick("b", 0, 0)]
    )


# --- clinical -----------------------------------------------------------------------------------


@pytest.mark.parametrize("study_id", CINE_SAX_STUDIES)
def test_clinical_at_k_equal_to_the_slices_returns_the_ed_frame_of_every_slice(
    phantom, facts, study_id
):
    """Facts measured from the phantom voxels; the answer compared with the drawn truth."""
    sax = facts(study_id, "cine_sax")
    truth = phantom(study_id, "cine_sax").truth
    n_slices = truth["shape"][2]
    picks = select_slices("clinical", [sax], n_slices)
    assert picks == [Pick(sax.series_id, z, truth["ed_frame"]) for z in range(n_slices)]


@pytest.mark.parametrize("study_id", CINE_SAX_STUDIES[:5])
def test_clinical_ed_of_every_slice_comes_before_the_long_axes(phantom, facts, study_id):
    """With the long axes routed after the stack, K = Z still gives the stack at ED."""
    sax = facts(study_id, "cine_sax")
    routed = [sax, facts(study_id, "cine_4ch"), facts(study_id, "cine_2ch")]
    truth = phantom(study_id, "cine_sax").truth
    n_slices = truth["shape"][2]
    picks = select_slices("clinical", routed, n_slices)
    assert picks == [Pick(sax.series_id, z, truth["ed_frame"]) for z in range(n_slices)]


def test_clinical_cine_below_the_slice_count_spreads_ed_from_base_to_apex():
    picks = select_slices("clinical", [_cine_sax(z=7, ed=3)], 3)
    assert picks == [Pick("sax", 1, 3), Pick("sax", 3, 3), Pick("sax", 5, 3)]
    assert select_slices("clinical", [_cine_sax(z=7, ed=3)], 1) == [Pick("sax", 3, 3)]


def test_clinical_cine_after_ed_takes_the_key_slices_es_first_in_turn():
    sax = _cine_sax(z=6, t=10, ed=2, es=6)  # key slices 1, 3, 5
    picks = select_slices("clinical", [sax], 6 + 6)
    assert picks[:6] == [Pick("sax", z, 2) for z in range(6)]
    assert picks[6:9] == [Pick("sax", 1, 6), Pick("sax", 3, 6), Pick("sax", 5, 6)]
    second = temporal_order(10, 2, 6)[1]
    assert picks[9:12] == [Pick("sax", 1, second), Pick("sax", 3, second), Pick("sax", 5, second)]


def test_clinical_cine_covers_the_key_slices_before_the_others():
    sax = _cine_sax(z=6, t=10, ed=2, es=6)
    picks = select_slices("clinical", [sax], 6 + 3 * 9)
    assert {p.z for p in picks[6:]} == {1, 3, 5}
    everything = select_slices("clinical", [sax], 60)
    assert len(everything) == 60
    assert {p.z for p in everything[33:]} == {0, 2, 4}


def test_clinical_cine_takes_the_long_axes_after_the_whole_stack():
    sax, four = _cine_sax(z=3, t=4, ed=0, es=2), _cine_long("4ch", t=4, ed=1, es=3)
    picks = select_slices("clinical", [sax, four], 14)
    assert [p.series_id for p in picks] == ["sax"] * 12 + ["4ch"] * 2
    assert picks[12:] == [Pick("4ch", 0, 1), Pick("4ch", 0, 3)]


def test_clinical_cine_with_a_long_axis_primary_takes_the_long_axes_first():
    four, two = _cine_long("4ch", t=6, ed=1, es=3), _cine_long("2ch", t=6, ed=0, es=2)
    sax = _cine_sax(z=3, t=6, ed=0, es=2)
    picks = select_slices("clinical", [four, two, sax], 5)
    assert picks == [
        Pick("4ch", 0, 1),
        Pick("2ch", 0, 0),
        Pick("4ch", 0, 3),
        Pick("2ch", 0, 2),
        Pick("4ch", 0, temporal_order(6, 1, 3)[1]),
    ]


def test_clinical_lge_spreads_slices_then_goes_to_the_other_views():
    routed = [_facts("sax", "lge", "sax", 8, 1), _facts("4ch", "lge", "4ch", 1, 1)]
    assert select_slices("clinical", routed, 4) == [Pick("sax", z, 0) for z in (1, 3, 5, 7)]
    picks = select_slices("clinical", routed, 9)
    assert picks == [Pick("sax", z, 0) for z in range(8)] + [Pick("4ch", 0, 0)]


def test_clinical_perfusion_takes_each_slice_peak_then_the_frames_around_it():
    perfusion = _facts("perf", "perfusion", "sax", 3, 10, peak_frames=(4, 5, 9))
    picks = select_slices("clinical", [perfusion], 9)
    assert picks[:3] == [Pick("perf", 0, 4), Pick("perf", 1, 5), Pick("perf", 2, 9)]
    assert picks[3:9] == [
        Pick("perf", 0, 5),
        Pick("perf", 1, 6),
        Pick("perf", 2, 8),
        Pick("perf", 0, 3),
        Pick("perf", 1, 4),
        Pick("perf", 2, 7),
    ]
    assert len(select_slices("clinical", [perfusion], 100)) == 30


def test_clinical_overall_shares_the_budget_among_sequences_in_turn(facts):
    routed = [facts(FULL_STUDY, key) for key in FULL_KEYS]
    picks = select_slices("clinical", routed, 4)
    sequences = [routed_facts.sequence for routed_facts in routed]
    by_id = dict(zip([f.series_id for f in routed], sequences, strict=True))
    assert [by_id[p.series_id] for p in picks] == ["cine", "lge", "perfusion", "t2"]
    perfusion = facts(FULL_STUDY, "perfusion_sax")
    assert picks[2] == Pick(perfusion.series_id, 0, perfusion.peak_frames[0])


# --- data-driven ----------------------------------------------------------------------------


def test_data_driven_picks_are_distinct_and_deterministic(facts):
    routed = [facts(FULL_STUDY, "cine_sax"), facts(FULL_STUDY, "cine_4ch")]
    total = sum(f.n_slices * f.n_frames for f in routed)
    first = select_slices("data-driven", routed, total)
    assert len(set(first)) == len(first) == total
    assert select_slices("data-driven", routed, total) == first
    assert select_slices("data-driven", routed, 5) == first[:5]


def test_data_driven_starts_at_highest_entropy_then_farthest_point():
    vectors = np.zeros((4, 1, 256))
    vectors[0, 0] = 0.45  # flat, near the ramp's middle: nearest to the first pick
    vectors[1, 0] = np.linspace(0.0, 1.0, 256)  # spread values: the highest entropy
    vectors[2, 0] = 0.1  # flat and dark
    vectors[3, 0] = 1.0  # flat and bright: the farthest from the ramp
    routed = [_facts("s", "t2", "sax", 4, 1, thumbnails=vectors)]
    picks = select_slices("data-driven", routed, 4)
    assert picks == [Pick("s", 1, 0), Pick("s", 3, 0), Pick("s", 2, 0), Pick("s", 0, 0)]


def test_data_driven_still_picks_distinct_images_when_thumbnails_repeat():
    routed = [_facts("s", "lge", "sax", 5, 1, thumbnails=np.full((5, 1, 256), 0.5))]
    picks = select_slices("data-driven", routed, 5)
    assert sorted(picks) == [Pick("s", z, 0) for z in range(5)]


def test_data_driven_without_thumbnails_raises():
    with pytest.raises(ValueError, match="series sax has no thumbnails"):
        select_slices("data-driven", [_cine_sax()], 3)


def test_series_facts_equality_ignores_thumbnails():
    plain = _cine_sax()
    assert _with_thumbnails(plain, 0) == plain


def test_clinical_cine_of_an_apex_first_stack_goes_from_the_base_and_stays_in_the_lv():
    """Stored apex first with LV on slices 1..8 of 10: ED picks start at the base (high z)."""
    sax = _facts(
        "sax",
        "cine",
        "sax",
        10,
        12,
        ed_frame=4,
        es_frame=9,
        slice_order="apex_first",
        lv_slices=(1, 8),
    )
    picks = select_slices("clinical", [sax], 4)
    assert [pick.z for pick in picks] == [7, 5, 3, 1]
    assert all(pick.t == 4 for pick in picks)
    everything = select_slices("clinical", [sax], 10)
    assert [pick.z for pick in everything] == [8, 7, 6, 5, 4, 3, 2, 1, 9, 0]
