"""Findings a term states by being mentioned, and the words that describe it.

Presence codes (LGE, oedema, perfusion defect, effusion, thrombus, LVOT
obstruction, papillary muscle LGE: ``presence_codes``), the depth and
distribution words of LGE, oedema and perfusion (``pattern_codes``), and the
condition and territory of a perfusion defect.
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext
from qaforge.extract.rules.grammar import ADJACENT, only_modifiers_between

# "no additional ischaemia", "no further LGE": not a negative (ANNOTATION rule 2).
_NOT_THE_FIRST = re.compile(r"(?:additional|further|other|new|more|extra)[\s-]*\Z", re.IGNORECASE)

# An LGE term that names the images, not a finding: "LGE images", "LGE short-axis
# stack", "on LGE", "LGE showed no scar"; "early gadolinium enhancement" is
# another sequence.
_IMAGING_AFTER = re.compile(
    r"[\s-]*(?:\([A-Za-z]\)\s*)?(?:images?|imaging|sequences?|stud(?:y|ies)|acquisitions?|"
    r"short[\s-]?axis|long[\s-]?axis|stack|views?|series|scans?|technique|protocol|"
    r"(?:at|after)\s+\d+\s*(?:min|mins|minutes?)\b)",
    re.IGNORECASE,
)
# "LGE showed no scar": the term before the verb names the sequence.
_SHOWED_NONE_AFTER = re.compile(
    r"[\s-]*(?:\([A-Za-z]\)\s*)?(?:(?:showed|shows|demonstrated|demonstrates|revealed|reveals)\s+no\b|"
    r"(?:did|does)\s+not\s+(?:show|demonstrate|reveal)\b)",
    re.IGNORECASE,
)
_SEQUENCE_BEFORE = re.compile(r"(?:\b(?:on|at|by)\s+(?:the\s+)?|\bearly\s+)\Z", re.IGNORECASE)

# Between "sparing" and the layer it spares ("sparing of the subendocardium").
_SPARED_GAP = re.compile(r"\s+(?:of\s+)?(?:the\s+)?", re.IGNORECASE)
# ">50% transmural", "25-50 % transmural": the extent of a scar.
_PERCENT_BEFORE = re.compile(r"\d\s*%\s*(?:of\s+(?:the\s+)?wall\s+)?\Z")
# Terms a pattern word right before describes instead of a lesion ("circumferential effusion").
_NOT_A_LESION = ("effusion", "thrombus", "mask")

# Words of a perfusion term that say it is seen at stress.
_STRESS_WORDS = ("inducible", "stress", "reversible")


def presence_candidates(context: SentenceContext) -> list[Candidate]:
    """Present / absent findings of the sentence's terms; located ones are localized.

    Args:
        context: The sentence being read.

    Returns:
        One candidate per term that states its finding (historical and
        hypothetical terms state nothing).
    """
    found: list[Candidate] = []
    lge_context = context.sequence == "lge" or any(m.family == "lge" for m in context.mentions)
    presence_codes = context.decisions.presence_codes
    for mention in context.mentions:
        if mention.kind == "term" and mention.family in presence_codes:
            code = presence_codes[mention.family]
        elif mention.family == "papillary" and lge_context:
            code = "lge.papillary_muscle"
        elif mention.concept == "lge.spared" and lge_context:
            if _spares_a_layer(context, mention):
                continue  # "sparing the subendocardium": the lesion's depth, not a negative
            candidate = context.candidate("lge.presence", "absent", "definite", mention.start)
            found.append(candidate)
            context.localize(candidate, mention)
            continue
        else:
            continue
        candidate = _term_candidate(context, mention, code)
        if candidate is None:
            continue
        found.append(candidate)
        context.candidate_of[(mention.start, mention.end)] = candidate
        if code in context.decisions.localized_codes:
            context.localize(candidate, mention)
    return found


def names_the_images(context: SentenceContext, mention: Mention) -> bool:
    """True for an LGE term that names the images ("LGE imaging was performed", "on LGE")."""
    text, sentence = context.text, context.sentence
    if _IMAGING_AFTER.match(text, mention.end, sentence.end):
        return True
    if _SHOWED_NONE_AFTER.match(text, mention.end, sentence.end):
        return True
    return _SEQUENCE_BEFORE.search(text, sentence.start, mention.start) is not None


def _term_candidate(context: SentenceContext, mention: Mention, code: str) -> Candidate | None:
    """The finding a term's mention states, by its assertion; None when it states none."""
    if mention.family == "lge" and names_the_images(context, mention):
        return None
    assertion = context.assertion(mention)
    if assertion.status in ("historical", "hypothetical"):
        return None
    negated = assertion.status == "negated" or context.resolved_after(mention)
    if negated and mention.family == "lge" and _has_pattern_modifier(context, mention):
        return None  # "no infarct-pattern enhancement": a negated pattern (rule 2)
    if negated and _NOT_THE_FIRST.search(
        context.text, max(context.sentence.start, mention.start - 40), mention.start
    ):
        return None
    value = "absent" if negated else "present"
    certainty = "definite" if negated else assertion.certainty
    return context.candidate(code, value, certainty, mention.start)


def _has_pattern_modifier(context: SentenceContext, mention: Mention) -> bool:
    """True when a depth, distribution or pattern word stands right before the term."""
    before = [m for m in context.mentions if m.end <= mention.start]
    if not before:
        return False
    modifier = before[-1]
    is_pattern = (
        modifier.family in ("depth", "distribution") or modifier.concept == "dx.pattern_only"
    )
    return is_pattern and ADJACENT.fullmatch(context.text, modifier.end, mention.start) is not None


def _owner(context: SentenceContext, mention: Mention) -> tuple[str | None, Mention | None]:
    """The sequence a pattern word describes, and the term it describes if named."""
    targets = [m for m in context.mentions if m.family in ("lge", "edema", "perfusion")]
    following = [
        m
        for m in targets
        if m.start >= mention.end and only_modifiers_between(context, mention.end, m.start)
    ]
    if following:
        owner = following[0]
    elif targets:
        owner = min(
            targets, key=lambda m: min(abs(m.start - mention.end), abs(mention.start - m.end))
        )
    else:
        return context.sequence, None
    return context.decisions.family_sequence[owner.family], owner


def _spares_a_layer(context: SentenceContext, spared: Mention) -> bool:
    """True when "sparing" is followed by a depth word ("sparing the subendocardium")."""
    after = [m for m in context.mentions if m.start >= spared.end]
    return (
        bool(after)
        and after[0].family == "depth"
        and (_SPARED_GAP.fullmatch(context.text, spared.end, after[0].start) is not None)
    )


def _describes_no_lesion(context: SentenceContext, mention: Mention, owner: Mention | None) -> bool:
    """True for a pattern word that is no lesion's pattern.

    "sparing the subendocardium" (the layer spared), ">50% transmural" (the
    extent of a scar, not its depth), "circumferential pericardial effusion"
    (the effusion's), "early gadolinium enhancement with global ..." (the images').
    """
    text, start = context.text, context.sentence.start
    before = [m for m in context.mentions if m.end <= mention.start]
    if (
        before
        and before[-1].concept == "lge.spared"
        and _SPARED_GAP.fullmatch(text, before[-1].end, mention.start)
    ):
        return True
    if mention.concept == "depth.transmural" and _PERCENT_BEFORE.search(text, start, mention.start):
        return True
    after = [m for m in context.mentions if m.start >= mention.end]
    if (
        after
        and after[0].family in _NOT_A_LESION
        and ADJACENT.fullmatch(text, mention.end, after[0].start)
    ):
        return True
    return owner is not None and owner.family == "lge" and names_the_images(context, owner)


def pattern_candidates(context: SentenceContext) -> list[Candidate]:
    """Depth and distribution findings of LGE, oedema and perfusion (``pattern_codes``).

    A pattern word takes the certainty of the term it describes (or its own,
    if weaker); the term's presence candidate records it as a descriptor, so
    that another depth is another lesion when merging (rule 4).
    """
    found: list[Candidate] = []
    decisions = context.decisions
    for mention in context.of_family("depth", "distribution"):
        sequence, owner = _owner(context, mention)
        if _describes_no_lesion(context, mention, owner):
            continue
        if mention.concept == "distribution.rv_insertion_point" and sequence is None:
            sequence = "lge"
        if sequence is None:
            continue
        certainty = "definite"
        if owner is not None:
            owner_assertion = context.assertion(owner)
            if owner_assertion.status != "affirmed" and owner_assertion.status != "possible":
                continue
            if context.resolved_after(owner):
                continue
            certainty = owner_assertion.certainty
        own = context.assertion(mention)
        if own.status in ("negated", "historical", "hypothetical"):
            continue
        if decisions.certainty_rank(own.certainty) < decisions.certainty_rank(certainty):
            certainty = own.certainty
        code_value = _pattern_code(context, sequence, mention)
        if code_value:
            found.append(context.candidate(*code_value, certainty, mention.start))
            if owner is not None and (owner.start, owner.end) in context.candidate_of:
                context.candidate_of[(owner.start, owner.end)].descriptors.add(mention.kind)
    return found


def _pattern_code(
    context: SentenceContext, sequence: str, mention: Mention
) -> tuple[str, str] | None:
    """(code, value) of a pattern word in a sequence: its concept's entry, else its family's."""
    codes = context.decisions.pattern_codes.get(sequence)
    if codes is None:
        return None
    code = codes.get(mention.concept) or codes.get(mention.family)
    return (code, mention.kind) if code else None


def perfusion_detail_candidates(
    context: SentenceContext, found: list[Candidate]
) -> list[Candidate]:
    """Condition and territory of the sentence's present perfusion defect (none without one).

    Args:
        context: The sentence being read.
        found: The sentence's candidates so far (the defect is among them).

    Returns:
        A ``perfusion.condition`` candidate if the sentence says when the
        defect is seen, and one ``perfusion.territory`` per territory named.
    """
    present = [c for c in found if c.code == "perfusion.defect" and c.value == "present"]
    if not present:
        return []
    certainty = present[0].certainty
    position = present[0].position
    details: list[Candidate] = []
    condition = _perfusion_condition(context)
    if condition:
        details.append(context.candidate("perfusion.condition", condition, certainty, position))
    for mention in context.of_family("territory"):
        details.append(
            context.candidate("perfusion.territory", mention.kind, certainty, mention.start)
        )
    return details


def _perfusion_condition(context: SentenceContext) -> str | None:
    """stress, rest or stress_and_rest, from the sentence's perfusion words (a defect that
    resolves at rest is a stress defect); None when the sentence does not say."""
    kinds = {m.kind for m in context.of_family("perfusion")}
    terms = " ".join(
        context.text[m.start : m.end].lower()
        for m in context.mentions
        if m.concept == "perfusion.term"
    )
    if "resolves_at_rest" in kinds:
        return "stress"
    if "stress_and_rest" in kinds or "fixed" in terms:
        return "stress_and_rest"
    if "stress" in kinds and "rest" in kinds:
        return "stress_and_rest"
    if "stress" in kinds or any(word in terms for word in _STRESS_WORDS):
        return "stress"
    if "rest" in kinds:
        return "rest"
    return None
