"""The overall diagnosis (ANNOTATION rule 8): where it is stated and how surely."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import RuleExtractor

EXTRACTOR = RuleExtractor()


def diagnoses(text: str) -> set[tuple[str, str, str]]:
    """(code, value, certainty) of the text's overall.* findings."""
    return {
        (f.code, str(f.value), f.certainty)
        for f in EXTRACTOR.extract(text)
        if f.code.startswith("overall.")
    }


@pytest.mark.parametrize(
    "text",
    [
        "Impression: the scan excluded myocarditis and infarction.",
        "Impression: in a man with known sarcoidosis the LV is normal.",
        "The patient had chest pain. A later endomyocardial biopsy showed myocarditis.",
        "Impression: non-ischaemic midwall LGE in the septum.",
    ],
)
def test_no_diagnosis_from_an_exclusion_the_history_a_biopsy_or_a_scar_pattern(text):
    assert diagnoses(text) == set()


@pytest.mark.parametrize(
    ("text", "certainty"),
    [
        ("Impression: cardiac amyloidosis should be considered.", "possible"),
        ("Impression: given the LGE, cardiac amyloidosis was suggested.", "probable"),
    ],
)
def test_a_suggested_diagnosis_keeps_its_hedge(text, certainty):
    assert ("overall.nicm_subtype", "amyloidosis", certainty) in diagnoses(text)


@pytest.mark.parametrize(
    ("text", "subtype"),
    [
        ("Impression: arrhythmogenic left ventricular cardiomyopathy.", "other"),
        ("Impression: findings in keeping with cardiac involvement by scleroderma.", "other"),
        ("Impression: arrhythmogenic right ventricular cardiomyopathy.", "arvc"),
    ],
)
def test_left_dominant_arrhythmogenic_disease_and_scleroderma_are_other(text, subtype):
    assert {v for c, v, _ in diagnoses(text) if c == "overall.nicm_subtype"} == {subtype}


def test_a_named_non_ischaemic_cardiomyopathy_still_gives_its_etiology():
    assert ("overall.etiology", "non_ischemic", "definite") in diagnoses(
        "Impression: non-ischaemic cardiomyopathy with midwall septal LGE."
    )
