"""Grounding of one quote: near misses refused with their reason, genuine variants kept."""

from __future__ import annotations

import pytest

from qaforge.extract.llm.answer import LLMAnswer, LLMFinding
from qaforge.extract.llm.findings import ground_answer
from qaforge.extract.llm.grounding import QuoteMatch, QuoteRefusal, ground_quote

REPORT = (
    "Cine: The left ventricle is mildly enlarged, ejection fraction 45 %.\n"
    "Late enhancement: a subendocardial scar occupies the basal inferoseptal wall.  "
    "No pericardial effusion. There is no thrombus in the apex.\n"
    "Conclusion: normal right ventricular size."
)


def state(code, value, evidence, **places):
    return LLMFinding(code=code, value=value, evidence=evidence, **places)


def reasons(*stated):
    kept, refused = ground_answer(REPORT, LLMAnswer(findings=list(stated)))
    for finding in kept:
        evidence = finding.evidence
        assert evidence.text == REPORT[evidence.start : evidence.end]
    return kept, [r.reason for r in refused]


@pytest.mark.parametrize("quote", ["none", "Normal", "No", "basal"])
def test_one_word_quotes_are_too_short(quote):
    kept, why = reasons(state("lge.presence", "present", quote))
    assert kept == []
    assert why[0].startswith("evidence too short")


def test_an_off_topic_quote_is_not_found():
    kept, why = reasons(state("lge.presence", "present", "the aortic root measures 52 mm"))
    assert kept == []
    assert why[0].startswith("evidence not found")


def test_a_real_phrase_without_a_cue_for_the_code_is_refused():
    kept, why = reasons(state("lge.presence", "present", "normal right ventricular size"))
    assert kept == []
    assert why == ["quote names no cue for lge.presence"]


@pytest.mark.parametrize(
    ("quote", "reason"),
    [
        ("There is a thrombus in the apex", "quote drops a negation the report has"),
        ("pericardial effusion", "quote drops a negation the report has"),
        (
            "a subendocardial scar occupies the apical inferoseptal wall",
            "quote changes a word: 'apical' vs 'basal'",
        ),
        (
            "Late enhancement: a subendocardial scar occupies the basal inferolateral wall",
            "quote changes a word: 'inferolateral' vs 'inferoseptal'",
        ),
        (
            "Cine: The left ventricle is severely enlarged, ejection fraction 45 %",
            "quote changes a word: 'severely' vs 'mildly'",
        ),
        (
            "Cine: The left ventricle is mildly enlarged, ejection fraction 54 %",
            "quote changes a word: '54' vs '45'",
        ),
        (
            "Late enhancement: a subendocardial scar occupies the inferoseptal wall",
            "quote drops a word: 'basal'",
        ),
        ("the aortic root measures 52 mm", "evidence not found"),
    ],
)
def test_near_misses_are_refused_with_their_reason(quote, reason):
    found = ground_quote(REPORT, quote)
    assert isinstance(found, QuoteRefusal)
    assert found.reason.startswith(reason)


@pytest.mark.parametrize(
    "quote",
    [
        "a SUBENDOCARDIAL scar occupies the basal inferoseptal wall",
        "  a subendocardial scar   occupies the\nbasal inferoseptal wall ",
        "a subendocardal scar ocupies the basal inferoseptal wall",  # two typos
    ],
)
def test_case_whitespace_and_typo_variants_are_kept(quote):
    found = ground_quote(REPORT, quote)
    assert isinstance(found, QuoteMatch)
    assert REPORT[found.start : found.end].lower().startswith("a subendocardial scar")
    kept, why = reasons(
        state("lge.presence", "present", quote, levels=["basal"], walls=["inferoseptal"])
    )
    assert why == []
    assert len(kept) == 1


def test_a_negated_quote_keeps_its_negation_and_grounds():
    kept, why = reasons(state("cine.pericardial_effusion", "absent", "no pericardial effusion"))
    assert why == []
    assert kept[0].evidence.text == "No pericardial effusion"


def test_a_claimed_place_the_sentence_does_not_name_is_refused():
    kept, why = reasons(
        state("lge.presence", "present", "a subendocardial scar occupies", levels=["apical"])
    )
    assert kept == []
    assert why == ["quote names no cue for level apical"]


def test_a_number_the_quote_does_not_state_is_refused():
    kept, why = reasons(state("cine.lvef", 54, "ejection fraction 45 %"))
    assert kept == []
    assert why == ["quote does not state the value 54"]
