"""The words that may stand between two mentions that belong together.

These are English connective grammar, not clinical decisions: articles,
conjunctions, copulas and filler words ("the", "and", "is", "walls"), written
as regular expressions that must match the whole gap between two mentions.
Which *families* of mentions may stand in between is a decision, and comes
from the decision tables.
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import SentenceContext

# Between a value word and the attribute after it ("dilated and impaired LV function").
FORWARD_GAP = re.compile(r"[\s,/&()-]*(?:(?:and|or|the|in|of)\b[\s,/&()-]*)*", re.IGNORECASE)

# Between an attribute and the value word after it ("LV size is, overall, normal").
BACKWARD_GAP = re.compile(
    r"[\s,/&():-]*(?:(?:and|or|the|is|are|was|were|at|appears?|appeared|remains?|seems?|looks?|both|all|"
    r"overall|otherwise|globally|each|within|considered|judged|visually|qualitatively|assessed as)\b[\s,/&():-]*)*",
    re.IGNORECASE,
)

# Two words side by side (a space or a hyphen between them).
ADJACENT = re.compile(r"[\s-]*")

# After a finding: it is of the rest of the heart ("hypokinesia elsewhere", "in
# the remaining segments"), not of the place named before it.
ELSEWHERE = re.compile(
    r"[\s,]*(?:elsewhere|in\s+(?:all\s+)?(?:the\s+)?(?:other|remaining)\s+"
    r"(?:segments?|walls?|territor(?:y|ies)|regions?|areas?))\b",
    re.IGNORECASE,
)

# Between a place and the term it is the place of ("inferior wall subendocardial LGE").
_LOCATION_GAP = re.compile(
    r"[\s()-]*(?:(?:walls?|segments?|myocardium|myocardial|region|territory)\b[\s()-]*)*",
    re.IGNORECASE,
)


def only_modifiers_between(context: SentenceContext, start: int, end: int) -> bool:
    """True when ``text[start:end]`` holds only modifier words, connectors and 'wall(s)'.

    Modifier words are mentions of the ``modifier_families`` decision table.
    """
    text = context.text
    modifiers = context.decisions.modifier_families
    position = start
    for mention in context.mentions:
        if mention.end <= start or mention.start >= end:
            continue
        if mention.family not in modifiers:
            return False
        if not _LOCATION_GAP.fullmatch(text, position, mention.start):
            return False
        position = mention.end
    return _LOCATION_GAP.fullmatch(text, position, end) is not None
