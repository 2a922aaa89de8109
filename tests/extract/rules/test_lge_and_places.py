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


def test_sparing_a_layer_is_the_lesions_depth_not_a_negative():
    text = "Subepicardial LGE in the basal lateral wall sparing the subendocardium."
    assert of_code(text, "lge.presence") == {("present", ("basal",), ("lateral",), ())}
    assert of_code(text, "lge.pattern") == {("subepicardial", (), (), ())}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("LGE showed a 50-75% transmural scar in the anterior wall.", "lge.pattern"),
        ("Circumferential pericardial effusion; patchy LGE in the septum.", "lge.distribution"),
        ("Early gadolinium enhancement with a global rise in signal.", "lge.distribution"),
        ("A thin rim of enhancement around the effusion.", "cine.wall_thickness"),
        ("A thin compacted layer in the apical lateral segments.", "cine.wall_thickness"),
        ("Transmural infarct with microvascular obstruction.", "cine.lvot_obstruction"),
    ],
)
def test_words_that_describe_something_else_give_no_finding(text, code):
    found = of_code(text, code)
    if code == "lge.distribution":
        assert ("diffuse", (), (), ()) not in found
    else:
        assert found == set()


def test_lge_named_by_its_timing_is_the_images():
    assert of_code("LGE at 10 minutes without enhancement.", "lge.presence") == {
        ("absent", (), (), ())
    }


def test_a_finding_elsewhere_does_not_take_the_place_before_it():
    text = "Akinesia of the anterior wall from base to apex, hypokinesia elsewhere."
    assert ("hypokinetic", (), (), ()) in of_code(text, "cine.wall_motion")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LGE of the anteroapical region.", ("present", ("apical",), ("anterior",), ())),
        ("LGE of the infero-basal wall.", ("present", ("basal",), ("inferior",), ())),
        ("LGE of the apicolateral wall.", ("present", ("apical",), ("lateral",), ())),
        (
            "LGE of the apical anterior and inferior segments.",
            ("present", ("apical",), ("anterior", "inferior"), (13, 15)),
        ),
        (
            "LGE of the basal and mid inferolateral segments.",
            ("present", ("basal", "mid"), ("inferolateral",), (5, 11)),
        ),
        ("LGE of the apical segments.", ("present", ("apical",), (), ())),
    ],
)
def test_compound_place_words_and_named_segment_lists(text, expected):
    assert of_code(text, "lge.presence") == {expected}


def test_a_segment_list_over_two_levels_and_two_walls_gives_no_numbers():
    text = "LGE of the basal and mid inferior and inferoseptal segments."
    assert of_code(text, "lge.presence") == {
        ("present", ("basal", "mid"), ("inferoseptal", "inferior"), ())
    }


def test_the_place_of_a_bracketed_maximum_is_not_the_thickenings():
    text = "A mildly hypertrophied LV (max 15 mm, anteroseptum) with normal volumes."
    assert of_code(text, "cine.wall_thickness") == {("thickened", (), (), ())}


@pytest.mark.parametrize(
    "text",
    [
        "Patchy midwall LGE at the RV-LV junctions.",
        "Focal LGE at the junction of the RV with the septum.",
    ],
)
def test_the_rv_lv_junction_is_the_insertion_point(text):
    assert of_code(text, "lge.distribution") >= {("rv_insertion_point", (), (), ())}
