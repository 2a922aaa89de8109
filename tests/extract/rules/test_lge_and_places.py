"""LGE terms that name the images, places of other structures, and compound wall names."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import RuleExtractor

EXTRACTOR = RuleExtractor()


def of_code(text: str, code: str) -> set[tuple]:
    """(value, levels, walls, segments) of the text's findings of ``code``."""
    return {
        (str(f.value), f.levels, f.walls, f.segments)
        for f in EXTRACTOR.extract(text)
        if f.code == code
    }


@pytest.mark.parametrize(
    "text",
    [
        "LGE imaging was acquired 12 minutes after contrast.",
        "Early gadolinium enhancement images show a filling gap in the apex.",
        "The pericardium is thick, with enhancing pericardium on LGE.",
    ],
)
def test_a_term_naming_the_images_or_the_pericardium_is_no_lge_finding(text):
    assert of_code(text, "lge.presence") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Basal short-axis LGE images show no enhancement.",
        "LGE demonstrated no scar.",
    ],
)
def test_images_that_show_nothing_give_one_unlocated_absent_finding(text):
    assert of_code(text, "lge.presence") == {("absent", (), (), ())}


def test_a_wall_word_of_a_papillary_muscle_is_no_lv_wall():
    text = "A focus of enhancement in the posteromedial and anterolateral papillary muscles."
    assert of_code(text, "lge.presence") == {("present", (), (), ())}


def test_segments_that_show_no_enhancement_are_a_localised_negative():
    text = "LGE shows transmural enhancement of the apex, while the basal segments showed no enhancement."
    assert ("absent", ("basal",), (), ()) in of_code(text, "lge.presence")


def test_there_is_does_not_refer_back_to_the_previous_place():
    text = "Subendocardial LGE in the basal inferior wall. There is also LGE at the RV insertion points."
    assert ("present", (), (), ()) in of_code(text, "lge.presence")


def test_an_aneurysm_noun_is_no_wall_motion_finding():
    assert of_code("No apical aneurysm.", "cine.wall_motion") == set()
    assert of_code("The apex is aneurysmal.", "cine.wall_motion") == {
        ("dyskinetic", ("apex",), (), ())
    }


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        ("inferior-lateral", "inferolateral"),
        ("anterior-septal", "anteroseptal"),
        ("anterior-lateral", "anterolateral"),
        ("inferior-septal", "inferoseptal"),
    ],
)
def test_hyphenated_wall_names_are_one_wall(wall, expected):
    text = f"Midwall LGE of the mid {wall} wall."
    assert of_code(text, "lge.presence") == {("present", ("mid",), (expected,), ())}
