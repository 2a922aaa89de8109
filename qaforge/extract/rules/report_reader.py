"""A report's findings from its sentences and mentions: read sentence by sentence, then merged.

Pure (no spaCy): the last step of the rule pipeline. Sentences are read in
order, each with what earlier ones established; the candidates then merge
into one finding per distinct statement (ANNOTATION rule 4).
"""

from __future__ import annotations

import bisect
from typing import get_args

from qaforge.domain.vocabulary import Evidence, Finding, Level, Wall
from qaforge.extract.rules.assertion import AssertionAnalyzer
from qaforge.extract.rules.candidates import Candidate, Mention, ReportState, SentenceContext
from qaforge.extract.rules.confidence import ConfidenceRules, mark_contradictions
from qaforge.extract.rules.decision_tables import Decisions
from qaforge.extract.rules.measurements import Measurement, measurements
from qaforge.extract.rules.rv_lesions import RV_DESCRIPTOR
from qaforge.extract.rules.sentence_reader import read_sentence
from qaforge.extract.rules.structure import Sentence

EXTRACTOR_NAME = "rules"

_LEVELS = list(get_args(Level))
# Every field is given: telling model_construct so saves it working it out per finding.
_FINDING_FIELDS = frozenset(Finding.model_fields)
_EVIDENCE_FIELDS = frozenset(Evidence.model_fields)
_WALLS = list(get_args(Wall))


def read_findings(
    text: str,
    sentences: list[Sentence],
    mentions: list[Mention],
    analyzer: AssertionAnalyzer,
    decisions: Decisions,
    confidence: ConfidenceRules,
) -> list[Finding]:
    """Findings of a report.

    Args:
        text: The report text.
        sentences: Its sentences, in order (structure component).
        mentions: Its lexicon mentions, in order (terms component).
        analyzer: Decides assertion status.
        decisions: The decision tables.
        confidence: The weights of doubts (``confidence.yaml``).

    Returns:
        One finding per distinct statement, in text order, each with its
        confidence and doubts.
    """
    has_impression = any(s.section == "impression" for s in sentences)
    closing = set() if has_impression else _closing_sentences(sentences, mentions)
    measured = [measurements(text, s.start, s.end) for s in sentences]
    state = ReportState(report_lvef=_report_lvef(sentences, measured))
    starts = [m.start for m in mentions]
    candidates: list[Candidate] = []
    for index, sentence in enumerate(sentences):
        if sentence.header_start is not None and not sentence.header_is_subject:
            _note_header_anchor(state, sentence, mentions, starts)
        low = bisect.bisect_left(
            starts, sentence.content_start if not sentence.header_is_subject else sentence.start
        )
        high = bisect.bisect_left(starts, sentence.end)
        own = [m for m in mentions[low:high] if m.end <= sentence.end]
        if not own and not any(ch.isdigit() for ch in text[sentence.start : sentence.end]):
            continue
        context = SentenceContext(
            text,
            sentence,
            own,
            analyzer,
            state,
            decisions,
            diagnosis_allowed=sentence.section == "impression" or index in closing,
            measured=measured[index],
        )
        candidates.extend(read_sentence(context))
    merged = merge_candidates(candidates, decisions)
    mark_contradictions(merged, confidence, decisions.localized_codes)
    return [_to_finding(text, c, confidence) for c in merged]


def _note_header_anchor(
    state: ReportState, sentence: Sentence, mentions: list[Mention], starts: list[int]
) -> None:
    """A header such as "Right ventricle:" names the chamber its sentences describe."""
    assert sentence.header_start is not None
    low = bisect.bisect_left(starts, sentence.header_start)
    high = bisect.bisect_left(starts, sentence.start)
    anchors = [m for m in mentions[low:high] if m.family == "anchor" and m.kind != "other"]
    if anchors:
        state.anchor = anchors[-1].kind
        state.anchor_section = sentence.section


def _closing_sentences(sentences: list[Sentence], mentions: list[Mention]) -> set[int]:
    """A narrative's closing summary: the last of its final two sentences that names a diagnosis.

    Only a sentence of an unheaded (or "Findings") narrative qualifies: in a
    report with sequence sections and no impression, no sentence states the
    diagnosis (ANNOTATION rule 8).
    """
    for index in range(len(sentences) - 1, max(len(sentences) - 3, -1), -1):
        sentence = sentences[index]
        if sentence.section != "findings":
            continue
        if any(m.family == "dx" and sentence.start <= m.start < sentence.end for m in mentions):
            return {index}
    return set()


def _report_lvef(sentences: list[Sentence], measured: list[list[Measurement]]) -> float | None:
    """The first LVEF the report states for this study (not in an excluded or scoped sentence)."""
    for sentence, found in zip(sentences, measured, strict=True):
        if sentence.section != "excluded" and sentence.scope is None:
            for measurement in found:
                if measurement.code == "cine.lvef":
                    return measurement.value
    return None


def merge_candidates(candidates: list[Candidate], decisions: Decisions) -> list[Candidate]:
    """One finding per distinct statement (ANNOTATION rule 4).

    Same code and value merge; for located codes only when one location
    contains the other (the more specific one is kept). The body's certainty
    wins over the impression's; a diagnosis keeps its strongest certainty.

    Args:
        candidates: The report's candidates, in reading order.
        decisions: The decision tables (located codes, certainty order).

    Returns:
        The merged candidates, sorted by sentence, position and code.
    """
    merged: list[Candidate] = []
    for candidate in candidates:
        for kept in merged:
            if kept.code != candidate.code or kept.value != candidate.value:
                continue
            if candidate.code in decisions.localized_codes and not _merge_places(kept, candidate):
                continue
            # One clean reading of a statement is enough: the merged finding keeps
            # only the doubts every reading of it had.
            kept.doubts &= candidate.doubts
            if candidate.code.startswith("overall."):
                rank = decisions.certainty_rank
                if rank(candidate.certainty) > rank(kept.certainty):
                    kept.certainty = candidate.certainty
            elif (
                kept.sentence.section == "impression" and candidate.sentence.section != "impression"
            ):
                kept.certainty = candidate.certainty
                kept.sentence = candidate.sentence
            break
        else:
            merged.append(candidate)
    merged.sort(key=lambda c: (c.sentence.start, c.position, c.code))
    return merged


def _merge_places(kept: Candidate, candidate: Candidate) -> bool:
    """Merge the place of ``candidate`` into ``kept`` if they are one lesion; False if not."""
    a, b = kept.location.elements(), candidate.location.elements()
    if not (a <= b or b <= a):
        return False
    d, e = kept.descriptors, candidate.descriptors
    if (RV_DESCRIPTOR in d) != (RV_DESCRIPTOR in e):
        return False  # an RV lesion is never one of the LV's (rule 5)
    if d and e and not (d <= e or e <= d):
        return False  # another depth or pattern: another lesion (rule 4)
    if len(b) > len(a):
        kept.location = candidate.location
    kept.descriptors |= candidate.descriptors
    return True


def _to_finding(text: str, candidate: Candidate, confidence: ConfidenceRules) -> Finding:
    # The recognizers only build codes and values of the vocabulary (the tests
    # validate every output), so construction skips re-validation for speed.
    sentence = candidate.sentence
    location = candidate.location
    doubts = set(candidate.doubts)
    if candidate.certainty != "definite":
        doubts.add("hedged")
    ordered = tuple(sorted(doubts))
    return Finding.model_construct(
        _fields_set=_FINDING_FIELDS,
        code=candidate.code,
        value=candidate.value,
        levels=tuple(sorted(location.levels, key=_LEVELS.index)),
        walls=tuple(sorted(location.walls, key=_WALLS.index)),
        segments=tuple(sorted(location.segments)),
        certainty=candidate.certainty,
        evidence=Evidence.model_construct(
            _fields_set=_EVIDENCE_FIELDS,
            start=sentence.start,
            end=sentence.end,
            text=text[sentence.start : sentence.end],
        ),
        extractor=EXTRACTOR_NAME,
        confidence=confidence.confidence(ordered),
        doubts=ordered,
    )
