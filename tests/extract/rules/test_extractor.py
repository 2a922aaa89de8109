"""The rule extractor on focused cases, one rule of ANNOTATION.md at a time."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import RuleExtractor

EXTRACTOR = RuleExtractor()


def found(text: str) -> set[tuple]:
    """(code, value, levels, walls, segments, certainty) of every finding."""
    return {
        (f.code, f.value, f.levels, f.walls, f.segments, f.certainty)
        for f in EXTRACTOR.extract(text)
    }


def codes(text: str) -> set[tuple[str, object]]:
    return {(f.code, f.value) for f in EXTRACTOR.extract(text)}


# --- targets, spellings and abbreviations -----------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The left ventricle is dilated.", {("cine.lv_size", "dilated")}),
        ("Normal LV size.", {("cine.lv_size", "normal")}),
        ("Small LV cavity.", {("cine.lv_size", "small")}),
        ("The LV is not dilated.", {("cine.lv_size", "normal")}),
        ("Hyperdynamic LV systolic function.", {("cine.lv_systolic_function", "hyperdynamic")}),
        (
            "Mildly impaired LV systolic function.",
            {("cine.lv_systolic_function", "mildly_reduced")},
        ),
        (
            "Moderately reduced left ventricular function.",
            {("cine.lv_systolic_function", "moderately_reduced")},
        ),
        ("Severe LV systolic dysfunction.", {("cine.lv_systolic_function", "severely_reduced")}),
        ("Preserved LV systolic function.", {("cine.lv_systolic_function", "normal")}),
        (
            "The RV is dilated with impaired function.",
            {("cine.rv_size", "dilated"), ("cine.rv_systolic_function", "reduced")},
        ),
        ("No LGE.", {("lge.presence", "absent")}),
        ("No late gadolinium enhancement.", {("lge.presence", "absent")}),
        ("No myocardial oedema.", {("t2.edema", "absent")}),
        ("No myocardial edema.", {("t2.edema", "absent")}),
        ("No RWMA.", {("cine.wall_motion", "normal")}),
        ("No SAM.", {("cine.lvot_obstruction", "absent")}),
        (
            "Systolic anterior motion of the mitral valve with LVOT obstruction.",
            {("cine.lvot_obstruction", "present")},
        ),
        ("No significant valve disease.", {("cine.valve_regurgitation", "none")}),
        (
            "Mild MR and TR.",
            {("cine.valve_regurgitation", "mitral"), ("cine.valve_regurgitation", "tricuspid")},
        ),
        ("Moderate aortic regurgitation.", {("cine.valve_regurgitation", "aortic")}),
        ("Small pericardial effusion.", {("cine.pericardial_effusion", "present")}),
        ("No LV thrombus.", {("cine.thrombus", "absent")}),
        (
            "Inferior RVIP enhancement.",
            {("lge.presence", "present"), ("lge.distribution", "rv_insertion_point")},
        ),
        (
            "Late enhancment is seen in the papillary muscles.",
            {("lge.presence", "present"), ("lge.papillary_muscle", "present")},
        ),
        ("Normal T2 values.", {("t2.edema", "absent")}),
        ("Normal stress perfusion.", {("perfusion.defect", "absent")}),
    ],
)
def test_targets(text, expected):
    assert expected <= codes(text), codes(text)


def test_a_cardiomyopathy_name_is_not_a_chamber_finding():
    assert not {c for c in codes("Impression: dilated cardiomyopathy.") if c[0] == "cine.lv_size"}


def test_small_belongs_to_the_effusion_not_the_ventricle():
    assert ("cine.lv_size", "small") not in codes("The LV is normal. Small pericardial effusion.")


# --- assertion folded into the value ----------------------------------------
def test_coordinated_negation_gives_one_absent_finding_per_code():
    assert codes("No LGE, perfusion defect or oedema.") == {
        ("lge.presence", "absent"),
        ("perfusion.defect", "absent"),
        ("t2.edema", "absent"),
    }


def test_header_then_negation_is_negated():
    assert codes("FINDINGS: No LGE.") == {("lge.presence", "absent")}
    assert ("lge.presence", "absent") in codes("LGE: none.")
    assert ("cine.pericardial_effusion", "absent") in codes("Pericardial effusion: none")


@pytest.mark.parametrize(
    "text",
    [
        "There is no change in the extent of LGE compared with 2021.",
        "No new LGE.",
        "Perfusion imaging was not performed.",
    ],
)
def test_pseudo_negations_give_no_absent_finding(text):
    assert not {c for c in codes(text) if c[1] in ("absent", "none", "normal")}


def test_hedges_set_certainty_and_a_hedged_cause_does_not_hedge_the_finding():
    result = found(
        "Subendocardial LGE in the basal inferior wall, consistent with prior infarction."
    )
    assert ("lge.presence", "present", ("basal",), ("inferior",), (), "definite") in result
    assert ("lge.presence", "present", (), (), (), "possible") in found("Possible LGE.") or any(
        f[0] == "lge.presence" and f[5] == "possible" for f in found("Possible LGE.")
    )
    assert any(
        f[0] == "t2.edema" and f[5] == "probable" for f in found("Likely myocardial oedema.")
    )


def test_history_and_other_modalities_give_nothing():
    text = "Clinical history: previous anterior MI, LVEF 35% on echo.\nCine: LVEF 55%."
    assert codes(text) == {("cine.lvef", 55.0)}


def test_resolved_effusion_is_absent():
    assert ("cine.pericardial_effusion", "absent") in codes(
        "The pericardial effusion has resolved."
    )


# --- locations ------------------------------------------------------------------
def test_segment_numbers_and_their_levels_and_walls():
    [lge] = [
        f for f in found("Transmural LGE in segments 4, 5, 10 and 11.") if f[0] == "lge.presence"
    ]
    assert lge[2:5] == (("basal", "mid"), ("inferior", "inferolateral"), (4, 5, 10, 11))


def test_two_lesions_in_one_sentence_keep_their_own_places():
    result = found("Subendocardial LGE in the basal inferior wall and transmural LGE at the apex.")
    places = {(f[2], f[3]) for f in result if f[0] == "lge.presence"}
    assert places == {(("basal",), ("inferior",)), (("apex",), ())}
    assert {("lge.pattern", "subendocardial"), ("lge.pattern", "transmural")} <= {
        f[:2] for f in result
    }


def test_location_before_the_verb_applies_to_every_finding_of_the_sentence():
    result = found("The basal inferior wall is thinned and akinetic.")
    assert ("cine.wall_thickness", "thinned", ("basal",), ("inferior",), (), "definite") in result
    assert ("cine.wall_motion", "akinetic", ("basal",), ("inferior",), (), "definite") in result


def test_spared_septum_is_a_localised_negative():
    result = found("LGE: patchy midwall enhancement of the lateral wall; the septum is spared.")
    assert ("lge.presence", "absent", (), ("septal",), (), "definite") in result
    assert ("lge.presence", "present", (), ("lateral",), (), "definite") in result


def test_location_carried_by_reference():
    result = found(
        "Hypokinesia of the mid anterior wall. There is transmural LGE in the same segments."
    )
    assert ("lge.presence", "present", ("mid",), ("anterior",), (), "definite") in result


# --- perfusion, diagnosis --------------------------------------------------------
def test_perfusion_defect_condition_territory_and_depth():
    result = codes(
        "Stress perfusion: subendocardial perfusion defect in the LAD territory at stress, "
        "resolving at rest."
    )
    assert {
        ("perfusion.defect", "present"),
        ("perfusion.condition", "stress"),
        ("perfusion.territory", "lad"),
        ("perfusion.depth", "subendocardial"),
    } <= result


def test_diagnosis_only_from_the_impression():
    body = "LGE: patchy LGE, consistent with hypertrophic cardiomyopathy.\nCine: Normal LV size."
    assert not {c for c in codes(body) if c[0].startswith("overall.")}
    headed = body + "\nImpression: Hypertrophic cardiomyopathy."
    assert {("overall.etiology", "non_ischemic"), ("overall.nicm_subtype", "hcm")} <= codes(headed)


def test_hedged_differential_and_dual_pathology():
    result = found(
        "Impression: Old inferior infarction. The midwall LGE may represent sarcoidosis."
    )
    assert ("overall.etiology", "ischemic", (), (), (), "definite") in result
    assert ("overall.nicm_subtype", "sarcoidosis", (), (), (), "possible") in result


def test_negated_diagnosis_is_not_annotated():
    assert not {
        c for c in codes("Impression: No evidence of amyloidosis.") if c[0].startswith("overall.")
    }


def test_closing_sentence_of_a_narrative_gives_the_diagnosis():
    text = "The LV is dilated with severely impaired function and no LGE. Appearances are those of dilated cardiomyopathy."
    assert ("overall.nicm_subtype", "dcm") in codes(text)


def test_normal_study():
    assert ("overall.etiology", "normal") in codes("Impression: Normal study.")


# --- evidence ----------------------------------------------------------------------
def test_every_finding_points_at_its_sentence():
    text = (
        "CINE: Normal LV size.\n\nLGE: Subendocardial LGE at the apex.\nIMPRESSION: Normal study."
    )
    for finding in EXTRACTOR.extract(text):
        assert text[finding.evidence.start : finding.evidence.end] == finding.evidence.text
        assert finding.extractor == "rules"


def test_a_value_word_takes_the_chamber_of_its_own_clause():
    text = "The RV was non-dilated with normal function, and the LV was of normal size."
    assert codes(text) == {
        ("cine.rv_size", "normal"),
        ("cine.rv_systolic_function", "normal"),
        ("cine.lv_size", "normal"),
    }
