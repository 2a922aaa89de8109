"""The rule-based extractor: a spaCy pipeline that turns a CMR report into findings.

``spacy.blank("en")`` (the tokenizer only; no model is downloaded) with three
components of ours, made by factories registered under versioned names (a
saved config names a factory, never a Python path):

- ``qaforge_structure_v1``: sections and sentences (``doc._.qaforge_sentences``,
  and sentence starts on the tokens so that ``doc.sents`` works), each
  sentence about another test, a prior study or the referral marked with its
  scope (:mod:`qaforge.extract.rules.scoping`);
- ``qaforge_terms_v1``: the lexicon's concepts, matched by a PhraseMatcher on
  lower-cased tokens, longest match first (``doc._.qaforge_mentions``);
- ``qaforge_findings_v1``: each sentence read by the recognizers
  (:mod:`qaforge.extract.rules.sentence_reader`), then one finding per distinct
  statement (:mod:`qaforge.extract.rules.report_reader`, ANNOTATION rule 4)
  (``doc._.qaforge_findings``, a list of :class:`~qaforge.domain.vocabulary.Finding`).

This is the one module of qaforge that imports spaCy. :class:`RuleExtractor`
wraps the pipeline; its :attr:`signature` (name, version, hash of the rule
files) identifies what produced a set of findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy
import spacy
from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from qaforge.domain.vocabulary import Finding
from qaforge.extract.rules.assertion import AssertionAnalyzer, load_context_rules
from qaforge.extract.rules.candidates import Mention
from qaforge.extract.rules.confidence import load_confidence_rules
from qaforge.extract.rules.decision_tables import load_decisions
from qaforge.extract.rules.report_reader import EXTRACTOR_NAME, read_findings
from qaforge.extract.rules.rule_files import RULES_DIR, load_lexicon, load_section_rules, rules_hash
from qaforge.extract.rules.scoping import SentenceScoper, load_scoping_rules
from qaforge.extract.rules.structure import SectionMatcher, split_sentences

EXTRACTOR_VERSION = "1.0.0"

# The Doc attributes the components write, in pipeline order.
DOC_EXTENSIONS = ("qaforge_text", "qaforge_sentences", "qaforge_mentions", "qaforge_findings")


class ExtractorSignature(BaseModel):
    """What produced a set of findings: recorded with every extraction run."""

    model_config = ConfigDict(frozen=True)

    extractor: str
    version: str
    rules_hash: str


def _rule_file(rules_dir: Path, name: str) -> Path | None:
    """The path of a rule file of ``rules_dir``; None for the shipped one (loaded once, cached)."""
    path = rules_dir / name
    return None if path == RULES_DIR / name else path


@Language.factory(
    "qaforge_structure_v1",
    assigns=["doc._.qaforge_text", "doc._.qaforge_sentences", "token.is_sent_start"],
    default_config={"rules_dir": str(RULES_DIR)},
)
def _make_structure(nlp: Language, name: str, rules_dir: str) -> StructureComponent:
    return StructureComponent(Path(rules_dir))


@Language.factory(
    "qaforge_terms_v1",
    assigns=["doc._.qaforge_mentions"],
    default_config={"rules_dir": str(RULES_DIR)},
)
def _make_terms(nlp: Language, name: str, rules_dir: str) -> TermsComponent:
    return TermsComponent(nlp, Path(rules_dir))


@Language.factory(
    "qaforge_findings_v1",
    requires=["doc._.qaforge_text", "doc._.qaforge_sentences", "doc._.qaforge_mentions"],
    assigns=["doc._.qaforge_findings"],
    default_config={"rules_dir": str(RULES_DIR)},
)
def _make_findings(nlp: Language, name: str, rules_dir: str) -> FindingsComponent:
    return FindingsComponent(Path(rules_dir))


class StructureComponent:
    """Sections and sentences of the report (``sections.yaml``), and which sentences are
    about another test, an earlier study or the referral (``scoping.yaml``)."""

    def __init__(self, rules_dir: Path) -> None:
        self.matcher = SectionMatcher(load_section_rules(_rule_file(rules_dir, "sections.yaml")))
        self.scoper = SentenceScoper(load_scoping_rules(_rule_file(rules_dir, "scoping.yaml")))

    def __call__(self, doc: Doc) -> Doc:
        text = doc._.qaforge_text
        if text is None:  # a Doc made by another tokenizer
            text = doc._.qaforge_text = doc.text
        sentences = self.scoper.scope(text, split_sentences(text, self.matcher))
        doc._.qaforge_sentences = sentences
        if len(doc):
            token_starts = doc.to_array("IDX")
            indices = numpy.searchsorted(token_starts, [s.start for s in sentences])
            # one from_array call: setting token.is_sent_start scans the whole Doc
            # each time, which made a long report quadratic (1.2M chars: 320 s)
            starts = numpy.zeros(len(doc), dtype="uint64")
            starts[indices[indices < len(doc)]] = 1
            doc.from_array(["SENT_START"], starts)
        return doc


class TermsComponent:
    """Lexicon concepts as mentions, longest match first (``lexicon.yaml``)."""

    def __init__(self, nlp: Language, rules_dir: Path) -> None:
        lexicon = load_lexicon(_rule_file(rules_dir, "lexicon.yaml"))
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
    """Recognizers over each sentence, then one finding per distinct statement.

    Reads ``context.yaml`` (assertion triggers), ``decisions.yaml`` and
    ``confidence.yaml`` (the weights of doubts).
    """

    def __init__(self, rules_dir: Path) -> None:
        self.analyzer = AssertionAnalyzer(load_context_rules(_rule_file(rules_dir, "context.yaml")))
        self.decisions = load_decisions(_rule_file(rules_dir, "decisions.yaml"))
        self.confidence = load_confidence_rules(_rule_file(rules_dir, "confidence.yaml"))

    def __call__(self, doc: Doc) -> Doc:
        doc._.qaforge_findings = read_findings(
            doc._.qaforge_text,
            doc._.qaforge_sentences,
            doc._.qaforge_mentions,
            self.analyzer,
            self.decisions,
            self.confidence,
        )
        return doc


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


def _register_doc_extensions() -> None:
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def build_pipeline(rules_dir: Path = RULES_DIR) -> Language:
    """``spacy.blank("en")`` with the three qaforge components, reading ``rules_dir``.

    The components are named ``qaforge_structure``, ``qaforge_terms`` and
    ``qaforge_findings`` (``nlp.get_pipe`` finds them by these names).

    Raises:
        RulesError: A rule file of ``rules_dir`` is missing or invalid.
    """
    _register_doc_extensions()
    nlp = spacy.blank("en")
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    config = {"rules_dir": str(rules_dir)}
    for component in ("qaforge_structure", "qaforge_terms", "qaforge_findings"):
        nlp.add_pipe(f"{component}_v1", name=component, config=config)
    return nlp


class Unreadable(BaseModel):
    """A report text the extractor could not read: why, without any of the text."""

    model_config = ConfigDict(frozen=True)

    reason: str


DEFAULT_MAX_CHARS = 1_000_000


class RuleExtractor:
    """Extract findings from report texts with the rule pipeline.

    ``max_chars`` (the ingest limit, ``QAFORGE_MAX_REPORT_CHARS``) is also
    spaCy's ``nlp.max_length``: a text ingest accepted is never refused by E088.
    """

    def __init__(self, rules_dir: Path = RULES_DIR, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.nlp = build_pipeline(rules_dir)
        self.max_chars = max_chars
        self.nlp.max_length = max_chars
        self.signature = ExtractorSignature(
            extractor=EXTRACTOR_NAME, version=EXTRACTOR_VERSION, rules_hash=rules_hash(rules_dir)
        )

    def extract(self, text: str) -> list[Finding]:
        """Findings of one report text."""
        return self.nlp(text)._.qaforge_findings

    def extract_many(self, texts: Iterable[str]) -> Iterator[list[Finding] | Unreadable]:
        """Findings of each text, in order; :class:`Unreadable` for a text that fails.

        A text over ``max_chars`` is refused before spaCy sees it; any other
        failure on one text is caught so the others go on. The reason names
        the exception type only: a message may quote the report.
        """
        for text in texts:
            if len(text) > self.max_chars:
                yield Unreadable(
                    reason=f"text of {len(text)} characters is over the limit of "
                    f"{self.max_chars} (QAFORGE_MAX_REPORT_CHARS)"
                )
                continue
            try:
                yield self.nlp(text)._.qaforge_findings
            except Exception as error:  # noqa: BLE001 - one report never stops the run
                yield Unreadable(reason=f"extractor failed: {type(error).__name__}")
