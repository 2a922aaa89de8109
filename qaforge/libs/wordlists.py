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


@functools.cache
def english_words() -> frozenset[str]:
    """Lower-case dictionary headwords of English (letters only)."""
    words = get_english_words_set(["web2", "gcide"], alpha=True, lower=False)
    return frozenset(word for word in words if word.islower())
