"""Sentence scoping: which sentences are about another test, an earlier study or the referral.

ANNOTATION rule 1 says only what the report states about this study gives a
finding. Headings already exclude an indication, history or comparison
section (``sections.yaml``); scoping does the same for single sentences
without a heading ("The echocardiogram showed ...", "History of anterior
MI.", "HCM - assessment of LVOT obstruction."). The cue classes are data
(``rules/scoping.yaml``, model :class:`ScopingRules`); the scope is always one
sentence, and a cue of this study in the same sentence ("on CMR", "LGE",
"now", "compared with") keeps it. Pure text in, spans out; no spaCy.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from qaforge.extract.rules.rule_files import RULES_DIR, load_yaml_model
from qaforge.extract.rules.structure import Sentence

_CLASS_NAME = re.compile(r"[a-z][a-z0-9_]*")


# An upper-case letter that is not part of an escape such as \W: cues match lower-cased text.
_UPPER_CASE = re.compile(r"(?<!\\)[A-Z]")


def _checked_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        if not pattern.strip():
            raise ValueError("empty pattern")
        if _UPPER_CASE.search(pattern):
            raise ValueError(f"pattern {pattern!r} is not lower case (the text is lower-cased)")
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"pattern {pattern!r} is not a regular expression ({error})") from None
    return patterns


class ScopeClass(BaseModel):
    """One class of cues: where they count and what keeps the sentence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cues: tuple[str, ...] = ()
    openings: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    @field_validator("cues", "openings", "unless")
    @classmethod
    def _valid_patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _checked_patterns(patterns)

    @model_validator(mode="after")
    def _has_a_cue(self) -> ScopeClass:
        if not self.cues and not self.openings:
            raise ValueError("a class needs cues or openings")
        return self


class ScopingRules(BaseModel):
    """``scoping.yaml``: the cue classes of sentences that give no finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    classes: dict[str, ScopeClass]

    @field_validator("classes")
    @classmethod
    def _named_classes(cls, classes: dict[str, ScopeClass]) -> dict[str, ScopeClass]:
        for name in classes:
            if not _CLASS_NAME.fullmatch(name):
                raise ValueError(f"class name {name!r} is not lower_case_with_underscores")
        return classes


def load_scoping_rules(path: Path | None = None) -> ScopingRules:
    """Read and validate a scoping file (default: the shipped ``rules/scoping.yaml``).

    Raises:
        RulesError: The file is missing or invalid (E401, naming the entry).
    """
    if path is None:
        return _default_scoping_rules()
    return load_yaml_model(path, ScopingRules)  # type: ignore[return-value]


@functools.cache
def _default_scoping_rules() -> ScopingRules:
    return load_yaml_model(RULES_DIR / "scoping.yaml", ScopingRules)  # type: ignore[return-value]


def _words(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern matching any of ``patterns`` as whole words (of lower-cased text)."""
    if not patterns:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)")


def _openings(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(r"(?:" + "|".join(patterns) + r")(?!\w)")


@dataclasses.dataclass(frozen=True, slots=True)
class _CompiledClass:
    name: str
    cues: re.Pattern[str] | None
    openings: re.Pattern[str] | None
    unless: re.Pattern[str] | None


class SentenceScoper:
    """Marks the sentences of a report that are about another test, a prior study or the referral."""

    def __init__(self, rules: ScopingRules) -> None:
        self._classes = [
            _CompiledClass(name, _words(c.cues), _openings(c.openings), _words(c.unless))
            for name, c in rules.classes.items()
        ]
        # One pass over the report finds the sentences worth a closer look.
        self._any_cue = _words(tuple(p for c in rules.classes.values() for p in c.cues))
        self._any_opening = _openings(tuple(p for c in rules.classes.values() for p in c.openings))

    def scope_of(self, text: str, start: int, end: int) -> str | None:
        """The class ``text[start:end]`` is scoped out by, or None if it is about this study."""
        return self._scope_of_lowered(_lower(text[start:end]))

    def _scope_of_lowered(self, sentence: str) -> str | None:
        return self._cue_and_scope(sentence)[1]

    def _cue_and_scope(self, sentence: str) -> tuple[bool, str | None]:
        """Whether a class's cue is in the sentence, and the class that scopes it out (if any)."""
        cued = False
        for scope in self._classes:
            if not _has_cue(sentence, scope):
                continue
            cued = True
            if scope.unless is None or scope.unless.search(sentence) is None:
                return True, scope.name
        return cued, None

    def scope(self, text: str, sentences: list[Sentence]) -> list[Sentence]:
        """The sentences with ``scope`` set on those about another test, prior study or referral.

        Args:
            text: The report text.
            sentences: Its sentences (:func:`~qaforge.extract.rules.structure.split_sentences`).

        Returns:
            The same sentences, in order; a scoped sentence is a copy with its
            class name, and one a cue of this study kept is a copy marked ``mixed``.
        """
        # Lower-cased text and case-sensitive patterns: three times faster than IGNORECASE.
        text = _lower(text)
        hits = [m.start() for m in self._any_cue.finditer(text)] if self._any_cue else []
        scoped = []
        for sentence in sentences:
            start, end = sentence.start, sentence.end
            index = bisect.bisect_left(hits, start)
            has_hit = index < len(hits) and hits[index] < end
            if not has_hit and self._any_opening is not None:
                has_hit = self._any_opening.match(text, start, end) is not None
            if has_hit and sentence.section != "excluded":
                cued, name = self._cue_and_scope(text[start:end])
                if name is not None:
                    sentence = dataclasses.replace(sentence, scope=name)
                elif cued:  # kept by a cue of this study, but it speaks of another too
                    sentence = dataclasses.replace(sentence, mixed=True)
            scoped.append(sentence)
        return scoped


def _lower(text: str) -> str:
    """``text`` in lower case, of the same length (a letter whose lower case is longer stays)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def _has_cue(sentence: str, scope: _CompiledClass) -> bool:
    """True when the class has an opening at the start or a cue outside brackets."""
    if scope.openings is not None and scope.openings.match(sentence):
        return True
    if scope.cues is None:
        return False
    for match in scope.cues.finditer(sentence):
        before = sentence[: match.start()]
        if before.count("(") <= before.count(")"):  # a bracketed aside is a comparison
            return True
    return False
