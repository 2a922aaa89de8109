"""Property tests: on generated and mangled reports the extractor never crashes and
every evidence span is an exact slice of the report."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaforge.domain.vocabulary import Finding
from qaforge.extract.rules.extractor import RuleExtractor

EXTRACTOR = RuleExtractor()

FRAGMENTS = [
    "CINE:",
    "LGE:",
    "IMPRESSION",
    "Clinical history:",
    "- ",
    "1. ",
    "\n",
    "\n\n",
    "The LV is dilated",
    "with severely impaired systolic function",
    "LVEF 28 %",
    "LVEF: 55-60%",
    "Max wall thickness 1.9 cm",
    "No LGE, perfusion defect or oedema",
    "Subendocardial LGE in segments 4, 5, 10 and 11",
    "basal to mid inferolateral",
    "consistent with prior infarction",
    "cannot be excluded",
    "no change in the extent of LGE",
    "Pericardial effusion: none",
    "the septum is spared",
    "Mild MR and TR",
    "inducible perfusion defect in the LAD territory",
    "may represent sarcoidosis",
    "Normal study",
    "which show",
    ".",
    ";",
    ",",
    ":",
    "?",
    "(",
    ")",
    "  ",
    "é",
    "\t",
    "segment 17",
    "apical septal segment",
    "RVIP",
]

reports = st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=40).map(" ".join)


@st.composite
def mangled_reports(draw) -> str:
    """A generated report with characters deleted, duplicated or replaced at random."""
    text = draw(reports)
    characters = list(text)
    for _ in range(draw(st.integers(0, 8))):
        if not characters:
            break
        index = draw(st.integers(0, len(characters) - 1))
        action = draw(st.sampled_from(["delete", "double", "replace"]))
        if action == "delete":
            del characters[index]
        elif action == "double":
            characters.insert(index, characters[index])
        else:
            characters[index] = draw(st.characters(codec="utf-8"))
    return "".join(characters)


def check(text: str) -> None:
    for finding in EXTRACTOR.extract(text):
        assert isinstance(finding, Finding)
        assert 0 <= finding.evidence.start <= finding.evidence.end <= len(text)
        assert text[finding.evidence.start : finding.evidence.end] == finding.evidence.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_generated_reports(text):
    check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_reports())
def test_mangled_reports(text):
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    check(text)
