"""What the recognizers read and write: mentions in, candidate findings out.

A :class:`Mention` is a lexicon concept found in the text; a
:class:`Candidate` is a finding before merging across sentences;
:class:`ReportState` is what earlier sentences of the report established; a
:class:`SentenceContext` is one sentence being read, with everything a
recognizer asks about it (its mentions, the assertion of each, its sequence,
the decision tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qaforge.extract.rules.assertion import Assertion, AssertionAnalyzer, SentenceTriggers
from qaforge.extract.rules.decision_tables import Decisions
from qaforge.extract.rules.locations import Location
from qaforge.extract.rules.measurements import Measurement
from qaforge.extract.rules.structure import Sentence

# Code families whose meaning hangs on the sequence the sentence is about.
_SEQUENCE_BOUND = frozenset({"lge", "t2", "perfusion"})
# A figure legend's panel: "(A) ...", "B: ...", "Panel 4c ...".
_PANEL_LABEL = re.compile(
    r"\s*(?:\(\s*[A-Ha-h]\d?\s*\)|[A-H]\d?[:)]\s|panels?\s+\w+)", re.IGNORECASE
)
# A sentence naming this many finding families lists several findings at once.
_CROWDED_FAMILIES = 3
_FINDING_FAMILIES = frozenset(
    {
        "attr",
        "lge",
        "edema",
        "perfusion",
        "effusion",
        "thrombus",
        "lvot",
        "valve",
        "papillary",
        "dx",
    }
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A lexicon concept found at ``text[start:end]``."""

    start: int
    end: int
    concept: str
    family: str  # the concept's prefix: "lge" of "lge.term"
    kind: str  # the rest: "term"

    @classmethod
    def of(cls, start: int, end: int, concept: str) -> Mention:
        """The mention of ``concept`` ("family.kind") at ``start:end``."""
        family, kind = concept.split(".", 1)
        return cls(start, end, concept, family, kind)


@dataclass(slots=True)
class Candidate:
    """A finding before merging: where it came from and how sure the report is."""

    code: str
    value: str | float
    certainty: str
    sentence: Sentence
    position: int
    location: Location = field(default_factory=Location)
    descriptors: set[str] = field(default_factory=set)
    # What makes the reading less sure (names of rules/confidence.yaml).
    doubts: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ReportState:
    """What earlier sentences of the report established."""

    anchor: str | None = None
    anchor_section: str | None = None
    sequence: str | None = None
    sequence_section: str | None = None
    last_location: Location | None = None
    report_lvef: float | None = None


class SentenceContext:
    """One sentence being read: its mentions, their assertions, its sequence, the decisions.

    Args:
        text: The whole report text (offsets are absolute).
        sentence: The sentence read.
        mentions: The sentence's mentions, in text order.
        analyzer: Decides the assertion status of a span.
        state: What earlier sentences established (read here; updated by the reader).
        decisions: The decision tables (``decisions.yaml``).
        diagnosis_allowed: Whether the sentence may state a diagnosis (rule 8).
        measured: The sentence's measurements.
    """

    def __init__(
        self,
        text: str,
        sentence: Sentence,
        mentions: list[Mention],
        analyzer: AssertionAnalyzer,
        state: ReportState,
        decisions: Decisions,
        *,
        diagnosis_allowed: bool,
        measured: list[Measurement],
    ) -> None:
        self.text = text
        self.sentence = sentence
        self.mentions = mentions
        self.analyzer = analyzer
        self.state = state
        self.decisions = decisions
        self.diagnosis_allowed = diagnosis_allowed
        self.measured = measured
        # Candidates that take a place, with the mention they came from (placement.py).
        self.localized: list[tuple[Candidate, Mention]] = []
        # The presence candidate of a term, by the term's span: pattern words add to it.
        self.candidate_of: dict[tuple[int, int], Candidate] = {}
        self._triggers: SentenceTriggers | None = None
        self._assertions: dict[tuple[int, int], Assertion] = {}
        self.sequence, self.sequence_basis = self._sentence_sequence()
        self._sentence_doubts = self._doubts_of_sentence()

    def triggers(self) -> SentenceTriggers:
        """The sentence's assertion triggers, found on first use."""
        if self._triggers is None:
            self._triggers = self.analyzer.sentence_triggers(
                self.text, self.sentence.start, self.sentence.end
            )
        return self._triggers

    def assertion(self, mention: Mention) -> Assertion:
        """The assertion of a mention of the sentence (cached)."""
        key = (mention.start, mention.end)
        if key not in self._assertions:
            self._assertions[key] = self.analyzer.assess(
                self.triggers(), mention.start, mention.end
            )
        return self._assertions[key]

    def assess(self, start: int, end: int, ignore: tuple[str, ...] = ()) -> Assertion:
        """The assertion of ``text[start:end]``, leaving out the ``ignore`` categories (uncached)."""
        return self.analyzer.assess(self.triggers(), start, end, ignore=ignore)

    def of_family(self, *families: str) -> list[Mention]:
        """The sentence's mentions of these families, in order."""
        return [m for m in self.mentions if m.family in families]

    def resolved_after(self, mention: Mention) -> bool:
        """True when "resolved" follows the mention: it is not there any more."""
        return any(m.concept == "value.resolved" and m.start >= mention.end for m in self.mentions)

    def candidate(self, code: str, value: str | float, certainty: str, position: int) -> Candidate:
        """A candidate of this sentence, with the doubts the sentence gives it."""
        doubts = set(self._sentence_doubts)
        family = code.split(".", 1)[0]
        if self.sequence_basis == "previous" and family in _SEQUENCE_BOUND:
            doubts.add("sequence_inherited")
        if family == "overall" and self.sentence.section != "impression":
            doubts.add("unheaded_diagnosis")
        return Candidate(code, value, certainty, self.sentence, position, doubts=doubts)

    def localize(self, candidate: Candidate, mention: Mention) -> None:
        """Mark ``candidate`` (from ``mention``) as one that takes the sentence's places."""
        self.localized.append((candidate, mention))

    def _sentence_sequence(self) -> tuple[str | None, str | None]:
        """The sequence the sentence is about, and where it came from.

        Returns:
            ``(sequence, basis)``: the basis is ``own`` (the sentence's terms
            name it), ``section`` (its heading does), ``previous`` (carried
            from the sentence before) or None (no sequence).
        """
        family_sequence = self.decisions.family_sequence
        own = {family_sequence[m.family] for m in self.mentions if m.family in family_sequence}
        if len(own) == 1:
            return own.pop(), "own"
        if own:
            return None, None
        section = self.decisions.section_sequence.get(self.sentence.section)
        if section:
            return section, "section"
        if self.state.sequence_section == self.sentence.section and self.state.sequence:
            return self.state.sequence, "previous"
        return None, None

    def _doubts_of_sentence(self) -> frozenset[str]:
        """Doubts of every candidate of the sentence: another test named in it, many findings in it."""
        doubts = set()
        if self.sentence.mixed:
            doubts.add("mixed_modality")
        if _PANEL_LABEL.match(self.text, self.sentence.start, self.sentence.end):
            doubts.add("figure_panel")
        families = {m.family for m in self.mentions if m.family in _FINDING_FAMILIES}
        if len(families) >= _CROWDED_FAMILIES:
            doubts.add("crowded")
        return frozenset(doubts)
