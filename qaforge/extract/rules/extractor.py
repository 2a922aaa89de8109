"""The rule-based extractor: a spaCy pipeline that turns a CMR report into findings.

``spacy.blank("en")`` (the tokenizer only; no model is downloaded) with three
components of ours:

- ``qaforge_structure``: sections and sentences (``doc._.qaforge_sentences``,
  and sentence starts on the tokens so that ``doc.sents`` works);
- ``qaforge_terms``: the lexicon's concepts, matched by a PhraseMatcher on
  lower-cased tokens, longest match first (``doc._.qaforge_mentions``);
- ``qaforge_findings``: the recognizers of :mod:`qaforge.extract.rules.findings`,
  then one finding per distinct statement (ANNOTATION rule 4)
  (``doc._.qaforge_findings``, a list of :class:`~qaforge.domain.vocabulary.Finding`).

:class:`RuleExtractor` wraps the pipeline; its :attr:`signature` (name,
version, hash of the rule files) identifies what produced a set of findings.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import get_args

import numpy
import spacy
from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from qaforge.domain.vocabulary import Evidence, Finding, Level, Wall
from qaforge.extract.rules.assertion import AssertionAnalyzer, load_context_rules
from qaforge.extract.rules.findings import (
    CERTAINTY_RANK,
    LOCALIZED,
    Candidate,
    Mention,
    ReportState,
    SentenceReader,
)
from qaforge.extract.rules.measurements import Measurement, measurements
from qaforge.extract.rules.rule_files import RULES_DIR, load_lexicon, load_section_rules, rules_hash
from qaforge.extract.rules.structure import SectionMatcher, Sentence, split_sentences

EXTRACTOR_NAME = "rules"
EXTRACTOR_VERSION = "1.0.0"

for _name in ("qaforge_text", "qaforge_sentences", "qaforge_mentions", "qaforge_findings"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class ExtractorSignature(BaseModel):
    """What produced a set of findings: recorded with every extraction run."""

    model_config = ConfigDict(frozen=True)

    extractor: str
    version: str
    rules_hash: str


@Language.factory("qaforge_structure", default_config={"rules_dir": str(RULES_DIR)})
def _make_structure(nlp: Language, name: str, rules_dir: str) -> StructureComponent:
    return StructureComponent(Path(rules_dir))


@Language.factory("qaforge_terms", default_config={"rules_dir": str(RULES_DIR)})
def _make_terms(nlp: Language, name: str, rules_dir: str) -> TermsComponent:
    return TermsComponent(nlp, Path(rules_dir))


@Language.factory("qaforge_findings", default_config={"rules_dir": str(RULES_DIR)})
def _make_findings(nlp: Language, name: str, rules_dir: str) -> FindingsComponent:
    return FindingsComponent(Path(rules_dir))


class StructureComponent:
    """Sections and sentences of the report."""

    def __init__(self, rules_dir: Path) -> None:
        path = rules_dir / "sections.yaml"
        rules = load_section_rules(None if path == RULES_DIR / "sections.yaml" else path)
        self.matcher = SectionMatcher(rules)

    def __call__(self, doc: Doc) -> Doc:
        text = doc._.qaforge_text
        if text is None:  # a Doc made by another tokenizer
            text = doc._.qaforge_text = doc.text
        sentences = split_sentences(text, self.matcher)
        doc._.qaforge_sentences = sentences
        if len(doc):
            token_starts = doc.to_array("IDX")
            indices = numpy.searchsorted(token_starts, [s.start for s in sentences])
            for index in indices.tolist():
                if index < len(doc):
                    doc[index].is_sent_start = True
        return doc


class TermsComponent:
    """Lexicon concepts as mentions, longest match first."""

    def __init__(self, nlp: Language, rules_dir: Path) -> None:
        path = rules_dir / "lexicon.yaml"
        lexicon = load_lexicon(None if path == RULES_DIR / "lexicon.yaml" else path)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._names: dict[int, tuple[str, str, str]] = {}
        for concept, forms in lexicon.concepts.items():
            self.matcher.add(concept, [nlp.make_doc(form) for form in forms])
            self._names[nlp.vocab.strings[concept]] = (concept, *concept.split(".", 1))

    def __call__(self, doc: Doc) -> Doc:
        spans = filter_spans(self.matcher(doc, as_spans=True))
        doc._.qaforge_mentions = [
            Mention(span.start_char, span.end_char, *self._names[span.label]) for span in spans
        ]
        return doc


class FindingsComponent:
    """Recognizers over each sentence, then one finding per distinct statement."""

    def __init__(self, rules_dir: Path) -> None:
        path = rules_dir / "context.yaml"
        rules = load_context_rules(None if path == RULES_DIR / "context.yaml" else path)
        self.analyzer = AssertionAnalyzer(rules)

    def __call__(self, doc: Doc) -> Doc:
        doc._.qaforge_findings = read_findings(
            doc._.qaforge_text, doc._.qaforge_sentences, doc._.qaforge_mentions, self.analyzer
        )
        return doc


def read_findings(
    text: str, sentences: list[Sentence], mentions: list[Mention], analyzer: AssertionAnalyzer
) -> list[Finding]:
    """Findings of a report from its sentences and mentions (pure; the pipeline's last step)."""
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
        reader = SentenceReader(
            text,
            sentence,
            own,
            analyzer,
            state,
            diagnosis_allowed=sentence.section == "impression" or index in closing,
            measured=measured[index],
        )
        candidates.extend(reader.read())
    return [_to_finding(text, c) for c in merge_candidates(candidates)]


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
    """The first LVEF the report states for this study (not in an excluded section)."""
    for sentence, found in zip(sentences, measured, strict=True):
        if sentence.section != "excluded":
            for measurement in found:
                if measurement.code == "cine.lvef":
                    return measurement.value
    return None


def merge_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """One finding per distinct statement (ANNOTATION rule 4).

    Same code and value merge; for located codes only when one location
    contains the other (the more specific one is kept). The body's certainty
    wins over the impression's; a diagnosis keeps its strongest certainty.
    """
    merged: list[Candidate] = []
    for candidate in candidates:
        for kept in merged:
            if kept.code != candidate.code or kept.value != candidate.value:
                continue
            if candidate.code in LOCALIZED:
                a, b = kept.location.elements(), candidate.location.elements()
                if not (a <= b or b <= a):
                    continue
                d, e = kept.descriptors, candidate.descriptors
                if d and e and not (d <= e or e <= d):
                    continue  # another depth or pattern: another lesion (rule 4)
                if len(b) > len(a):
                    kept.location = candidate.location
                kept.descriptors |= candidate.descriptors
            if candidate.code.startswith("overall."):
                if CERTAINTY_RANK[candidate.certainty] > CERTAINTY_RANK[kept.certainty]:
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


def _to_finding(text: str, candidate: Candidate) -> Finding:
    # The recognizers only build codes and values of the vocabulary (the tests
    # validate every output), so construction skips re-validation for speed.
    sentence = candidate.sentence
    location = candidate.location
    return Finding.model_construct(
        code=candidate.code,
        value=candidate.value,
        levels=tuple(sorted(location.levels, key=_LEVELS.index)),
        walls=tuple(sorted(location.walls, key=_WALLS.index)),
        segments=tuple(sorted(location.segments)),
        certainty=candidate.certainty,
        evidence=Evidence.model_construct(
            start=sentence.start, end=sentence.end, text=text[sentence.start : sentence.end]
        ),
        extractor=EXTRACTOR_NAME,
    )


_LEVELS = list(get_args(Level))
_WALLS = list(get_args(Wall))


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the input string on the Doc (``doc._.qaforge_text``).

    ``Doc.text`` is rebuilt from the tokens on every access; the components
    read the original string instead.
    """

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc._.qaforge_text = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)


def build_pipeline(rules_dir: Path = RULES_DIR) -> Language:
    """``spacy.blank("en")`` with the three qaforge components."""
    nlp = spacy.blank("en")
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    config = {"rules_dir": str(rules_dir)}
    nlp.add_pipe("qaforge_structure", config=config)
    nlp.add_pipe("qaforge_terms", config=config)
    nlp.add_pipe("qaforge_findings", config=config)
    return nlp


class RuleExtractor:
    """Extract findings from report texts with the rule pipeline."""

    def __init__(self, rules_dir: Path = RULES_DIR) -> None:
        self.nlp = build_pipeline(rules_dir)
        self.signature = ExtractorSignature(
            extractor=EXTRACTOR_NAME, version=EXTRACTOR_VERSION, rules_hash=rules_hash(rules_dir)
        )

    def extract(self, text: str) -> list[Finding]:
        """Findings of one report text."""
        return self.nlp(text)._.qaforge_findings

    def extract_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Finding]]:
        """Findings of each text, in order (``nlp.pipe`` in one process)."""
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield doc._.qaforge_findings
