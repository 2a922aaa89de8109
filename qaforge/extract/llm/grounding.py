"""Grounding: find an LLM's evidence quote in the report and check it says what the report says.

A quote is located by an exact match, then the same ignoring case and runs
of whitespace, then a fuzzy alignment (rapidfuzz ``partial_ratio_alignment``)
that must score at least the threshold (default 90 of 100) and cover most of
the quote. The located span must then state the same thing:

- too short: fewer than two content words or ``MIN_QUOTE_CHARS`` characters
  ("none", "Normal") ground anywhere and are refused as ``evidence too short``;
- negation: the negation cues of the rule extractor (``context.yaml``) found
  in the quote and in the span must be the same, and a span that a negation
  trigger outside it reaches ("pericardial effusion" inside "No pericardial
  effusion") is refused;
- word order both ways: the content words of span and quote must align one
  to one, in order, each pair equal or (words of more than 3 letters) a typo
  apart; an added, dropped or changed word ("apical" for "basal", "54" for
  "45") is refused. Function words may differ.

Pure; :func:`ground_quote` returns the span or the precise reason of refusal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from qaforge.extract.rules.assertion import (
    AssertionAnalyzer,
    load_context_rules,
    sentence_bounds,
)
from qaforge.libs import fuzzy

DEFAULT_THRESHOLD = 90.0
MIN_QUOTE_CHARS = 6
MIN_CONTENT_WORDS = 2
WORD_SIMILARITY = 88.0
NOT_FOUND = "evidence not found"
TOO_SHORT = "evidence too short"
_WORD = re.compile(r"[a-z0-9]+")
_WORD_SPAN = re.compile(r"[A-Za-z0-9]+")
# How far outside a fuzzy span the quote's edge words are looked for.
EDGE_WORDS = 3
EDGE_CHARS = 60
# Words that carry no finding; negation cues are never among them (they are
# compared on their own, from context.yaml).
FUNCTION_WORDS = frozenset(
    "a an the is are was were be been being of in on at to with and or as by for from "
    "there this that these those it its which seen noted also".split()
)


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote was found.

    Attributes:
        start: Start offset in the report.
        end: End offset (exclusive); the evidence is ``report[start:end]``.
        method: ``exact``, ``normalised`` or ``fuzzy``.
        score: 100 for exact and normalised matches, the alignment score for fuzzy ones.
    """

    start: int
    end: int
    method: Literal["exact", "normalised", "fuzzy"]
    score: float


@dataclass(frozen=True)
class QuoteRefusal:
    """Why a quote is not evidence (``evidence not found``, ``evidence too short``, ...)."""

    reason: str


def locate_quote(
    report: str, quote: str, *, threshold: float = DEFAULT_THRESHOLD
) -> QuoteMatch | None:
    """The span of a quote in a report, or ``None`` when :func:`ground_quote` refuses it."""
    found = ground_quote(report, quote, threshold=threshold)
    return found if isinstance(found, QuoteMatch) else None


def ground_quote(
    report: str, quote: str, *, threshold: float = DEFAULT_THRESHOLD
) -> QuoteMatch | QuoteRefusal:
    """Find a quote in a report and check that the span states what the quote states.

    Args:
        report: The report text.
        quote: The words the model says it read.
        threshold: Least fuzzy score (0-100) accepted.

    Returns:
        The span, or the refusal with its reason.
    """
    quote = quote.strip()
    meaningful = _content_words(quote) + [
        w for w in _WORD.findall(quote.lower()) if w in _negation_words()
    ]
    if len(quote) < MIN_QUOTE_CHARS or len(meaningful) < MIN_CONTENT_WORDS:
        return QuoteRefusal(TOO_SHORT)
    match = _candidate(report, quote, threshold)
    if match is None:
        return QuoteRefusal(NOT_FOUND)
    span = report[match.start : match.end]
    problem = _negation_problem(quote, span) or _word_problem(quote, span)
    if problem is None and _negated_from_outside(report, match):
        problem = "quote drops a negation the report has"
    return match if problem is None else QuoteRefusal(problem)


def _candidate(report: str, quote: str, threshold: float) -> QuoteMatch | None:
    """The exact, normalised or fuzzy span of the quote, before any check of its words."""
    start = report.find(quote)
    if start >= 0:
        return QuoteMatch(start, start + len(quote), "exact", 100.0)
    normalised = _normalised_match(report, quote)
    if normalised is not None:
        return normalised
    alignment = fuzzy.best_alignment(quote.lower(), report.lower(), score_cutoff=threshold)
    if alignment is None:
        return None
    # partial_ratio aligns a window of the quote's length; a window that only
    # matches a fraction of a long quote is not that quote
    if (alignment.end - alignment.start) < 0.8 * len(quote):
        return None
    start, end = _trim(report, alignment.start, alignment.end)
    start, end = _to_quote_edges(report, quote, start, end)
    return QuoteMatch(start, end, "fuzzy", round(alignment.score, 2))


@functools.cache
def _analyzer() -> AssertionAnalyzer:
    return AssertionAnalyzer()


def _negations(text: str) -> list[str]:
    """The negation triggers of ``text`` (context.yaml), lower-cased, in order."""
    found = _analyzer().sentence_triggers(text, 0, len(text)).found
    return [" ".join(f.text.lower().split()) for f in found if f.trigger.category == "negated"]


@functools.cache
def _negation_words() -> frozenset[str]:
    """The one-word negation triggers of ``context.yaml`` ("no", "not", "without", ...).

    Words of longer triggers ("evidence" of "no evidence of") stay content
    words; the triggers themselves are compared whole by ``_negation_problem``.
    """
    words = (
        _WORD.findall(phrase.lower())
        for group in load_context_rules().groups
        if group.category == "negated"
        for phrase in group.phrases
    )
    return frozenset(found[0] for found in words if len(found) == 1)


def _content_words(text: str) -> list[str]:
    """Words that carry the statement: not function words, not negation-cue words."""
    skip = FUNCTION_WORDS | _negation_words()
    return [word for word in _WORD.findall(text.lower()) if word not in skip]


def _negation_problem(quote: str, span: str) -> str | None:
    """Quote and span differ in their negation triggers or one-word negation cues.

    The cue words are compared too: "no" inside the pseudo-trigger "no change
    in" asserts nothing for the rules, but a quote without it says the opposite.
    """
    cues = _negation_words()
    in_quote = sorted(_negations(quote)) + [w for w in _WORD.findall(quote.lower()) if w in cues]
    in_span = sorted(_negations(span)) + [w for w in _WORD.findall(span.lower()) if w in cues]
    if sorted(in_quote) == sorted(in_span):
        return None
    if len(in_span) > len(in_quote) or not in_quote:
        return "quote drops a negation the report has"
    if len(in_quote) > len(in_span) or not in_span:
        return "quote adds a negation the report does not have"
    return f"quote changes a negation: {in_quote[0]!r} vs {in_span[0]!r}"


def _word_problem(quote: str, span: str) -> str | None:
    """The first content word added, dropped or changed between quote and span, if any."""
    span_words = _content_words(span)
    quote_words = [_as_in_span(word, span_words) for word in _content_words(quote)]
    edits = fuzzy.word_edits(quote_words, span_words)
    if not edits:
        return None
    tag, q_start, q_end, s_start, s_end = edits[0]
    said = " ".join(quote_words[q_start:q_end])
    read = " ".join(span_words[s_start:s_end])
    if tag == "delete":
        return f"quote adds a word: {said!r}"
    if tag == "insert":
        return f"quote drops a word: {read!r}"
    return f"quote changes a word: {said!r} vs {read!r}"


def _as_in_span(word: str, span_words: list[str]) -> str:
    """The span's spelling of a quoted word a typo away (numbers and short words must be equal)."""
    if word in span_words or len(word) <= 3 or word.isdigit():
        return word
    best = max(span_words, key=lambda other: fuzzy.ratio(word, other), default=None)
    if best is not None and not best.isdigit() and fuzzy.ratio(word, best) >= WORD_SIMILARITY:
        return best
    return word


def _negated_from_outside(report: str, match: QuoteMatch) -> bool:
    """A negation trigger that starts before the span (or lies after it) reaches into it.

    Only a trigger next to the span counts, with no content word between:
    "No pericardial effusion" quoted as "pericardial effusion", "no evidence
    of oedema" as "evidence of oedema". A trigger further away ("No LGE,
    oedema or effusion" quoted as "effusion") heads a list the quote
    genuinely names an item of.
    """
    start, end = sentence_bounds(report, match.start, match.end)
    triggers = _analyzer().sentence_triggers(report, start, end)
    first = _WORD_SPAN.search(report, match.start, match.end)
    if first is None or _analyzer().assess(triggers, first.start(), first.end()).status != (
        "negated"
    ):
        return False
    for found in triggers.found:
        if found.trigger.category != "negated":
            continue
        if found.start < match.start < found.end:
            # "There is no" cut to "no ...": the quote keeps the negation word
            if not _negation_words() & set(_WORD.findall(report[match.start : found.end].lower())):
                return True
            continue
        if found.start < match.start:
            gap = report[found.end : match.start]
        elif found.start >= match.end:
            gap = report[match.end : found.start]
        else:
            continue
        if not _content_words(gap):
            return True
    return False


def _to_quote_edges(report: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """Widen a fuzzy span to the quote's first and last words when they lie just outside it.

    An alignment of the quote's length can fall on a shorter true phrase ("a
    dilated left ventricle" on "dilated left ventricle" of "a mildly dilated
    left ventricle"); widened to the quote's own edge words, the dropped
    word is inside the span and the word check sees it.
    """
    words = _WORD.findall(quote.lower())
    if not words:
        return start, end
    before = list(_WORD_SPAN.finditer(report, max(0, start - EDGE_CHARS), start))
    if not report[start:end].lower().startswith(words[0]):
        for found in reversed(before[-EDGE_WORDS:]):
            if found.group().lower() == words[0]:
                start = found.start()
                break
    after = list(_WORD_SPAN.finditer(report, end, min(len(report), end + EDGE_CHARS)))
    if not report[start:end].lower().rstrip(" .,;:)").endswith(words[-1]):
        for found in after[:EDGE_WORDS]:
            if found.group().lower() == words[-1]:
                end = found.end()
                break
    return start, end


def _normalised_match(report: str, quote: str) -> QuoteMatch | None:
    """Match ignoring case and the amount of whitespace between words."""
    words = quote.split()
    pattern = r"\s+".join(re.escape(word) for word in words)
    found = re.search(pattern, report, flags=re.IGNORECASE)
    if found is None:
        return None
    return QuoteMatch(found.start(), found.end(), "normalised", 100.0)


def _trim(report: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces at the ends, then widen to whole words (alignments can cut a word)."""
    while start < end and report[start].isspace():
        start += 1
    while end > start and report[end - 1].isspace():
        end -= 1
    while start > 0 and report[start - 1].isalnum() and report[start].isalnum():
        start -= 1
    while end < len(report) and report[end].isalnum() and report[end - 1].isalnum():
        end += 1
    return start, end
