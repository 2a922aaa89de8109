"""The rules that keep items honest, one by one."""

from __future__ import annotations

import pytest

from qaforge.generate.answers import derive_answer
from qaforge.generate.catalogue import load_catalogue

from .conftest import finding  # noqa: TID252

CATALOGUE = load_catalogue()


def answer(subtask_id, *findings, include_possible=False):
    result = derive_answer(
        CATALOGUE.subtask(subtask_id), list(findings), include_possible=include_possible
    )
    return result if isinstance(result, str) else result.keys


def test_silence_makes_no_item_and_an_explicit_negative_makes_a_no():
    assert answer("lge_presence") == "silent"
    assert answer("lge_presence", finding("cine.lv_size", "normal")) == "silent"
    assert answer("lge_presence", finding("lge.presence", "absent")) == ("no",)
    assert answer("lge_presence", finding("lge.presence", "present")) == ("yes",)


def test_a_positive_somewhere_beats_a_spared_wall_but_two_sizes_conflict():
    spared = finding("lge.presence", "absent", walls=["septal"])
    lesion = finding("lge.presence", "present", walls=["lateral"])
    assert answer("lge_presence", spared, lesion) == ("yes",)
    assert (
        answer(
            "cine_lv_size", finding("cine.lv_size", "normal"), finding("cine.lv_size", "dilated")
        )
        == "conflicting"
    )


def test_possible_findings_make_no_item_unless_allowed():
    hedged = finding("t2.edema", "present", certainty="possible")
    assert answer("t2_edema", hedged) == "possible"
    assert answer("t2_edema", hedged, include_possible=True) == ("yes",)
    assert answer("t2_edema", finding("t2.edema", "present", certainty="probable")) == ("yes",)


def test_locations_need_every_lesion_placed_and_inside_the_options():
    basal = finding("lge.presence", "present", levels=["basal"], walls=["inferior"])
    mid = finding("lge.presence", "present", levels=["mid", "apical"], walls=["inferolateral"])
    unplaced = finding("lge.presence", "present")
    assert answer("lge_levels", mid, basal) == ("basal", "mid", "apical")
    assert answer("lge_walls", basal, mid) == ("inferior", "inferolateral")
    assert answer("lge_levels", basal, unplaced) == "unlocalized"
    coarse = finding("lge.presence", "present", walls=["septal"])
    assert answer("lge_walls", coarse) == "outside_options"
    assert answer("lge_wall_regions", coarse, mid) == ("septal", "lateral")
    assert answer("lge_segments", finding("lge.presence", "present", segments=[12, 3])) == (
        "3",
        "12",
    )


def test_a_spared_wall_is_no_place_of_disease():
    spared = finding("lge.presence", "absent", walls=["septal"])
    assert answer("lge_walls", spared) == "silent"


def test_multiple_choice_values_and_ignored_values():
    mitral = finding("cine.valve_regurgitation", "mitral")
    tricuspid = finding("cine.valve_regurgitation", "tricuspid")
    none = finding("cine.valve_regurgitation", "none")
    assert answer("cine_regurgitant_valves", tricuspid, mitral) == ("mitral", "tricuspid")
    assert answer("cine_regurgitant_valves", none) == "silent"
    assert answer("cine_valve_regurgitation", none) == ("no",)
    assert answer("cine_valve_regurgitation", none, mitral) == ("yes",)
    assert answer("lge_pattern", finding("lge.pattern", "diffuse")) == "outside_options"
    infarct = finding("lge.pattern", "subendocardial")
    assert answer("lge_ischemic_pattern", infarct, finding("lge.pattern", "transmural")) == (
        "ischemic",
    )
    assert (
        answer("lge_ischemic_pattern", infarct, finding("lge.pattern", "midwall")) == "conflicting"
    )


@pytest.mark.parametrize(
    ("lvef", "band"),
    [
        (12.0, "lt30"),
        (29.9, "lt30"),
        (30.0, "30_39"),
        (49.5, "40_49"),
        (50.0, "50_69"),
        (70.0, "ge70"),
        (85.0, "ge70"),
    ],
)
def test_numbers_fall_into_half_open_bands(lvef, band):
    assert answer("cine_lvef_range", finding("cine.lvef", lvef)) == (band,)


def test_two_numbers_in_different_bands_conflict():
    assert (
        answer("cine_lvef_range", finding("cine.lvef", 35.0), finding("cine.lvef", 55.0))
        == "conflicting"
    )
    assert answer("cine_lvef_range", finding("cine.lvef", 35.0), finding("cine.lvef", 36.0)) == (
        "30_39",
    )


def test_report_items_take_the_sequence_codes_only():
    subtask = CATALOGUE.subtask("report_t2")
    found = derive_answer(
        subtask,
        [
            finding("t2.edema", "present"),
            finding("lge.presence", "present"),
            finding("t2.pattern", "midwall"),
        ],
        include_possible=False,
    )
    assert {item.finding.code for item in found.findings} == {"t2.edema", "t2.pattern"}
