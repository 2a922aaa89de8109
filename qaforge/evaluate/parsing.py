"""Reading a choice answer out of free model output (pure).

Tried in order, on the text after the last "answer" marker when there is one
("Answer: B", "The final answer is (C)", "**Answer**: B and D"), otherwise on
the whole output:

1. option letters standing alone: "B", "(c)", "B, C and D", "C." (a lone
   lower-case letter counts only in parentheses or when it is the whole answer);
2. option texts (longest first, whole words, case-insensitive): "Dilated".

Returns ``None`` when nothing is found: the caller counts it as unparseable
(and wrong), never drops it.
"""

from __future__ import annotations

import re

_MARKER = re.compile(
    r"(?:final\s+answer|answer|option|choice)s?\s*(?:is|are|:|=|-)?\s*", re.IGNORECASE
)
_LETTER = re.compile(r"(?<![A-Za-z])\(?([A-Za-z])\)?(?![A-Za-z])")


def parse_choice(output: str, options: dict[str, str], *, multiple: bool) -> list[str] | None:
    """The option letters a model's output chooses.

    Args:
        output: The model's raw text.
        options: Letter -> option text of the item.
        multiple: Whether several letters may be chosen.

    Returns:
        Sorted letters (one for single choice: the last one stated), or ``None``.
    """
    text = (output or "").strip().replace("*", "")
    if not text:
        return None
    markers = list(_MARKER.finditer(text))
    tail = text[markers[-1].end() :] if markers else text
    for candidate in [tail, text] if markers else [text]:
        letters = _letters(candidate, options)
        if not letters:
            letters = _option_texts(candidate, options)
        if letters:
            if not multiple:
                return [letters[0] if markers and candidate is tail else letters[-1]]
            return sorted(set(letters))
    return None


def _letters(text: str, options: dict[str, str]) -> list[str]:
    valid = {letter.upper() for letter in options}
    found: list[str] = []
    short = len(text.strip()) <= 3
    for match in _LETTER.finditer(text):
        letter = match.group(1)
        wrapped = match.group(0).startswith("(") and match.group(0).endswith(")")
        if letter.upper() not in valid:
            continue
        if letter.islower() and not (wrapped or short):
            continue
        if letter == "A" and not (wrapped or short) and _is_article(text, match.start(1)):
            continue
        found.append(letter.upper())
    return found


_LIST_WORDS = frozenset({"and", "or", "nor", "plus", "together", "as", "but"})
"""Words after a capital 'A' that make it a letter in a list ("A and C"), not the article."""


def _is_article(text: str, position: int) -> bool:
    """Whether a capital 'A' is the article ("A dilated ventricle"), not an option in a list.

    The article is followed by a lower-case word; an option letter may be too,
    but then the word joins letters ("A and C", "A or B").
    """
    following = re.match(r" ([a-z]+)", text[position + 1 :])
    return following is not None and following.group(1) not in _LIST_WORDS


def _option_texts(text: str, options: dict[str, str]) -> list[str]:
    lowered = f" {re.sub(r'[^a-z0-9%]+', ' ', text.lower())} "
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for letter, option in sorted(options.items(), key=lambda kv: -len(kv[1])):
        needle = f" {re.sub(r'[^a-z0-9%]+', ' ', option.lower()).strip()} "
        start = lowered.find(needle)
        while start >= 0:
            span = (start, start + len(needle))
            if not any(s < span[1] and span[0] < e for s, e in taken):
                taken.append(span)
                found.append((start, letter))
                break
            start = lowered.find(needle, start + 1)
    return [letter for _, letter in sorted(found)]
