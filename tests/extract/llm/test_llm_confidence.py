"""Confidence of grounded LLM findings: the grounding's method and the quote's own places."""

from __future__ import annotations

from qaforge.extract.llm.answer import LLMAnswer, LLMFinding
from qaforge.extract.llm.findings import QUOTE_FUZZY, ground_answer
from qaforge.extract.llm.grounding import QuoteMatch, ground_quote
from qaforge.extract.rules.confidence import load_confidence_rules

REPORT = (
    "Function: the right ventricle is normal in size.\n"
    "Scar imaging: patchy mid-wall enhancement is seen in the mid inferolateral wall, "
    "with a second focus at the RV insertion points.\n"
    "There is no pericardial effusion."
)
PLACE_WEIGHT = load_confidence_rules().weights["place_of_sentence"]


def kept_one(**stated):
    kept, refused = ground_answer(REPORT, LLMAnswer(findings=[LLMFinding(**stated)]))
    assert [r.reason for r in refused] == []
    assert len(kept) == 1
    return kept[0]


def test_an_exact_quote_that_names_its_places_has_no_doubt():
    finding = kept_one(
        code="lge.presence",
        value="present",
        evidence="patchy mid-wall enhancement is seen in the mid inferolateral wall",
        levels=["mid"],
        walls=["inferolateral"],
    )
    assert finding.doubts == ()
    assert finding.confidence == 1.0


def test_a_quote_found_by_fuzzy_alignment_is_scaled_by_its_score():
    quote = "patchy mid-wall enhancment is seen in the mid inferolatral wall"
    match = ground_quote(REPORT, quote)
    assert isinstance(match, QuoteMatch) and match.method == "fuzzy"
    finding = kept_one(
        code="lge.presence",
        value="present",
        evidence=quote,
        levels=["mid"],
        walls=["inferolateral"],
    )
    assert finding.doubts == (QUOTE_FUZZY,)
    assert finding.confidence == round(match.score / 100.0, 3)
    assert 0.9 <= finding.confidence < 1.0


def test_a_case_or_whitespace_change_is_not_a_doubt():
    finding = kept_one(
        code="cine.pericardial_effusion",
        value="absent",
        evidence="THERE IS NO  pericardial effusion",
    )
    assert finding.doubts == ()
    assert finding.confidence == 1.0


def test_places_named_only_by_the_sentence_are_a_doubt():
    finding = kept_one(
        code="lge.presence",
        value="present",
        evidence="patchy mid-wall enhancement",
        walls=["inferolateral"],
    )
    assert finding.doubts == ("place_of_sentence",)
    assert finding.confidence == PLACE_WEIGHT < 1.0


def test_both_doubts_multiply():
    finding = kept_one(
        code="lge.presence",
        value="present",
        evidence="patchy mid-wall enhancment",
        walls=["inferolateral"],
    )
    assert finding.doubts == ("place_of_sentence", QUOTE_FUZZY)
    assert finding.confidence < PLACE_WEIGHT
