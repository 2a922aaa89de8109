"""assertion_status (DESIGN.md contract) on focused cases: every category and direction."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qaforge.extract import assertion_status
from qaforge.extract.rules.assertion import AssertionAnalyzer, load_context_rules, sentence_bounds
from qaforge.extract.rules.rule_files import RULES_DIR, RulesError

ANALYZER = AssertionAnalyzer()


def status(text: str, target: str, occurrence: int = 0) -> str:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(target, start + 1)
    return assertion_status(text, start, start + len(target))


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # negation, forward and backward, with coordination and headers
        ("No LGE, perfusion defect or oedema.", "LGE", "negated"),
        ("No LGE, perfusion defect or oedema.", "perfusion defect", "negated"),
        ("No LGE, perfusion defect or oedema.", "oedema", "negated"),
        (
            "No evidence of late gadolinium enhancement, myocardial oedema, perfusion defect, "
            "pericardial effusion or intracardiac thrombus.",
            "intracardiac thrombus",
            "negated",
        ),
        ("FINDINGS: No LGE.", "LGE", "negated"),
        ("FINDINGS: No late gadolinium enhancement.", "late gadolinium enhancement", "negated"),
        ("LGE: none.", "LGE", "negated"),
        ("Late enhancement: none.", "Late enhancement", "negated"),
        ("Pericardial effusion: no.", "Pericardial effusion", "negated"),
        ("Thrombus: absent", "Thrombus", "negated"),
        ("LGE: present in the inferior wall.", "LGE", "affirmed"),
        ("LGE: No enhancement seen.", "enhancement", "negated"),
        ("Thrombus is not seen.", "Thrombus", "negated"),
        ("A pericardial effusion was excluded.", "pericardial effusion", "negated"),
        ("The LV is not dilated.", "dilated", "negated"),
        ("Without pericardial effusion or thrombus.", "thrombus", "negated"),
        ("Criteria for myocarditis are not met.", "myocarditis", "negated"),
        # scope ends: terminators and the sentence end
        ("No pericardial effusion but there is a small thrombus.", "thrombus", "affirmed"),
        (
            "No pericardial effusion but there is a small thrombus.",
            "pericardial effusion",
            "negated",
        ),
        ("No LGE. Pericardial effusion.", "Pericardial effusion", "affirmed"),
        ("No oedema; LGE in the lateral wall.", "LGE", "affirmed"),
        (
            "No " + "very " * 20 + "large effusion.",
            "effusion",
            "affirmed",
        ),
        # pseudo-negations
        ("There is no change in the extent of LGE.", "LGE", "affirmed"),
        ("No interval change in the septal LGE.", "LGE", "affirmed"),
        ("LGE involves not only the septum but also the lateral wall.", "septum", "affirmed"),
        ("LGE involves not only the septum but also the lateral wall.", "lateral wall", "affirmed"),
        # uncertainty
        ("Possible small pericardial effusion.", "pericardial effusion", "possible"),
        ("Myocarditis cannot be excluded.", "Myocarditis", "possible"),
        ("Findings may represent sarcoidosis.", "sarcoidosis", "possible"),
        ("Likely apical thrombus.", "apical thrombus", "possible"),
        ("Appearances in keeping with amyloidosis.", "amyloidosis", "possible"),
        ("Equivocal perfusion defect.", "perfusion defect", "possible"),
        ("?myocarditis", "myocarditis", "possible"),
        ("Subendocardial LGE consistent with prior infarction.", "LGE", "affirmed"),
        # history and hypothesis
        ("History of anterior MI.", "anterior MI", "historical"),
        ("Previous myocarditis.", "myocarditis", "historical"),
        ("LVEF 35% on echo.", "LVEF 35%", "historical"),
        ("No new LGE.", "LGE", "historical"),
        ("Referred to exclude myocarditis.", "myocarditis", "hypothetical"),
        ("Assess for infiltrative disease.", "infiltrative disease", "hypothetical"),
        ("If symptoms recur, consider repeat imaging.", "symptoms", "hypothetical"),
        # any clinical target
        ("No fever or chills.", "chills", "negated"),
        ("Patient denies chest pain.", "chest pain", "negated"),
        ("Pneumonia is ruled out.", "Pneumonia", "negated"),
        ("Possible appendicitis.", "appendicitis", "possible"),
        ("History of diabetes.", "diabetes", "historical"),
        ("The appendix is inflamed.", "appendix", "affirmed"),
    ],
)
def test_focused_cases(text, target, expected):
    assert status(text, target) == expected


def test_hedges_carry_their_certainty():
    text = "Likely oedema. Possible thrombus."
    triggers = ANALYZER.sentence_triggers(text, 0, len(text))
    oedema = ANALYZER.assess(triggers, text.index("oedema"), text.index("oedema") + 6)
    thrombus = ANALYZER.assess(triggers, text.index("thrombus"), text.index("thrombus") + 8)
    assert (oedema.status, oedema.certainty) == ("possible", "probable")
    assert (thrombus.status, thrombus.certainty) == ("possible", "possible")


def test_ignoring_a_category():
    text = "Consistent with prior infarction."
    triggers = ANALYZER.sentence_triggers(text, 0, len(text))
    start = text.index("infarction")
    assert ANALYZER.assess(triggers, start, start + 10).status == "historical"
    ignored = ANALYZER.assess(triggers, start, start + 10, ignore=("historical",))
    assert (ignored.status, ignored.certainty) == ("possible", "probable")


@pytest.mark.parametrize(
    ("text", "target", "sentence"),
    [
        ("LVEF 2.5 %. No LGE.", "LGE", "No LGE."),
        ("E.g. no LGE here. Next.", "LGE", "E.g. no LGE here."),
        ("- No LGE\n- Effusion", "Effusion", "- Effusion"),
        ("FINDINGS: No LGE. Normal.", "LGE", "FINDINGS: No LGE."),
    ],
)
def test_sentence_bounds(text, target, sentence):
    start = text.index(target)
    a, b = sentence_bounds(text, start, start + len(target))
    assert text[a:b].strip() == sentence


def test_invalid_spans_raise():
    with pytest.raises(ValueError, match="not inside"):
        assertion_status("No LGE", 3, 99)
    with pytest.raises(ValueError):
        assertion_status("No LGE", 4, 2)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.data())
def test_any_text_and_span(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert assertion_status(text, start, end) in {
        "affirmed",
        "negated",
        "possible",
        "historical",
        "hypothetical",
    }


def test_a_malformed_rules_file_names_the_file(tmp_path: Path):
    bad = tmp_path / "context.yaml"
    bad.write_text(
        "version: 1\ngroups:\n  - category: negated\n    direction: sideways\n    phrases: [x]\n"
    )
    with pytest.raises(RulesError, match="context.yaml.*direction"):
        load_context_rules(bad)
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "version: 1\ngroups:\n  - {category: negated, direction: forward, phrases: [maybe]}\n"
        "  - {category: possible, certainty: possible, direction: forward, phrases: [maybe]}\n"
    )
    with pytest.raises(RulesError, match="'maybe' is both negated and possible"):
        load_context_rules(clash)


def test_precedence_is_rule_data(tmp_path: Path):
    shipped = (RULES_DIR / "context.yaml").read_text()
    assert "precedence: [hypothetical, historical, negated, possible]" in shipped
    text = "No history of infarction."
    start = text.index("infarction")
    assert ANALYZER.assess_span(text, start, start + 10).status == "historical"
    reordered = tmp_path / "context.yaml"
    reordered.write_text(
        shipped.replace(
            "precedence: [hypothetical, historical, negated, possible]",
            "precedence: [hypothetical, negated, historical, possible]",
        )
    )
    analyzer = AssertionAnalyzer(load_context_rules(reordered))
    assert analyzer.assess_span(text, start, start + 10).status == "negated"
    reordered.write_text(shipped.replace("historical, negated, possible]", "negated]"))
    with pytest.raises(RulesError, match="context.yaml.*precedence.*strongest first"):
        load_context_rules(reordered)
