"""The overall diagnosis: etiology and NICM subtype (ANNOTATION rule 8).

Read only where the report states its diagnosis (the impression, or the
closing sentence of an unheaded narrative: the caller decides). A named
cardiomyopathy of ``nicm_subtypes`` gives its subtype and ``non_ischemic``;
negated diagnoses give nothing.
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext

# "a woman with sarcoidosis", "in this boy with known Fabry disease": the
# patient's history, not what the scan shows (ANNOTATION rule 1).
_PATIENT_WITH = re.compile(
    r"\b(?:patients?|man|men|woman|women|boy|girl|child|children|athlete|adult|infant|"
    r"gentleman|lady|male|female)\s+with\s+(?:[\w'-]+\s+){0,3}\Z",
    re.IGNORECASE,
)

# A bare "non-ischaemic" (no "cardiomyopathy", "aetiology"): in a sentence that
# describes LGE it is the pattern of the scar, not the diagnosis (rule 8).
_BARE_NON_ISCHAEMIC = re.compile(r"non[\s-]?isch(?:a)?emic", re.IGNORECASE)
_SCAR_FAMILIES = ("lge", "depth", "distribution")


def diagnosis_candidates(context: SentenceContext) -> list[Candidate]:
    """``overall.etiology`` and ``overall.nicm_subtype`` candidates of the sentence.

    Args:
        context: The sentence being read (one that may state a diagnosis).

    Returns:
        The candidates of each affirmed or possible diagnosis, in text order.
    """
    found: list[Candidate] = []
    subtypes = context.decisions.nicm_subtypes
    for mention in context.mentions:
        kind = _diagnosis_kind(context, mention)
        if kind is None or not _states_the_diagnosis(context, mention):
            continue
        assertion = context.assertion(mention)
        if assertion.status == "historical":
            # "consistent with prior infarction" in an impression is a diagnosis.
            assertion = context.assess(mention.start, mention.end, ignore=("historical",))
        if assertion.status not in ("affirmed", "possible"):
            continue
        certainty = assertion.certainty
        if kind in subtypes:
            found.append(
                context.candidate("overall.etiology", "non_ischemic", certainty, mention.start)
            )
            found.append(context.candidate("overall.nicm_subtype", kind, certainty, mention.start))
        elif kind == "nicm":
            found.append(
                context.candidate("overall.etiology", "non_ischemic", certainty, mention.start)
            )
        elif kind in ("ischemic", "normal"):
            found.append(context.candidate("overall.etiology", kind, certainty, mention.start))
    return found


def _diagnosis_kind(context: SentenceContext, mention: Mention) -> str | None:
    """The diagnosis a mention names: a dx kind, or "ischemic" for an ischaemia term."""
    if mention.family == "perfusion" and mention.kind == "term":
        words = context.text[mention.start : mention.end].lower()
        if "ischaem" not in words and "ischem" not in words:
            return None
        return "ischemic"
    if mention.family == "dx" and mention.kind not in ("pattern_only",):
        return mention.kind
    return None


def _states_the_diagnosis(context: SentenceContext, mention: Mention) -> bool:
    """False for a diagnosis the sentence gives as the patient's history, or as a scar's pattern."""
    text = context.text
    start = context.sentence.start
    if _PATIENT_WITH.search(text, start, mention.start):
        return False
    if _BARE_NON_ISCHAEMIC.fullmatch(text, mention.start, mention.end):
        return not any(m.family in _SCAR_FAMILIES for m in context.mentions)
    return True
