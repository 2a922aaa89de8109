"""Chamber findings: size, systolic function, wall thickness and wall motion.

A value word ("dilated", "impaired", "normal") binds to its attributes (named
by the word itself, after it, or before it) and to the nearest chamber word
(LV, RV, biventricular; carried from the previous sentence of the section
when the sentence names none). The decision tables say what follows: the
implied attribute, the value when negated, the code per attribute and
chamber, the grade of an LV "impaired".
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext
from qaforge.extract.rules.decision_tables import GRADED
from qaforge.extract.rules.grammar import ADJACENT, BACKWARD_GAP, FORWARD_GAP

# Between a term and a value word after it that describes the term ("effusion is small").
_COPULA_GAP = re.compile(r"[\s-]*(?:(?:is|are|was|were)\s+)?")

# "a thin rim of enhancement", "a thin compacted layer": the thickness of a rim or
# a layer, not of the wall.
_LAYER_AFTER = re.compile(
    r"[\s-]+(?:[a-z-]+\s+)?(?:rim|layer|line|film|crescent|shell|sliver)s?\b", re.IGNORECASE
)
_THICKNESS_KINDS = ("thickened", "thinned")

# Where one clause of a sentence ends and the next begins.
_CLAUSE_BREAK = re.compile(
    r";|,\s*(?:and|but|while|whereas)\b|\b(?:whereas|while|but)\b", re.IGNORECASE
)

# Wall motion words that a term right before them does not take ("LGE, akinetic").
_MOTION_KINDS = ("hypokinetic", "akinetic", "dyskinetic")


def chamber_candidates(context: SentenceContext) -> list[Candidate]:
    """The size, function, wall thickness and wall motion findings of the sentence.

    Args:
        context: The sentence being read; located candidates are localized on it.

    Returns:
        The candidates of every value word (or lone severity word) that binds
        to an attribute, in text order.
    """
    found: list[Candidate] = []
    for index, mention in enumerate(context.mentions):
        if mention.family == "value":
            value = mention.kind
        elif mention.family == "severity" and _severity_alone(context, index):
            value = "impaired"
        else:
            continue
        if value == "resolved":
            continue
        attributes = _attributes(context, index, value, mention)
        if not attributes:
            continue
        if _describes_other_term(context, index):
            continue
        assertion = context.assertion(mention)
        if assertion.status in ("historical", "hypothetical"):
            continue
        negated = assertion.status == "negated"
        certainty = "definite" if negated else assertion.certainty
        for attribute in attributes:
            for code, code_value in _chamber_codes(
                context, mention, index, attribute, value, negated
            ):
                candidate = context.candidate(code, code_value, certainty, mention.start)
                found.append(candidate)
                if code in context.decisions.localized_codes:
                    context.localize(candidate, mention)
    return found


def _severity_alone(context: SentenceContext, index: int) -> bool:
    """'poor LV function': a severity word doing the job of 'impaired'."""
    for mention in context.mentions[index + 1 :]:
        if mention.family == "anchor":
            continue
        return mention.concept == "attr.function"
    return False


def _attributes(context: SentenceContext, index: int, value: str, mention: Mention) -> list[str]:
    """The attributes a value word speaks of: implied by it, else named after it, else before."""
    implied = context.decisions.implied_attribute.get(value)
    if value == "normal" and "size" in context.text[mention.start : mention.end].lower():
        implied = "size"
    if implied:
        return [implied]
    return _attributes_after(context, index) or _attributes_before(context, index)


def _attributes_after(context: SentenceContext, index: int) -> list[str]:
    """'dilated and impaired LV size and function': attribute words after the value word."""
    attributes: list[str] = []
    edge = context.mentions[index].end
    for other in context.mentions[index + 1 :]:
        if not FORWARD_GAP.fullmatch(context.text, edge, other.start):
            break
        if other.family == "anchor" or other.family == "severity":
            edge = other.end
            continue
        if other.family != "attr":
            break
        attributes.append(other.kind)
        edge = other.end
    return attributes


def _attributes_before(context: SentenceContext, index: int) -> list[str]:
    """'LV size and function are normal': attribute words before the value word."""
    attributes: list[str] = []
    edge = context.mentions[index].start
    for other in reversed(context.mentions[:index]):
        if not BACKWARD_GAP.fullmatch(context.text, other.end, edge):
            break
        if other.family == "anchor":
            edge = other.start
            continue
        if other.family != "attr":
            break
        attributes.append(other.kind)
        edge = other.start
    return attributes


def _describes_other_term(context: SentenceContext, index: int) -> bool:
    """'small effusion', 'large apical thrombus', 'thin rim': the value word is another thing's."""
    decisions = context.decisions
    mentions = context.mentions
    mention = mentions[index]
    if mention.kind in _THICKNESS_KINDS and _LAYER_AFTER.match(context.text, mention.end):
        return True
    edge = mention.end
    for other in mentions[index + 1 :]:
        if not ADJACENT.fullmatch(context.text, edge, other.start):
            break
        if other.family in decisions.other_term_families:
            return True
        if other.family not in decisions.descriptive_families:
            break
        edge = other.end
    edge = mention.start
    for other in reversed(mentions[:index]):
        if not _COPULA_GAP.fullmatch(context.text[other.end : edge]):
            break
        if other.family in decisions.other_term_families and other.family != "dx":
            return mention.kind not in _MOTION_KINDS
        if other.family not in decisions.descriptive_families:
            break
        edge = other.start
    return False


def _between(context: SentenceContext, first: Mention, second: Mention) -> str:
    """The text between two mentions, whichever comes first."""
    if first.end <= second.start:
        return context.text[first.end : second.start]
    return context.text[second.end : first.start]


def _anchor(context: SentenceContext, mention: Mention, carry: bool = True) -> str | None:
    """The chamber word nearest the mention; else (``carry``) the previous sentence's."""
    anchors = [m for m in context.mentions if m.family == "anchor"]
    # "the RV was non-dilated with normal function, and the LV ...": a chamber
    # of the value word's own clause before one across a clause break.
    same_clause = [m for m in anchors if not _CLAUSE_BREAK.search(_between(context, m, mention))]
    anchors = same_clause or anchors
    if anchors:
        nearest = min(
            anchors, key=lambda m: min(abs(m.start - mention.end), abs(mention.start - m.end))
        )
        return nearest.kind
    state = context.state
    if carry and state.anchor and state.anchor_section == context.sentence.section:
        # Only a sentence about nothing else continues the previous chamber.
        others = context.decisions.other_term_families
        if not any(m.family in others or m.family == "valve" for m in context.mentions):
            return state.anchor
    return None


def _chamber_codes(
    context: SentenceContext,
    mention: Mention,
    index: int,
    attribute: str,
    value: str,
    negated: bool,
) -> list[tuple[str, str]]:
    """(code, value) pairs a value word gives for one attribute."""
    decisions = context.decisions
    if negated:
        value = decisions.negated_value.get(attribute, {}).get(value, "")
        if not value:
            return []
    codes = decisions.attribute_codes.get(attribute)
    if codes is not None:
        code_value = codes.get(value)
        if code_value is None:
            return []
        if (
            attribute in decisions.lv_wall_attributes
            and _anchor(context, mention, carry=False) in decisions.not_lv_anchors
        ):
            return []
        return [code_value]
    anchor = _anchor(context, mention)
    found: list[tuple[str, str]] = []
    for chamber in decisions.chambers_of_anchor.get(anchor or "", ()):
        if attribute == "size":
            size = decisions.chamber_size[chamber].get(value)
            if size:
                found.append((f"cine.{chamber}_size", size))
        elif attribute == "function":
            function = _function_value(context, chamber, mention, index, value)
            if function:
                found.append((f"cine.{chamber}_systolic_function", function))
    return found


def _function_value(
    context: SentenceContext, chamber: str, mention: Mention, index: int, value: str
) -> str | None:
    """A chamber's systolic function from a value word; an LV "impaired" is graded."""
    decisions = context.decisions
    function = decisions.chamber_function[chamber].get(value)
    if function != GRADED:
        return function
    severity = mention.kind if mention.family == "severity" else _severity_before(context, index)
    if severity:
        return decisions.severity_grade[severity]
    lvef = next(
        (m.value for m in context.measured if m.code == "cine.lvef"), context.state.report_lvef
    )
    if lvef is None:
        return None
    return next((g.grade for g in decisions.lvef_grades if lvef >= g.min_lvef), None)


def _severity_before(context: SentenceContext, index: int) -> str | None:
    """The severity word before a value word, across chamber, attribute and distribution words."""
    mentions = context.mentions
    edge = mentions[index].start
    for other in reversed(mentions[:index]):
        if not BACKWARD_GAP.fullmatch(context.text, other.end, edge):
            return None
        if other.family == "severity":
            return other.kind
        if other.family not in ("anchor", "attr", "distribution"):
            return None
        edge = other.start
    return None


def thickness_pattern_candidates(
    context: SentenceContext, found: list[Candidate]
) -> list[Candidate]:
    """Concentric / asymmetric hypertrophy, when the sentence states thickening or HCM.

    Args:
        context: The sentence being read.
        found: The sentence's candidates so far (a thickened wall is among them).

    Returns:
        One ``cine.wall_thickness_pattern`` candidate per pattern word asserted.
    """
    thick = any(c.code == "cine.wall_thickness" and c.value == "thickened" for c in found) or any(
        m.concept == "dx.hcm" for m in context.mentions
    )
    if not thick:
        return []
    patterns: list[Candidate] = []
    for mention in context.of_family("thickness_pattern"):
        assertion = context.assertion(mention)
        if assertion.status in ("negated", "historical", "hypothetical"):
            continue
        patterns.append(
            context.candidate(
                "cine.wall_thickness_pattern", mention.kind, assertion.certainty, mention.start
            )
        )
    return patterns
