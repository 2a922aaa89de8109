"""Recognizers: the term mentions of one sentence become candidate findings.

Input is a sentence with its mentions (lexicon concepts found by the spaCy
PhraseMatcher), the assertion triggers of the sentence, and what the report
said before it (the chamber being described, the sequence, the last located
lesion). Output is a list of :class:`Candidate`, not yet merged across
sentences. Each recognizer handles one family of codes; ANNOTATION.md is the
specification, and the rule it implements is named where it is not obvious.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qaforge.extract.rules.assertion import Assertion, AssertionAnalyzer, SentenceTriggers
from qaforge.extract.rules.locations import Chunk, Location, location_chunks
from qaforge.extract.rules.measurements import Measurement
from qaforge.extract.rules.structure import Sentence

# Terms whose mere mention states a finding, negated -> "absent".
PRESENCE_CODES = {
    "effusion": "cine.pericardial_effusion",
    "thrombus": "cine.thrombus",
    "lvot": "cine.lvot_obstruction",
    "edema": "t2.edema",
    "perfusion": "perfusion.defect",
    "lge": "lge.presence",
}
LOCALIZED = frozenset(
    {"cine.wall_motion", "cine.wall_thickness", "lge.presence", "t2.edema", "perfusion.defect"}
)
SEQUENCE_OF_FAMILY = {"lge": "lge", "edema": "t2", "perfusion": "perfusion", "papillary": "lge"}
SECTION_SEQUENCE = {"lge": "lge", "t2": "t2", "perfusion": "perfusion"}
SUBTYPES = (
    "hcm",
    "dcm",
    "myocarditis",
    "amyloidosis",
    "sarcoidosis",
    "arvc",
    "lvnc",
    "fabry",
    "other",
)
CERTAINTY_RANK = {"definite": 2, "probable": 1, "possible": 0}

_IMPLIED_ATTRIBUTE = {
    "dilated": "size",
    "small": "size",
    "impaired": "function",
    "preserved": "function",
    "hyperdynamic": "function",
    "thickened": "wall_thickness",
    "thinned": "wall_thickness",
    "hypokinetic": "wall_motion",
    "akinetic": "wall_motion",
    "dyskinetic": "wall_motion",
    "rwma": "wall_motion",
}
_NEGATED_VALUE = {
    ("size", "dilated"): "normal",
    ("size", "small"): "normal",
    ("size", "elevated"): "normal",
    ("function", "impaired"): "normal",
    ("wall_thickness", "thickened"): "normal",
    ("wall_thickness", "thinned"): "normal",
    ("wall_motion", "hypokinetic"): "normal",
    ("wall_motion", "akinetic"): "normal",
    ("wall_motion", "dyskinetic"): "normal",
    ("wall_motion", "rwma"): "normal",
}
_SEVERITY_VALUE = {
    "mild": "mildly_reduced",
    "moderate": "moderately_reduced",
    "severe": "severely_reduced",
    "mild_moderate": "moderately_reduced",
    "moderate_severe": "severely_reduced",
}
_OTHER_TERMS = frozenset(
    {"effusion", "thrombus", "lge", "edema", "perfusion", "papillary", "dx", "mask"}
)
_DESCRIPTIVE = frozenset({"level", "wall", "anchor", "severity", "depth", "distribution"})
_NOT_THE_FIRST = re.compile(r"(?:additional|further|other|new|more|extra)[\s-]*\Z", re.IGNORECASE)
MODIFIER_FAMILIES = frozenset({"depth", "distribution", "severity", "thickness_pattern"})
_FORWARD_GAP = re.compile(r"[\s,/&()-]*(?:(?:and|or|the|in|of)\b[\s,/&()-]*)*", re.IGNORECASE)
_BACKWARD_GAP = re.compile(
    r"[\s,/&():-]*(?:(?:and|or|the|is|are|was|were|at|appears?|appeared|remains?|seems?|looks?|both|all|"
    r"overall|otherwise|globally|each|within|considered|judged|visually|qualitatively|assessed as)\b[\s,/&():-]*)*",
    re.IGNORECASE,
)
_ADJACENT = re.compile(r"[\s-]*")
_LOCATION_GAP = re.compile(
    r"[\s()-]*(?:(?:walls?|segments?|myocardium|myocardial|region|territory)\b[\s()-]*)*",
    re.IGNORECASE,
)
_SUBJECT_GAP = re.compile(
    r"[\s()-]*(?:(?:walls?|segments?|myocardium|region)\b[\s()-]*)*"
    r"(?:is|are|was|were|appears?|remains?|looks?|seems?|shows?|demonstrates?)\b[\s]*(?:\w+ly\s+)?",
    re.IGNORECASE,
)
_NOT_PERFORMED = re.compile(
    r"\bnot\s+(?:been\s+)?(?:performed|acquired|done|obtained|undertaken|administered|given|"
    r"tolerated|completed|possible|assessable|evaluable|diagnostic|interpretable)\b|\bomitted\b|\bnon-?diagnostic\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(?:which|these|this|same|corresponding|affected|there|here|at this site|in this region)\b",
    re.IGNORECASE,
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


@dataclass(slots=True)
class ReportState:
    """What earlier sentences of the report established."""

    anchor: str | None = None
    anchor_section: str | None = None
    sequence: str | None = None
    sequence_section: str | None = None
    last_location: Location | None = None
    report_lvef: float | None = None


class SentenceReader:
    """Reads one sentence's mentions into candidates."""

    def __init__(
        self,
        text: str,
        sentence: Sentence,
        mentions: list[Mention],
        analyzer: AssertionAnalyzer,
        state: ReportState,
        diagnosis_allowed: bool,
        measured: list[Measurement],
    ) -> None:
        self.text = text
        self.sentence = sentence
        self.mentions = mentions
        self.analyzer = analyzer
        self.state = state
        self.diagnosis_allowed = diagnosis_allowed
        self.measured = measured
        self._triggers: SentenceTriggers | None = None
        self._assertions: dict[tuple[int, int], Assertion] = {}
        self._candidate_of: dict[tuple[int, int], Candidate] = {}
        self.sequence = self._sentence_sequence()

    # --- helpers -----------------------------------------------------------
    def triggers(self) -> SentenceTriggers:
        """The sentence's assertion triggers, found on first use."""
        if self._triggers is None:
            self._triggers = self.analyzer.sentence_triggers(
                self.text, self.sentence.start, self.sentence.end
            )
        return self._triggers

    def assertion(self, mention: Mention) -> Assertion:
        key = (mention.start, mention.end)
        if key not in self._assertions:
            self._assertions[key] = self.analyzer.assess(
                self.triggers(), mention.start, mention.end
            )
        return self._assertions[key]

    def of_family(self, *families: str) -> list[Mention]:
        return [m for m in self.mentions if m.family in families]

    def _sentence_sequence(self) -> str | None:
        own = {
            SEQUENCE_OF_FAMILY[m.family] for m in self.mentions if m.family in SEQUENCE_OF_FAMILY
        }
        if len(own) == 1:
            return own.pop()
        if own:
            return None
        section = SECTION_SEQUENCE.get(self.sentence.section)
        if section:
            return section
        if self.state.sequence_section == self.sentence.section:
            return self.state.sequence
        return None

    def candidate(self, code: str, value, certainty: str, position: int) -> Candidate:
        return Candidate(code, value, certainty, self.sentence, position)

    # --- the sentence --------------------------------------------------------
    def read(self) -> list[Candidate]:
        """All candidates of the sentence (empty for a sentence that states nothing)."""
        if self.sentence.section == "excluded":
            return []
        if _NOT_PERFORMED.search(self.text, self.sentence.start, self.sentence.end):
            return []
        found: list[Candidate] = []
        localized: list[tuple[Candidate, Mention]] = []
        self._presence(found, localized)
        self._patterns(found)
        self._perfusion_details(found)
        self._valves(found)
        self._chambers(found, localized)
        self._thickness_pattern(found)
        self._measurements(found)
        if self.diagnosis_allowed:
            self._diagnoses(found)
        self._attach_locations(localized)
        self._update_state(found)
        return found

    # --- presence codes ------------------------------------------------------
    def _presence(self, found: list[Candidate], localized: list) -> None:
        lge_context = self.sequence == "lge" or any(m.family == "lge" for m in self.mentions)
        for mention in self.mentions:
            if mention.kind == "term" and mention.family in PRESENCE_CODES:
                code = PRESENCE_CODES[mention.family]
            elif mention.family == "papillary" and lge_context:
                code = "lge.papillary_muscle"
            elif mention.concept == "lge.spared" and lge_context:
                candidate = self.candidate("lge.presence", "absent", "definite", mention.start)
                found.append(candidate)
                localized.append((candidate, mention))
                continue
            else:
                continue
            assertion = self.assertion(mention)
            if assertion.status in ("historical", "hypothetical"):
                continue
            negated = assertion.status == "negated" or self._resolved_after(mention)
            if negated and mention.family == "lge" and self._has_pattern_modifier(mention):
                continue  # "no infarct-pattern enhancement": a negated pattern (rule 2)
            if negated and _NOT_THE_FIRST.search(
                self.text, max(self.sentence.start, mention.start - 40), mention.start
            ):
                continue  # "no additional ischaemia", "no further LGE": not a negative (rule 2)
            value = "absent" if negated else "present"
            certainty = "definite" if negated else assertion.certainty
            candidate = self.candidate(code, value, certainty, mention.start)
            found.append(candidate)
            self._candidate_of[(mention.start, mention.end)] = candidate
            if code in LOCALIZED:
                localized.append((candidate, mention))

    def _resolved_after(self, mention: Mention) -> bool:
        return any(m.concept == "value.resolved" and m.start >= mention.end for m in self.mentions)

    def _has_pattern_modifier(self, mention: Mention) -> bool:
        before = [m for m in self.mentions if m.end <= mention.start]
        if not before:
            return False
        modifier = before[-1]
        is_pattern = (
            modifier.family in ("depth", "distribution") or modifier.concept == "dx.pattern_only"
        )
        return (
            is_pattern and _ADJACENT.fullmatch(self.text, modifier.end, mention.start) is not None
        )

    # --- LGE / T2 patterns, distributions, perfusion depth -------------------
    def _owner(self, mention: Mention) -> tuple[str | None, Mention | None]:
        """The sequence a pattern word describes, and the term it describes if named."""
        targets = [m for m in self.mentions if m.family in ("lge", "edema", "perfusion")]
        following = [
            m
            for m in targets
            if m.start >= mention.end and self._adjacent_modifiers(mention.end, m.start)
        ]
        if following:
            owner = following[0]
        elif targets:
            owner = min(
                targets, key=lambda m: min(abs(m.start - mention.end), abs(mention.start - m.end))
            )
        else:
            return self.sequence, None
        return SEQUENCE_OF_FAMILY[owner.family], owner

    def _patterns(self, found: list[Candidate]) -> None:
        for mention in self.of_family("depth", "distribution"):
            sequence, owner = self._owner(mention)
            if mention.concept == "distribution.rv_insertion_point" and sequence is None:
                sequence = "lge"
            if sequence is None:
                continue
            certainty = "definite"
            if owner is not None:
                owner_assertion = self.assertion(owner)
                if owner_assertion.status != "affirmed" and owner_assertion.status != "possible":
                    continue
                if self._resolved_after(owner):
                    continue
                certainty = owner_assertion.certainty
            own = self.assertion(mention)
            if own.status in ("negated", "historical", "hypothetical"):
                continue
            if CERTAINTY_RANK[own.certainty] < CERTAINTY_RANK[certainty]:
                certainty = own.certainty
            code_value = _pattern_code(sequence, mention)
            if code_value:
                found.append(self.candidate(*code_value, certainty, mention.start))
                if owner is not None and (owner.start, owner.end) in self._candidate_of:
                    self._candidate_of[(owner.start, owner.end)].descriptors.add(mention.kind)

    # --- perfusion condition and territory -----------------------------------
    def _perfusion_details(self, found: list[Candidate]) -> None:
        present = [c for c in found if c.code == "perfusion.defect" and c.value == "present"]
        if not present:
            return
        certainty = present[0].certainty
        position = present[0].position
        kinds = {m.kind for m in self.of_family("perfusion")}
        terms = " ".join(
            self.text[m.start : m.end].lower()
            for m in self.mentions
            if m.concept == "perfusion.term"
        )
        condition = None
        if "resolves_at_rest" in kinds:
            condition = "stress"
        elif "stress_and_rest" in kinds or "fixed" in terms:
            condition = "stress_and_rest"
        elif "stress" in kinds and "rest" in kinds:
            condition = "stress_and_rest"
        elif "stress" in kinds or any(
            word in terms for word in ("inducible", "stress", "reversible")
        ):
            condition = "stress"
        elif "rest" in kinds:
            condition = "rest"
        if condition:
            found.append(self.candidate("perfusion.condition", condition, certainty, position))
        for mention in self.of_family("territory"):
            found.append(
                self.candidate("perfusion.territory", mention.kind, certainty, mention.start)
            )

    # --- valves ----------------------------------------------------------------
    def _valves(self, found: list[Candidate]) -> None:
        for mention in self.of_family("valve"):
            kind = mention.kind
            if kind.endswith("_regurgitation"):
                valves = [kind.removesuffix("_regurgitation")]
            elif kind == "regurgitation":
                valves = self._named_valves(mention)
                if not valves:
                    continue
            elif kind == "any":
                valves = []
            else:
                continue
            assertion = self.assertion(mention)
            if assertion.status in ("historical", "hypothetical"):
                continue
            if assertion.status == "negated":
                found.append(
                    self.candidate("cine.valve_regurgitation", "none", "definite", mention.start)
                )
                continue
            for valve in valves:
                found.append(
                    self.candidate(
                        "cine.valve_regurgitation", valve, assertion.certainty, mention.start
                    )
                )

    def _named_valves(self, regurgitation: Mention) -> list[str]:
        names = {"mitral", "aortic", "tricuspid", "pulmonary"}
        valves: list[str] = []
        before = [m for m in self.mentions if m.end <= regurgitation.start]
        edge = regurgitation.start
        for mention in reversed(before):
            if mention.family == "severity":
                edge = mention.start
                continue
            if mention.family != "valve" or mention.kind not in names:
                break
            if not _FORWARD_GAP.fullmatch(self.text, mention.end, edge):
                break
            valves.append(mention.kind)
            edge = mention.start
        if valves:
            return valves
        edge = regurgitation.end
        for mention in [m for m in self.mentions if m.start >= regurgitation.end]:
            if mention.family != "valve" or mention.kind not in names:
                break
            gap = self.text[edge : mention.start]
            if not re.fullmatch(
                r"[\s,/&]*(?:(?:at|of|through|across|the|and|or|valves?)\b[\s,/&]*)*", gap, re.I
            ):
                break
            valves.append(mention.kind)
            edge = mention.end
        return valves

    # --- chamber size, function, wall thickness, wall motion -----------------
    def _chambers(self, found: list[Candidate], localized: list) -> None:
        for index, mention in enumerate(self.mentions):
            if mention.family == "value":
                value = mention.kind
            elif mention.family == "severity" and self._severity_alone(index):
                value = "impaired"
            else:
                continue
            if value == "resolved":
                continue
            attributes = self._attributes(index, value, mention)
            if not attributes:
                continue
            if self._describes_other_term(index):
                continue
            assertion = self.assertion(mention)
            if assertion.status in ("historical", "hypothetical"):
                continue
            negated = assertion.status == "negated"
            certainty = "definite" if negated else assertion.certainty
            for attribute in attributes:
                for code, code_value in self._chamber_codes(
                    mention, index, attribute, value, negated
                ):
                    candidate = self.candidate(code, code_value, certainty, mention.start)
                    found.append(candidate)
                    if code in LOCALIZED:
                        localized.append((candidate, mention))

    def _severity_alone(self, index: int) -> bool:
        """'poor LV function': a severity word doing the job of 'impaired'."""
        for mention in self.mentions[index + 1 :]:
            if mention.family == "anchor":
                continue
            return mention.concept == "attr.function"
        return False

    def _attributes(self, index: int, value: str, mention: Mention) -> list[str]:
        implied = _IMPLIED_ATTRIBUTE.get(value)
        if value == "normal" and "size" in self.text[mention.start : mention.end].lower():
            implied = "size"
        if implied:
            return [implied]
        forward: list[str] = []
        edge = mention.end
        for other in self.mentions[index + 1 :]:
            if not _FORWARD_GAP.fullmatch(self.text, edge, other.start):
                break
            if other.family == "anchor" or other.family == "severity":
                edge = other.end
                continue
            if other.family != "attr":
                break
            forward.append(other.kind)
            edge = other.end
        if forward:
            return forward
        backward: list[str] = []
        edge = mention.start
        for other in reversed(self.mentions[:index]):
            if not _BACKWARD_GAP.fullmatch(self.text, other.end, edge):
                break
            if other.family == "anchor":
                edge = other.start
                continue
            if other.family != "attr":
                break
            backward.append(other.kind)
            edge = other.start
        return backward

    def _describes_other_term(self, index: int) -> bool:
        """'small effusion', 'large apical thrombus': the value word belongs to another term."""
        mention = self.mentions[index]
        edge = mention.end
        for other in self.mentions[index + 1 :]:
            if not _ADJACENT.fullmatch(self.text, edge, other.start):
                break
            if other.family in _OTHER_TERMS:
                return True
            if other.family not in _DESCRIPTIVE:
                break
            edge = other.end
        edge = mention.start
        for other in reversed(self.mentions[:index]):
            gap = self.text[other.end : edge]
            if not re.fullmatch(r"[\s-]*(?:(?:is|are|was|were)\s+)?", gap):
                break
            if other.family in _OTHER_TERMS and other.family != "dx":
                return mention.kind not in ("hypokinetic", "akinetic", "dyskinetic")
            if other.family not in _DESCRIPTIVE:
                break
            edge = other.start
        return False

    def _anchor(self, mention: Mention, carry: bool = True) -> str | None:
        anchors = [m for m in self.mentions if m.family == "anchor"]
        if anchors:
            nearest = min(
                anchors, key=lambda m: min(abs(m.start - mention.end), abs(mention.start - m.end))
            )
            return nearest.kind
        if carry and self.state.anchor and self.state.anchor_section == self.sentence.section:
            # Only a sentence about nothing else continues the previous chamber.
            if not any(m.family in _OTHER_TERMS or m.family == "valve" for m in self.mentions):
                return self.state.anchor
        return None

    def _chamber_codes(
        self, mention: Mention, index: int, attribute: str, value: str, negated: bool
    ):
        if negated:
            value = _NEGATED_VALUE.get((attribute, value), "")
            if attribute == "t2" and mention.kind == "elevated":
                return [("t2.edema", "absent")]
            if attribute == "perfusion" and mention.kind == "impaired":
                return [("perfusion.defect", "absent")]
            if not value:
                return []
        if attribute == "t2":
            if value == "normal":
                return [("t2.edema", "absent")]
            if value == "elevated":
                return [("t2.edema", "present")]
            return []
        if attribute == "perfusion":
            return [("perfusion.defect", "absent")] if value == "normal" else []
        if attribute == "valves":
            return [("cine.valve_regurgitation", "none")] if value == "normal" else []
        if attribute == "wall_motion":
            if value in ("normal", "hypokinetic", "akinetic", "dyskinetic"):
                return (
                    []
                    if self._anchor(mention, carry=False) in ("rv", "other")
                    else [("cine.wall_motion", value)]
                )
            return []
        if attribute == "wall_thickness":
            value = "thickened" if value == "elevated" else value
            if value in ("normal", "thickened", "thinned") and self._anchor(
                mention, carry=False
            ) not in ("rv", "other"):
                return [("cine.wall_thickness", value)]
            return []
        anchor = self._anchor(mention)
        chambers = {"lv": ["lv"], "rv": ["rv"], "biv": ["lv", "rv"]}.get(anchor or "", [])
        codes = []
        for chamber in chambers:
            if attribute == "size":
                size = {
                    "dilated": "dilated",
                    "elevated": "dilated",
                    "normal": "normal",
                    "small": "small",
                }.get(value)
                if size and not (chamber == "rv" and size == "small"):
                    codes.append((f"cine.{chamber}_size", size))
            elif attribute == "function":
                function = self._function_value(chamber, mention, index, value)
                if function:
                    codes.append((f"cine.{chamber}_systolic_function", function))
        return codes

    def _function_value(self, chamber: str, mention: Mention, index: int, value: str) -> str | None:
        if value in ("normal", "preserved"):
            return "normal"
        if value == "hyperdynamic":
            return "hyperdynamic" if chamber == "lv" else None
        if value != "impaired":
            return None
        if chamber == "rv":
            return "reduced"
        severity = mention.kind if mention.family == "severity" else self._severity_before(index)
        if severity:
            return _SEVERITY_VALUE[severity]
        lvef = next(
            (m.value for m in self.measured if m.code == "cine.lvef"), self.state.report_lvef
        )
        if lvef is None:
            return None
        if lvef >= 40:
            return "mildly_reduced"
        return "moderately_reduced" if lvef >= 30 else "severely_reduced"

    def _severity_before(self, index: int) -> str | None:
        edge = self.mentions[index].start
        for other in reversed(self.mentions[:index]):
            if not _BACKWARD_GAP.fullmatch(self.text, other.end, edge):
                return None
            if other.family == "severity":
                return other.kind
            if other.family not in ("anchor", "attr", "distribution"):
                return None
            edge = other.start
        return None

    # --- wall thickness pattern, measurements, diagnoses ----------------------
    def _thickness_pattern(self, found: list[Candidate]) -> None:
        thick = any(
            c.code == "cine.wall_thickness" and c.value == "thickened" for c in found
        ) or any(m.concept == "dx.hcm" for m in self.mentions)
        if not thick:
            return
        for mention in self.of_family("thickness_pattern"):
            assertion = self.assertion(mention)
            if assertion.status in ("negated", "historical", "hypothetical"):
                continue
            found.append(
                self.candidate(
                    "cine.wall_thickness_pattern", mention.kind, assertion.certainty, mention.start
                )
            )

    def _measurements(self, found: list[Candidate]) -> None:
        for measurement in self.measured:
            status = self.analyzer.assess(
                self.triggers(), measurement.start, measurement.end
            ).status
            if status in ("historical", "hypothetical"):
                continue
            found.append(
                self.candidate(measurement.code, measurement.value, "definite", measurement.start)
            )

    def _diagnoses(self, found: list[Candidate]) -> None:
        for mention in self.mentions:
            if mention.family == "perfusion" and mention.kind == "term":
                words = self.text[mention.start : mention.end].lower()
                if "ischaem" not in words and "ischem" not in words:
                    continue
                kind = "ischemic"
            elif mention.family == "dx" and mention.kind not in ("pattern_only",):
                kind = mention.kind
            else:
                continue
            assertion = self.assertion(mention)
            if assertion.status == "historical":
                # "consistent with prior infarction" in an impression is a diagnosis.
                assertion = self.analyzer.assess(
                    self.triggers(), mention.start, mention.end, ignore=("historical",)
                )
            if assertion.status not in ("affirmed", "possible"):
                continue
            certainty = assertion.certainty
            if kind in SUBTYPES:
                found.append(
                    self.candidate("overall.etiology", "non_ischemic", certainty, mention.start)
                )
                found.append(self.candidate("overall.nicm_subtype", kind, certainty, mention.start))
            elif kind == "nicm":
                found.append(
                    self.candidate("overall.etiology", "non_ischemic", certainty, mention.start)
                )
            elif kind in ("ischemic", "normal"):
                found.append(self.candidate("overall.etiology", kind, certainty, mention.start))

    # --- locations -------------------------------------------------------------
    def _attach_locations(self, localized: list[tuple[Candidate, Mention]]) -> None:
        if not localized:
            return
        words = [
            (m.start, m.end, m.family, m.kind)
            for index, m in enumerate(self.mentions)
            if m.family in ("level", "wall") and not self._names_insertion_point(index)
        ]
        chunks = location_chunks(self.text, words, self.sentence.start, self.sentence.end)
        targets = sorted(localized, key=lambda pair: pair[1].start)
        own: dict[int, list[Chunk]] = {}
        subject_of: dict[int, list[Chunk]] = {}
        subject: list[Chunk] = []
        for chunk in chunks:
            following = [t for t in targets if t[1].start >= chunk.end]
            if following and self._adjacent_modifiers(chunk.end, following[0][1].start):
                own.setdefault(id(following[0][0]), []).append(chunk)
                continue
            if following and _SUBJECT_GAP.fullmatch(self.text, chunk.end, following[0][1].start):
                # "the septum is spared", "the apex is thin and akinetic": the place
                # is the subject of what follows it.
                for candidate, _ in following:
                    subject_of.setdefault(id(candidate), []).append(chunk)
                continue
            preceding = [t for t in targets if t[1].end <= chunk.start]
            if preceding:
                owner = preceding[-1]
                own.setdefault(id(owner[0]), []).append(chunk)
                if (
                    len(preceding) > 1
                    and owner[1].family == "value"
                    and re.fullmatch(r"[\s-]*", self.text[owner[1].end : chunk.start])
                ):
                    # "LGE within the hypertrophied septum": the place is also the earlier term's.
                    own.setdefault(id(preceding[-2][0]), []).append(chunk)
                continue
            subject.append(chunk)
        previous: Candidate | None = None
        for candidate, _mention in targets:
            chunks_of = own.get(id(candidate)) or subject_of.get(id(candidate)) or subject
            for chunk in chunks_of:
                candidate.location.update(chunk.location)
            positive = candidate.value not in ("absent", "normal")
            if candidate.location.is_empty() and positive:
                if previous is not None and not previous.location.is_empty():
                    # "akinesis of the anterior wall with wall thinning": one place.
                    candidate.location.update(previous.location)
                elif self.state.last_location is not None and _REFERENCE.search(
                    self.text, self.sentence.start, self.sentence.end
                ):
                    candidate.location.update(self.state.last_location)
            if positive:
                previous = candidate
        for (first, first_mention), (second, second_mention) in zip(
            targets, targets[1:], strict=False
        ):
            if first.location.is_empty() and re.fullmatch(
                r"\s*(?:and|,|/|&)\s*", self.text[first_mention.end : second_mention.start]
            ):
                # "thinning and akinesis of the basal anteroseptum": one place for both.
                first.location.update(second.location)

    def _names_insertion_point(self, index: int) -> bool:
        """'inferior right ventricular insertion point': the wall word names the insertion point."""
        edge = self.mentions[index].end
        for other in self.mentions[index + 1 :]:
            if not _ADJACENT.fullmatch(self.text, edge, other.start):
                return False
            if other.concept == "distribution.rv_insertion_point":
                return True
            if other.family not in ("anchor", "wall"):
                return False
            edge = other.end
        return False

    def _adjacent_modifiers(self, start: int, end: int) -> bool:
        """True when text[start:end] holds only modifier words, connectors and 'wall(s)'."""
        position = start
        for mention in self.mentions:
            if mention.end <= start or mention.start >= end:
                continue
            if mention.family not in MODIFIER_FAMILIES and mention.family not in (
                "value",
                "dx",
                "papillary",
            ):
                return False
            if not _LOCATION_GAP.fullmatch(self.text, position, mention.start):
                return False
            position = mention.end
        return _LOCATION_GAP.fullmatch(self.text, position, end) is not None

    def _update_state(self, found: list[Candidate]) -> None:
        anchors = [m for m in self.mentions if m.family == "anchor" and m.kind != "other"]
        if anchors:
            self.state.anchor = anchors[-1].kind
            self.state.anchor_section = self.sentence.section
        if self.sequence:
            self.state.sequence = self.sequence
            self.state.sequence_section = self.sentence.section
        for candidate in found:
            if candidate.code in LOCALIZED and not candidate.location.is_empty():
                self.state.last_location = candidate.location


def _pattern_code(sequence: str, mention: Mention) -> tuple[str, str] | None:
    family, kind = mention.family, mention.kind
    if sequence == "lge":
        return ("lge.pattern", kind) if family == "depth" else ("lge.distribution", kind)
    if sequence == "t2":
        if family == "depth":
            return ("t2.pattern", kind)
        return ("t2.pattern", "diffuse") if kind == "diffuse" else None
    if sequence == "perfusion" and family == "depth" and kind in ("subendocardial", "transmural"):
        return ("perfusion.depth", kind)
    return None
