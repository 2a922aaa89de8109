"""Series analysis units: stacks grouped for analysis, LV extent placed by slice position."""

from __future__ import annotations

import numpy as np

from qaforge.images.series_facts import SeriesToAnalyse, lv_slices_by_position, stacks_to_analyse


def _affine(slice_mm: float, offset_mm: float) -> list[list[float]]:
    affine = np.diag([2.0, 2.0, slice_mm, 1.0])
    affine[2, 3] = offset_mm
    return affine.tolist()


def test_a_static_stack_takes_the_lv_slices_that_lie_within_the_cines():
    cine = _affine(8.0, 0.0)  # slices at z = 0, 8, ..., 72 mm; LV on slices 2..7 (16..56 mm)
    lge = _affine(10.0, -5.0)  # slices at z = -5, 5, 15, ..., 65 mm
    found = lv_slices_by_position(lge, (64, 64, 8), cine, (64, 64, 10), (2, 7))
    assert found == (2, 6)  # 15..55 mm, within 12..60 mm
    reversed_lge = np.array(lge)
    reversed_lge[:3, 3] += reversed_lge[:3, 2] * 7
    reversed_lge[:3, 2] *= -1  # the same slices stored the other way round
    assert lv_slices_by_position(
        reversed_lge.tolist(), (64, 64, 8), cine, (64, 64, 10), (2, 7)
    ) == (1, 5)


def test_stacks_that_do_not_overlap_give_no_lv():
    assert (
        lv_slices_by_position(
            _affine(8.0, 500.0), (64, 64, 6), _affine(8.0, 0.0), (64, 64, 10), (2, 7)
        )
        is None
    )


def _series(
    series_id: str, phase: str | None, affine=None, sequence: str = "cine"
) -> SeriesToAnalyse:
    affine = affine or _affine(8.0, 0.0)
    return SeriesToAnalyse(
        series_id,
        "S",
        sequence,
        "sax",
        f"/x/{series_id}",
        "",
        phase,
        (64, 64, 10),
        tuple(tuple(row) for row in affine),
    )


def test_the_ed_and_es_files_of_one_stack_are_analysed_together_ed_first():
    stacks = stacks_to_analyse(
        [_series("b_es", "es"), _series("a_ed", "ed"), _series("lge", None, sequence="lge")]
    )
    paired = [stack for stack in stacks if len(stack) == 2]
    assert [[member.series_id for member in stack] for stack in paired] == [["a_ed", "b_es"]]
    assert sum(len(stack) == 1 for stack in stacks) == 1


def test_phase_files_of_different_geometry_stay_apart():
    stacks = stacks_to_analyse([_series("a_ed", "ed"), _series("b_es", "es", _affine(8.0, 3.0))])
    assert sorted(len(stack) for stack in stacks) == [1, 1]
