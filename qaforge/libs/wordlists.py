"""Word lists from registry packages: census person names and an English dictionary.

- First names and surnames: the US 1990 census name frequency files that the
  ``names`` package ships (MIT licence): 5,494 first names, 88,799 surnames.
- English words: the lower-case headwords of Webster's Second International
  and of the GNU Collaborative International Dictionary of English that the
  ``english-words`` package ships (MIT licence); capitalised headwords
  (proper names) are left out.

Each list is read once per process; words are lower-case.
"""

from __future__ import annotations

import functools
from importlib import resources

from english_words import get_english_words_set


def _census_file(name: str) -> list[str]:
    """A census file's names, lower-case, most frequent first."""
    text = resources.files("names").joinpath(name).read_text(encoding="ascii")
    return [line.split()[0].lower() for line in text.splitlines() if line.strip()]


@functools.cache
def first_names() -> frozenset[str]:
    """Census first names (male and female), lower-case."""
    return frozenset(_census_file("dist.male.first") + _census_file("dist.female.first"))


@functools.cache
def surname_ranks() -> dict[str, int]:
    """Census surnames, lower-case, with their frequency rank (1 = most frequent)."""
    return {name: rank for rank, name in enumerate(_census_file("dist.all.last"), start=1)}


COMMON_SURNAME_RANK = 5000
"""A dictionary word counts as a name only if it is a first name or one of
the census's this many most frequent surnames ("Baker", "Hill": yes;
"Course", "Area": no)."""

_ENDINGS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("ally", ""),
)


def is_dictionary_word(word: str) -> bool:
    """Whether a word, or its stem without a plural / verb / adverb ending, is an English word.

    Args:
        word: One word, any case.

    Returns:
        True for "bases", "decreased", "Wall"; False for "Connor", "Brompton".
    """
    bare = word.lower()
    words = english_words()
    stems = {bare}
    for ending, replacement in _ENDINGS:
        if bare.endswith(ending) and len(bare) > len(ending) + 2:
            stems.add(bare[: -len(ending)] + replacement)
    return any(stem in words for stem in stems)


def is_common_name(word: str) -> bool:
    """Whether a word is a census first name or one of the common census surnames."""
    bare = word.lower()
    rank = surname_ranks().get(bare, COMMON_SURNAME_RANK + 1)
    return bare in first_names() or rank <= COMMON_SURNAME_RANK


def looks_like_name(word: str) -> bool:
    """Whether a word may be a person's name: a common census name, or in no dictionary.

    Args:
        word: One word (hyphenated parts are judged each).

    Returns:
        True for "Smith", "Okafor", "Connor-Hill"; False for "Imaging", "Noted".
    """
    parts = [part for part in word.lower().split("-") if part]
    return bool(parts) and all(is_common_name(p) or not is_dictionary_word(p) for p in parts)


@functools.cache
def english_words() -> frozenset[str]:
    """Lower-case dictionary headwords of English (letters only)."""
    words = get_english_words_set(["web2", "gcide"], alpha=True, lower=False)
    return frozenset(word for word in words if word.islower())
