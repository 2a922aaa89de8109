"""Does an evidence quote carry a cue for the finding it is quoted for?

Pure (reads the shipped rule files once). The evidence span is run through
the rule extractor's lexicon matcher (the ``qaforge_terms`` PhraseMatcher of
:func:`qaforge.extract.rules.extractor.build_pipeline`); the finding's code
needs a mention of one of its cue families or concepts, each claimed level a
``level.*`` mention and each claimed wall a ``wall.*`` mention, and a numeric
value must be written in the span. The code-to-cue map is derived from the
decision tables (:mod:`qaforge.extract.rules.decision_tables`: presence codes,
family sequence, pattern codes, attribute codes, chamber tables); codes the
tables do not name take their cues from ``_OTHER_CUES``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from qaforge.domain.vocabulary import Finding
from qaforge.extract.rules.candidates import Mention
from qaforge.extract.rules.decision_tables import load_decisions
from qaforge.extract.rules.extractor import build_pipeline

# Codes no decision table maps from a lexicon family: their families by name.
_OTHER_CUES: dict[str, frozenset[str]] = {
    "cine.wall_thickness_pattern": frozenset({"thickness_pattern"}),
    "cine.valve_regurgitation": frozenset({"valve"}),
    "lge.papillary_muscle": frozenset({"papillary"}),
    "perfusion.condition": frozenset({"perfusion"}),
    "perfusion.territory": frozenset({"territory"}),
    "overall.etiology": frozenset({"dx", "perfusion"}),
    "cine.wall_motion": frozenset({"value.rwma"}),
    "overall.nicm_subtype": frozenset({"dx"}),
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SEGMENTS = re.compile(r"\bsegments?\s+\d", re.IGNORECASE)
LEVEL_ORDER = ("basal", "mid", "apical", "apex")


def missing_cue(span: str, finding: Finding, sentence: str | None = None) -> str | None:
    """Why ``span`` does not support ``finding``, or ``None`` when it does.

    Args:
        span: The located evidence text (``report[start:end]``).
        finding: The finding the quote is given for.
        sentence: The sentence around the span, where the places are looked
            up (default: the span); a quote may name the finding while its
            sentence names the walls ("LGE ... in the basal inferior wall").

    Returns:
        ``quote names no cue for <code>``, ``... for level <level>``,
        ``... for wall <wall>``, ``quote does not state the value <n>``, or ``None``.
    """
    mentions = _mentions(span)
    cues = _cues().get(finding.code)
    if cues and not any(m.family in cues or m.concept in cues for m in mentions):
        return f"quote names no cue for {finding.code}"
    places = mentions if sentence is None else _mentions(sentence)
    problem = None if _SEGMENTS.search(sentence or span) else _missing_place(places, finding)
    if problem is not None:
        return problem
    if isinstance(finding.value, float) and not _states_number(span, finding.value):
        return f"quote does not state the value {finding.value:g}"
    return None


def place_only_in_sentence(span: str, finding: Finding) -> bool:
    """Whether the quote leaves a claimed level or wall to its sentence.

    :func:`missing_cue` accepts places the sentence names ("LGE ... in the
    basal inferior wall" quoted as "LGE"); such a finding is weaker: the
    sentence may name the place of another finding. Segments named by number
    count as the quote's own.
    """
    if not (finding.levels or finding.walls) or _SEGMENTS.search(span):
        return False
    return _missing_place(_mentions(span), finding) is not None


def _missing_place(places: Sequence[Mention], finding: Finding) -> str | None:
    """The first claimed level or wall no mention names.

    A level between two named ones is named ("from base to apex" names mid);
    "septal" names both septal walls, "lateral" both lateral ones.
    """
    named = [LEVEL_ORDER.index(m.kind) for m in places if m.family == "level"]
    for level in finding.levels:
        rank = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1
        if not named or not min(named) <= rank <= max(named):
            return f"quote names no cue for level {level}"
    walls = {m.kind for m in places if m.family == "wall"}
    for wall in finding.walls:
        if not any(wall == said or wall.endswith(said) for said in walls):
            return f"quote names no cue for wall {wall}"
    return None


def _states_number(span: str, value: float) -> bool:
    return any(float(number) == value for number in _NUMBER.findall(span))


# A sentence is looked up once per finding it supports, and the same text
# recurs across the findings of one answer: kept, not re-tokenised.
@functools.lru_cache(maxsize=4096)
def _mentions(span: str) -> tuple[Mention, ...]:
    nlp = _pipeline()
    doc = nlp.make_doc(span)
    return tuple(nlp.get_pipe("qaforge_terms")(doc)._.qaforge_mentions)


@functools.cache
def _pipeline():
    return build_pipeline()


@functools.cache
def _cues() -> dict[str, frozenset[str]]:
    """Each code's cue families (``lge``) and concepts (``attr.size``)."""
    decisions = load_decisions()
    cues: dict[str, set[str]] = {code: set(families) for code, families in _OTHER_CUES.items()}
    for family, code in decisions.presence_codes.items():
        cues.setdefault(code, set()).add(family)
        for other, section in decisions.family_sequence.items():
            if section == family:
                cues[code].add(other)
    for patterns in decisions.pattern_codes.values():
        for cue, code in patterns.items():
            cues.setdefault(code, set()).add(cue)
    for attribute, words in decisions.attribute_codes.items():
        for word, (code, _value) in words.items():
            cues.setdefault(code, set()).update({f"attr.{attribute}", f"value.{word}"})
    for table, attribute, code_of in (
        (decisions.chamber_size, "size", "cine.{}_size"),
        (decisions.chamber_function, "function", "cine.{}_systolic_function"),
    ):
        for chamber, words in table.items():
            code = code_of.format(chamber)
            cues.setdefault(code, set()).add(f"attr.{attribute}")
            cues[code].update(f"value.{word}" for word in words)
    return {code: frozenset(found) for code, found in cues.items()}
