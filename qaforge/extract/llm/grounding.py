"""Grounding: find an LLM's evidence quote in the report and turn it into a character span.

First an exact match, then the same ignoring case and runs of whitespace,
then a fuzzy alignment (rapidfuzz ``partial_ratio_alignment``) that must
score at least the threshold (default 90 of 100), cover most of the quote,
and contain every quoted word up to a typo (so "anterior" never grounds on
"inferior", nor "mild" on "mid"). A quote that is not found is not evidence: the finding is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qaforge.libs import fuzzy

DEFAULT_THRESHOLD = 90.0
MIN_QUOTE_CHARS = 3
WORD_SIMILARITY = 88.0
_WORD = re.compile(r"[a-z0-9]+")


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


def locate_quote(
    report: str, quote: str, *, threshold: float = DEFAULT_THRESHOLD
) -> QuoteMatch | None:
    """Find a quote in a report.

    Args:
        report: The report text.
        quote: The words the model says it read.
        threshold: Least fuzzy score (0-100) accepted.

    Returns:
        The span, or ``None`` when the quote is too short or not in the report.
    """
    quote = quote.strip()
    if len(quote) < MIN_QUOTE_CHARS:
        return None
    start = report.find(quote)
    if start >= 0:
        return QuoteMatch(start, start + len(quote), "exact", 100.0)
    normalised = _normalised_match(report, quote)
    if normalised is not None:
        return normalised
    alignment = fuzzy.best_alignment(quote.lower(), report.lower(), score_cutoff=threshold)
    if alignment is None:
        return None
    start, end = alignment.start, alignment.end
    # partial_ratio aligns a window of the quote's length; a window that only
    # matches a fraction of a long quote is not that quote
    if (end - start) < 0.8 * len(quote):
        return None
    start, end = _trim(report, start, end)
    if not _same_words(quote, report[start:end]):
        return None
    return QuoteMatch(start, end, "fuzzy", round(alignment.score, 2))


def _same_words(quote: str, span: str) -> bool:
    """Every word of the quote is in the span, up to a typo.

    A high alignment score alone lets "basal anterior wall" match "basal
    inferior wall"; a changed place, grade or negation is a different
    statement, so each quoted word needs a span word at least
    ``WORD_SIMILARITY`` alike (words of up to 3 letters must be equal).
    """
    span_words = _WORD.findall(span.lower())
    for word in _WORD.findall(quote.lower()):
        if len(word) <= 3:
            if word not in span_words:
                return False
        elif not any(fuzzy.ratio(word, other) >= WORD_SIMILARITY for other in span_words):
            return False
    return True


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
