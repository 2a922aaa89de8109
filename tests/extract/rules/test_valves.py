"""Valve regurgitation: the abbreviations that also name the scan, and coordinated valves."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import RuleExtractor

EXTRACTOR = RuleExtractor()


def valves(text: str) -> set[str]:
    """The values of the text's cine.valve_regurgitation findings."""
    return {f.value for f in EXTRACTOR.extract(text) if f.code == "cine.valve_regurgitation"}


@pytest.mark.parametrize(
    "text",
    [
        "Cardiac MR (3 T) with gadolinium.",
        "The MR examination shows a dilated LV.",
        "MR was acquired at 1.5 T with breath holds.",
        "On MR imaging, the septum is thick.",
        "Cardiovascular MR demonstrated normal volumes.",
        "MR showed an LVEF of 40 %.",
        "Mr Smith attended for the scan.",
        # The scan, even with a grade after it that belongs to another term.
        "Cardiac MR: moderate LV dilatation.",
        "Stress MR: mild inferior hypokinesia.",
        "MR angiography: mild aortic root dilatation.",
        "The MR: mild LV dilatation.",
        # A title before a name, in any casing.
        "MR PEMBERTON: moderate LV impairment.",
        "MR. Okafor, severe LV dilatation.",
        "MR WHITFIELD - mild RV dilatation.",
    ],
)
def test_mr_naming_the_scan_or_a_title_is_no_regurgitation(text):
    assert valves(text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trivial MR.", {"mitral"}),
        ("No significant MR.", {"none"}),
        ("Moderate functional MR.", {"mitral"}),
        ("The MR jet is directed posteriorly.", {"mitral"}),
        ("MR is mild.", {"mitral"}),
        ("MR and TR, both trivial.", {"mitral", "tricuspid"}),
        ("Free PR after repair.", {"pulmonary"}),
        ("Mild AR and moderate MR.", {"aortic", "mitral"}),
    ],
)
def test_mr_with_a_grade_or_a_jet_or_another_valve_is_regurgitation(text, expected):
    assert valves(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mild mitral and tricuspid regurgitation.", {"mitral", "tricuspid"}),
        ("Trace aortic, mitral and tricuspid regurgitation.", {"aortic", "mitral", "tricuspid"}),
        ("Normal mitral valve with trivial tricuspid regurgitation.", {"tricuspid"}),
    ],
)
def test_coordinated_valve_names_share_one_regurgitation_word(text, expected):
    assert valves(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Stress MR: mild MR.",
        "MR PEMBERTON. Moderate MR.",
        "MODERATE MR NOTED.",
        "MR SEVERE.",
        "Mr Okafor has trivial MR.",
    ],
)
def test_a_title_or_the_scan_beside_real_regurgitation_leaves_it_found(text):
    assert valves(text) == {"mitral"}
