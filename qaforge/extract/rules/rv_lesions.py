"""Right-ventricular lesions: kept apart from the LV lesions a sentence also places.

ANNOTATION rule 5: an RV statement has no LV wall, so it is a finding
without a place. "Enhancement of the RV free wall and of the inferolateral LV
wall" states two lesions: one of the RV (no place) and one inferolateral.
Placement alone gives the term the LV place only; this step adds the RV
lesion, and marks every RV lesion (descriptor ``rv``) so that merging never
folds it into an LV lesion of another sentence.
"""

from __future__ import annotations

import re

from qaforge.extract.rules.candidates import Candidate, SentenceContext
from qaforge.extract.rules.locations import Location

# Presence codes whose lesions may be in either ventricle.
_LESION_CODES = frozenset({"lge.presence", "t2.edema", "perfusion.defect"})

# Between an RV place and an LV place of one term: "RV free wall and of the inferolateral".
_COORDINATED = re.compile(r"\b(?:and|as well as|plus)\b|,", re.IGNORECASE)

RV_DESCRIPTOR = "rv"


def split_rv_lesions(context: SentenceContext) -> list[Candidate]:
    """The RV lesions of the sentence's placed terms, as new candidates (pure but for marks).

    Args:
        context: The sentence read, after :func:`~qaforge.extract.rules.placement.attach_locations`.

    Returns:
        One extra candidate (no place, descriptor ``rv``) per present lesion
        term whose place list joins an RV place to an LV one. A term whose only
        place is the RV is marked ``rv`` itself and gives no extra candidate.
    """
    extra: list[Candidate] = []
    if not any(m.concept == "anchor.rv" for m in context.mentions):
        return extra
    targets = sorted(context.localized, key=lambda pair: pair[1].start)
    for index, (candidate, mention) in enumerate(targets):
        if candidate.code not in _LESION_CODES or candidate.value != "present":
            continue
        reach = targets[index + 1][1].start if index + 1 < len(targets) else context.sentence.end
        rv = [
            m
            for m in context.mentions
            if m.concept == "anchor.rv" and mention.end <= m.start < reach
        ]
        if not rv:
            continue
        if candidate.location.is_empty():
            candidate.descriptors.add(RV_DESCRIPTOR)
            continue
        if _joined_to_a_place(context, rv[0].end, reach):
            lesion = context.candidate(
                candidate.code, candidate.value, candidate.certainty, rv[0].start
            )
            lesion.location = Location()
            lesion.descriptors = {RV_DESCRIPTOR}
            lesion.doubts |= candidate.doubts
            extra.append(lesion)
    return extra


def _joined_to_a_place(context: SentenceContext, start: int, end: int) -> bool:
    """True when a coordinator after the RV place leads on to an LV place word."""
    joint = _COORDINATED.search(context.text, start, end)
    if joint is None:
        return False
    return any(
        m.family in ("level", "wall") and joint.end() <= m.start < end for m in context.mentions
    )
