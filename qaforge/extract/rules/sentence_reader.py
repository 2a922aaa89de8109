"""One sentence's mentions become candidate findings.

Input is a :class:`~qaforge.extract.rules.candidates.SentenceContext`: the
sentence with its mentions (lexicon concepts found by the spaCy
PhraseMatcher), its assertion triggers, and what the report said before it
(the chamber being described, the sequence, the last located lesion). Output
is a list of candidates, not yet merged across sentences. Each recognizer
handles one family of codes; ANNOTATION.md is the specification, and the
decision tables (``decisions.yaml``) say what a reading means.
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, SentenceContext
from qaforge.extract.rules.chambers import chamber_candidates, thickness_pattern_candidates
from qaforge.extract.rules.diagnoses import diagnosis_candidates
from qaforge.extract.rules.placement import attach_locations
from qaforge.extract.rules.presence import (
    pattern_candidates,
    perfusion_detail_candidates,
    presence_candidates,
)
from qaforge.extract.rules.rv_lesions import split_rv_lesions
from qaforge.extract.rules.valves import valve_candidates

# A sentence saying that a sequence was not acquired states no finding of it.
_NOT_PERFORMED = re.compile(
    r"\bnot\s+(?:been\s+)?(?:performed|acquired|done|obtained|undertaken|administered|given|"
    r"tolerated|completed|possible|assessable|evaluable|diagnostic|interpretable)\b|\bomitted\b|\bnon-?diagnostic\b",
    re.IGNORECASE,
)


def read_sentence(context: SentenceContext) -> list[Candidate]:
    """All candidates of the sentence, located; then the report state moves past it.

    Args:
        context: The sentence to read; ``context.state`` is updated with its
            chamber, sequence and last located finding.

    Returns:
        The sentence's candidates (empty for a sentence that states nothing).
    """
    sentence = context.sentence
    if sentence.section == "excluded" or sentence.scope is not None:
        return []
    if _NOT_PERFORMED.search(context.text, sentence.start, sentence.end):
        return []
    found: list[Candidate] = []
    found += presence_candidates(context)
    found += pattern_candidates(context)
    found += perfusion_detail_candidates(context, found)
    found += valve_candidates(context)
    found += chamber_candidates(context)
    found += thickness_pattern_candidates(context, found)
    found += measurement_candidates(context)
    if context.diagnosis_allowed:
        found += diagnosis_candidates(context)
    attach_locations(context)
    found += split_rv_lesions(context)
    _update_state(context, found)
    return found


def measurement_candidates(context: SentenceContext) -> list[Candidate]:
    """The sentence's LVEF and maximal wall thickness values (not historical or hypothetical)."""
    found: list[Candidate] = []
    for measurement in context.measured:
        status = context.assess(measurement.start, measurement.end).status
        if status in ("historical", "hypothetical"):
            continue
        found.append(
            context.candidate(measurement.code, measurement.value, "definite", measurement.start)
        )
    return found


def _update_state(context: SentenceContext, found: list[Candidate]) -> None:
    """Record the sentence's chamber, sequence and last located finding for the next ones."""
    state = context.state
    anchors = [m for m in context.mentions if m.family == "anchor" and m.kind != "other"]
    if anchors:
        state.anchor = anchors[-1].kind
        state.anchor_section = context.sentence.section
    if context.sequence:
        state.sequence = context.sequence
        state.sequence_section = context.sentence.section
    for candidate in found:
        if (
            candidate.code in context.decisions.localized_codes
            and not candidate.location.is_empty()
        ):
            state.last_location = candidate.location
