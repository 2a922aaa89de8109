"""Sections and sentences: header wordings, excluded sections, list items, wrapped lines."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.rule_files import load_section_rules
from qaforge.extract.rules.structure import SectionMatcher, split_sentences

MATCHER = SectionMatcher(load_section_rules())


def sentences_of(text: str) -> list[tuple[str, str]]:
    return [(s.section, text[s.start : s.end]) for s in split_sentences(text, MATCHER)]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Cine", "cine"),
        ("CINE IMAGING", "cine"),
        ("Function", "cine"),
        ("LV function", "cine"),
        ("Morphology and function", "cine"),
        ("LGE", "lge"),
        ("Late enhancement", "lge"),
        ("Late gadolinium enhancement", "lge"),
        ("Tissue characterisation", "tissue"),
        ("Tissue characterization", "tissue"),
        ("STIR", "t2"),
        ("T2", "t2"),
        ("T2-weighted imaging", "t2"),
        ("Stress perfusion", "perfusion"),
        ("Adenosine stress perfusion", "perfusion"),
        ("Impression", "impression"),
        ("CONCLUSION", "impression"),
        ("Summary", "impression"),
        ("Clinical history", "excluded"),
        ("Indication", "excluded"),
        ("Technique", "excluded"),
        ("Comparison", "excluded"),
        ("Findings", "findings"),
    ],
)
def test_header_wordings_map_to_section_kinds(header, kind):
    assert MATCHER.kind_of(header) == kind


@pytest.mark.parametrize("not_a_header", ["No LGE", "Normal study", "The LV is dilated", "Mild MR"])
def test_statements_are_not_headers(not_a_header):
    assert MATCHER.kind_of(not_a_header) is None


def test_sections_and_sentences_of_a_headed_report():
    text = (
        "CLINICAL HISTORY: Chest pain. LVEF 35% on echo.\n"
        "Cine: The LV is dilated. LVEF 2.5 %, e.g. low.\n"
        "LGE\n"
        "Subendocardial LGE; no effusion.\n"
        "IMPRESSION:\n"
        "1. Ischaemic cardiomyopathy.\n"
        "2. No thrombus."
    )
    assert sentences_of(text) == [
        ("excluded", "Chest pain."),
        ("excluded", "LVEF 35% on echo."),
        ("cine", "The LV is dilated."),
        ("cine", "LVEF 2.5 %, e.g. low."),
        ("lge", "Subendocardial LGE;"),
        ("lge", "no effusion."),
        ("impression", "Ischaemic cardiomyopathy."),
        ("impression", "No thrombus."),
    ]


def test_a_header_with_a_bare_status_word_is_the_subject_of_its_sentence():
    text = "LGE: none.\nPericardial effusion: none"
    sentences = split_sentences(text, MATCHER)
    assert sentences[0].header_is_subject
    assert text[sentences[0].start : sentences[0].end] == "LGE: none."
    assert text[sentences[1].start : sentences[1].end] == "Pericardial effusion: none"


def test_wrapped_lines_stay_one_sentence_and_bullets_split():
    text = "The LV is dilated with\nseverely impaired function\n- Mild MR\n- No effusion"
    assert [s for _, s in sentences_of(text)] == [
        "The LV is dilated with\nseverely impaired function",
        "Mild MR",
        "No effusion",
    ]


def test_free_text_is_one_findings_section():
    text = "Normal LV size. No LGE. Overall a normal study."
    assert {kind for kind, _ in sentences_of(text)} == {"findings"}
    assert len(sentences_of(text)) == 3


def test_an_inline_impression_header_starts_a_section():
    text = "No LGE. Impression: Inducible ischaemia."
    assert sentences_of(text) == [("findings", "No LGE."), ("impression", "Inducible ischaemia.")]


def test_a_history_line_does_not_swallow_the_unheaded_text_after_it():
    text = "History: Hypertension.\nThe LV is dilated.\nNo LGE."
    assert sentences_of(text) == [
        ("excluded", "Hypertension."),
        ("findings", "The LV is dilated."),
        ("findings", "No LGE."),
    ]


def test_a_header_alone_on_its_line_excludes_its_paragraph():
    text = "CLINICAL HISTORY:\nChest pain.\nPrior MI.\n\nThe LV is dilated."
    assert [kind for kind, _ in sentences_of(text)] == ["excluded", "excluded", "findings"]


def test_a_header_value_followed_by_more_text_is_still_the_subject():
    sentences = split_sentences("LGE: none. STIR: no oedema.", MATCHER)
    assert sentences[0].header_is_subject
