"""Valve regurgitation: one finding per valve named ("mild MR and TR"); negated, ``none``.

An abbreviation that also names something else ("MR" is also the scan) states
regurgitation only with a cue next to it, and never where it names the scan or
is a title before a name (``valve_abbreviations`` in ``decisions.yaml``).
"""

from __future__ import annotations

import functools
import re

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext
from qaforge.extract.rules.decision_tables import ValveAbbreviations
from qaforge.extract.rules.grammar import FORWARD_GAP
from qaforge.libs.wordlists import looks_like_name

_VALVE_NAMES = frozenset({"mitral", "aortic", "tricuspid", "pulmonary"})

# Between "regurgitation" and the valves named after it ("regurgitation at the mitral valve").
_VALVES_AFTER_GAP = re.compile(
    r"[\s,/&]*(?:(?:at|of|through|across|the|and|or|valves?)\b[\s,/&]*)*", re.IGNORECASE
)

# A gap that coordinates two names ("mitral and tricuspid regurgitation").
_COORDINATOR = re.compile(r"[,/&]|\b(?:and|or|nor|as well as)\b", re.IGNORECASE)

# Copulas between an abbreviation and the grade after it ("MR is mild").
_COPULA = r"(?:(?:is|are|was|were|appears?|appeared|seems?|remains?|looks?|graded(?:\s+as)?)\s+)?"


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
            if not _is_regurgitation(context, mention):
                continue
            valves = [kind.removesuffix("_regurgitation"), *_coordinated_before(context, mention)]
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


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.cache
def _scan_patterns(cues: ValveAbbreviations) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A scan word right before an abbreviation ("cardiac MR"), and right after it ("MR imaging")."""
    before = re.compile(rf"(?<![\w+-])(?:{_alternatives(cues.scan_before)})[\s-]+\Z", re.I)
    after = re.compile(rf"[\s-]+(?:{_alternatives(cues.scan_after)})(?![\w+])", re.I)
    return before, after


# A capitalised word after an abbreviation (a title when it may be a name: "MR SMITH").
_NEXT_CAPITALISED = re.compile(r"\.?[ \t]+(?P<word>[A-Z][A-Za-z'’-]+)")


@functools.cache
def _cue_patterns(cues: ValveAbbreviations) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The grade word right before an abbreviation, and the cue right after it."""
    grades = "|".join(re.escape(w) for w in sorted(cues.grades_before, key=len, reverse=True))
    after = "|".join(re.escape(w) for w in sorted(cues.cues_after, key=len, reverse=True))
    before = re.compile(rf"(?<![\w+-])(?:{grades})[\s-]+\Z", re.IGNORECASE)
    following = re.compile(
        rf"[\s:(-]*(?:(?:{after})|{_COPULA}(?:{grades}))(?![\w+])", re.IGNORECASE
    )
    return before, following


def _is_regurgitation(context: SentenceContext, mention: Mention) -> bool:
    """False for an ambiguous abbreviation ("MR" of "Cardiac MR", "Mr") without a cue."""
    cues = context.decisions.valve_abbreviations
    surface = context.text[mention.start : mention.end]
    if surface.upper() not in cues.forms:
        return True
    if surface[0].isupper() and surface[1:].islower():
        return False  # "Mr": a title
    sentence = context.sentence
    if _names_the_scan(context, mention, cues) or _is_title(context, mention, cues):
        return False
    before, following = _cue_patterns(cues)
    if before.search(context.text, sentence.start, mention.start):
        return True
    cue = following.match(context.text, mention.end, sentence.end)
    if cue is not None and not _begins_another_term(context, cue.end()):
        return True
    return _coordinated_with_valve(context, mention, before)


def _names_the_scan(context: SentenceContext, mention: Mention, cues: ValveAbbreviations) -> bool:
    """True for "cardiac MR", "stress MR", "MR imaging", "MR angiography"."""
    before, after = _scan_patterns(cues)
    sentence = context.sentence
    return bool(
        before.search(context.text, sentence.start, mention.start)
        or after.match(context.text, mention.end, sentence.end)
    )


def _is_title(context: SentenceContext, mention: Mention, cues: ValveAbbreviations) -> bool:
    """True for "MR SMITH", "MR. Jones": a capitalised word follows that may be a name
    (a common census name or no dictionary word) and is neither a report term nor a cue."""
    found = _NEXT_CAPITALISED.match(context.text, mention.end, context.sentence.end)
    if found is None:
        return False
    word = found.group("word")
    if any(other.start == found.start("word") for other in context.mentions):
        return False
    cue_words = {w.split()[0].lower() for w in (*cues.grades_before, *cues.cues_after)}
    return word.lower() not in cue_words and looks_like_name(word)


def _begins_another_term(context: SentenceContext, position: int) -> bool:
    """True when the grade that ends at ``position`` is followed by another term
    ("The MR: mild LV dilatation": "mild" grades the dilatation)."""
    gap = re.compile(r"[ \t]+")
    for other in context.mentions:
        if other.start >= position and other.family != "valve":
            if gap.fullmatch(context.text, position, other.start):
                return True
    return False


def _coordinated_with_valve(
    context: SentenceContext, mention: Mention, grade_before: re.Pattern[str]
) -> bool:
    """True when another valve's regurgitation is coordinated with the mention ("MR and TR")."""
    valves = context.of_family("valve")
    index = valves.index(mention)
    text = context.text
    neighbours = []
    if index > 0:
        neighbours.append((valves[index - 1].end, mention.start, valves[index - 1]))
    if index + 1 < len(valves):
        neighbours.append((mention.end, valves[index + 1].start, valves[index + 1]))
    for start, end, other in neighbours:
        if other.kind == "regurgitation" or not other.kind.endswith("_regurgitation"):
            continue
        gap = text[start:end]
        # What is left once the grade words ("and moderate") are taken off.
        bare = grade_before.sub("", gap)
        if _COORDINATOR.search(gap) and re.fullmatch(
            r"[\s,/&]*(?:(?:and|or|nor|as well as)\b[\s,/&]*)?", bare, re.IGNORECASE
        ):
            return True
    return False


def _coordinated_before(context: SentenceContext, regurgitation: Mention) -> list[str]:
    """'mitral and tricuspid regurgitation': the valve names coordinated before the term."""
    text = context.text
    valves: list[str] = []
    edge = regurgitation.start
    for mention in reversed([m for m in context.mentions if m.end <= regurgitation.start]):
        if mention.family != "valve" or mention.kind not in _VALVE_NAMES:
            break
        gap = text[mention.end : edge]
        if not FORWARD_GAP.fullmatch(gap) or (not valves and not _COORDINATOR.search(gap)):
            break
        valves.append(mention.kind)
        edge = mention.start
    return valves


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
