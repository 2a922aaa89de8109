"""Valve regurgitation: one finding per valve named ("mild MR and TR"); negated, ``none``."""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext
from qaforge.extract.rules.grammar import FORWARD_GAP

_VALVE_NAMES = frozenset({"mitral", "aortic", "tricuspid", "pulmonary"})

# Between "regurgitation" and the valves named after it ("regurgitation at the mitral valve").
_VALVES_AFTER_GAP = re.compile(
    r"[\s,/&]*(?:(?:at|of|through|across|the|and|or|valves?)\b[\s,/&]*)*", re.IGNORECASE
)


def valve_candidates(context: SentenceContext) -> list[Candidate]:
    """``cine.valve_regurgitation`` candidates of the sentence's valve mentions.

    Args:
        context: The sentence being read.

    Returns:
        One candidate per valve a regurgitation mention names, or one
        ``none`` for a negated mention.
    """
    found: list[Candidate] = []
    for mention in context.of_family("valve"):
        kind = mention.kind
        if kind.endswith("_regurgitation"):
            valves = [kind.removesuffix("_regurgitation")]
        elif kind == "regurgitation":
            valves = _named_valves(context, mention)
            if not valves:
                continue
        elif kind == "any":
            valves = []
        else:
            continue
        assertion = context.assertion(mention)
        if assertion.status in ("historical", "hypothetical"):
            continue
        if assertion.status == "negated":
            found.append(
                context.candidate("cine.valve_regurgitation", "none", "definite", mention.start)
            )
            continue
        for valve in valves:
            found.append(
                context.candidate(
                    "cine.valve_regurgitation", valve, assertion.certainty, mention.start
                )
            )
    return found


def _named_valves(context: SentenceContext, regurgitation: Mention) -> list[str]:
    """The valves a bare "regurgitation" is of: named before it, else right after it."""
    text = context.text
    valves: list[str] = []
    before = [m for m in context.mentions if m.end <= regurgitation.start]
    edge = regurgitation.start
    for mention in reversed(before):
        if mention.family == "severity":
            edge = mention.start
            continue
        if mention.family != "valve" or mention.kind not in _VALVE_NAMES:
            break
        if not FORWARD_GAP.fullmatch(text, mention.end, edge):
            break
        valves.append(mention.kind)
        edge = mention.start
    if valves:
        return valves
    edge = regurgitation.end
    for mention in [m for m in context.mentions if m.start >= regurgitation.end]:
        if mention.family != "valve" or mention.kind not in _VALVE_NAMES:
            break
        if not _VALVES_AFTER_GAP.fullmatch(text[edge : mention.start]):
            break
        valves.append(mention.kind)
        edge = mention.end
    return valves
