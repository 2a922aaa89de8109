"""The one rapidfuzz module: string similarity scores and partial alignment.

Scores are rapidfuzz's normalised Indel similarity, 0 (nothing alike) to 100
(equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein


@dataclass(frozen=True)
class Alignment:
    """Where the best match of a short text lies in a longer one.

    Attributes:
        score: Similarity (0-100) of the short text and the window.
        start: Start offset of the window in the longer text.
        end: End offset (exclusive) of the window.
    """

    score: float
    start: int
    end: int


def ratio(first: str, second: str) -> float:
    """The similarity ratio of two strings as a whole (rapidfuzz ``fuzz.ratio``).

    Args:
        first: One string.
        second: The other.

    Returns:
        0 to 100; 100 for equal strings.
    """
    return fuzz.ratio(first, second)


def best_alignment(needle: str, haystack: str, *, score_cutoff: float) -> Alignment | None:
    """The window of ``haystack`` most like ``needle`` (rapidfuzz ``partial_ratio_alignment``).

    Args:
        needle: The short text to find.
        haystack: The text to search.
        score_cutoff: Least score (0-100) accepted.

    Returns:
        The window and its score, or None when no window scores ``score_cutoff``.
    """
    found = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=score_cutoff)
    if found is None:
        return None
    return Alignment(score=found.score, start=found.dest_start, end=found.dest_end)


def word_edits(first: list[str], second: list[str]) -> list[tuple[str, int, int, int, int]]:
    """How one list of words becomes another (rapidfuzz Levenshtein opcodes over words).

    Args:
        first: The words of one text.
        second: The words of the other.

    Returns:
        ``(tag, first_start, first_end, second_start, second_end)`` for each
        run that is not equal; tags are ``replace``, ``delete`` and ``insert``.
    """
    return [
        (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
        for op in Levenshtein.opcodes(first, second)
        if op.tag != "equal"
    ]
