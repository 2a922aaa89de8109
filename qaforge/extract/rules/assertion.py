"""ConText-style assertion: is a target affirmed, negated, possible, historical or hypothetical?

Triggers come from ``rules/context.yaml``; each has a category, a direction
(forward: acts on targets after it; backward: before it; both, each way with
its own reach) and a scope that ends at the sentence end, at a terminator
("but", "however", "which", ...) or after a number of words. Commas do not
end a scope, so a coordinated list ("No LGE, perfusion defect or oedema") is
negated whole. Scope also ends at a new header (a colon after words on the
trigger's side: "Not assessed.  Mapping: ..."), a backward scope at a line
break, and a trigger inside parentheses reaches only inside them ("LGE (not
shown)"). Pseudo-triggers ("no change in", "not only") are matched so that
the shorter triggers inside them do not fire, and assert nothing. Triggers
are looked up by their word tokens, longest phrase first, once per sentence.

:func:`assertion_status` is the DESIGN.md contract, for any target of any
clinical sentence. When several triggers reach a target the strongest wins:
hypothetical, then historical, then negated, then possible (``precedence``
in context.yaml).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from qaforge.extract.rules.rule_files import RULES_DIR, load_yaml_model

AssertionStatus = Literal["affirmed", "negated", "possible", "historical", "hypothetical"]
TriggerCategory = Literal[
    "negated", "possible", "historical", "hypothetical", "pseudo", "terminate"
]
Direction = Literal["forward", "backward", "both"]
Certainty = Literal["definite", "probable", "possible"]
AssertingCategory = Literal["hypothetical", "historical", "negated", "possible"]


class TriggerGroup(BaseModel):
    """Phrases that share a category, a direction and a scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: TriggerCategory
    direction: Literal["forward", "backward", "both"]
    phrases: tuple[str, ...]
    certainty: Literal["probable", "possible"] | None = None
    max_words: int | None = None

    @model_validator(mode="after")
    def _certainty_only_for_possible(self) -> TriggerGroup:
        if (self.category == "possible") != (self.certainty is not None):
            raise ValueError(
                "a 'possible' group needs a certainty (probable or possible); others have none"
            )
        if any(not phrase.strip() for phrase in self.phrases):
            raise ValueError("empty trigger phrase")
        return self


class ContextDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    forward_words: int = 15
    backward_words: int = 6


class ContextRules(BaseModel):
    """``context.yaml``: trigger groups, the default scope caps, and which category wins.

    ``precedence`` lists the asserting categories strongest first: when
    triggers of several categories reach a target, the first listed decides.
    The shipped file states it; the default here only spares a minimal
    trigger file from repeating it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    defaults: ContextDefaults = ContextDefaults()
    precedence: tuple[AssertingCategory, ...] = (
        "hypothetical",
        "historical",
        "negated",
        "possible",
    )
    groups: tuple[TriggerGroup, ...]

    @field_validator("precedence")
    @classmethod
    def _each_category_once(
        cls, precedence: tuple[AssertingCategory, ...]
    ) -> tuple[AssertingCategory, ...]:
        categories = get_args(AssertingCategory)
        if sorted(precedence) != sorted(categories):
            raise ValueError(f"list each of {', '.join(categories)} once, strongest first")
        return precedence

    @model_validator(mode="after")
    def _one_category_per_phrase(self) -> ContextRules:
        seen: dict[str, str] = {}
        for group in self.groups:
            for phrase in group.phrases:
                key = _normalise(phrase)
                if seen.get(key, group.category) != group.category:
                    raise ValueError(f"trigger {phrase!r} is both {seen[key]} and {group.category}")
                seen[key] = group.category
        return self


@dataclass(frozen=True, slots=True)
class Trigger:
    """What a phrase does: category, reach after and before it in words (-1: none), certainty."""

    category: str
    forward: int
    backward: int
    certainty: str


@dataclass(frozen=True, slots=True)
class FoundTrigger:
    start: int
    end: int
    text: str
    trigger: Trigger


@dataclass(frozen=True, slots=True)
class SentenceTriggers:
    """The triggers of one sentence ``text[start:end]``, absolute offsets."""

    text: str
    start: int
    end: int
    found: tuple[FoundTrigger, ...]
    parentheses: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Assertion:
    """The status of a target, the certainty a hedge gives it, and the deciding trigger."""

    status: AssertionStatus
    certainty: Certainty
    trigger: str | None


_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def load_context_rules(path: Path | None = None) -> ContextRules:
    """Read and validate a trigger file (default: the shipped ``rules/context.yaml``)."""
    if path is None:
        return _default_rules()
    return _load(path)


def _load(path: Path) -> ContextRules:
    return load_yaml_model(path, ContextRules)  # type: ignore[return-value]


@functools.cache
def _default_rules() -> ContextRules:
    return _load(RULES_DIR / "context.yaml")


class AssertionAnalyzer:
    """Finds triggers in sentences and decides the status of targets."""

    def __init__(self, rules: ContextRules | None = None) -> None:
        rules = rules or load_context_rules()
        # Rank of each asserting category: the higher wins.
        self._precedence = {
            category: len(rules.precedence) - index
            for index, category in enumerate(rules.precedence)
        }
        self._triggers: dict[str, Trigger] = {}
        for group in rules.groups:
            reach = rules.defaults.forward_words, rules.defaults.backward_words
            if group.max_words is not None:
                reach = group.max_words, group.max_words
            forward = reach[0] if group.direction != "backward" else -1
            backward = reach[1] if group.direction != "forward" else -1
            for phrase in group.phrases:
                key = _normalise(phrase)
                known = self._triggers.get(key)
                # Listed in groups of both directions: each direction keeps its longer reach.
                self._triggers[key] = Trigger(
                    group.category,
                    max(forward, known.forward) if known else forward,
                    max(backward, known.backward) if known else backward,
                    group.certainty or "definite",
                )
        # Phrases are looked up as tuples of word tokens: one dictionary probe per
        # position and length, instead of a regex alternation of every phrase.
        self._by_tokens: dict[tuple[str, ...], Trigger] = {}
        for phrase, trigger in self._triggers.items():
            self._by_tokens[tuple(_TOKEN.findall(phrase))] = trigger
        self._longest = max((len(key) for key in self._by_tokens), default=1)
        self._first_words = {key[0] for key in self._by_tokens}

    def sentence_triggers(self, text: str, start: int, end: int) -> SentenceTriggers:
        """All triggers of the sentence ``text[start:end]`` (found once, reused per target)."""
        tokens = [
            (m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)
        ]
        words = [token[0] for token in tokens]
        matches: list[tuple[int, int, Trigger]] = []  # (first token, last token + 1, trigger)
        for index in range(len(tokens)):
            if words[index] not in self._first_words:
                continue
            for length in range(min(self._longest, len(tokens) - index), 0, -1):
                trigger = self._by_tokens.get(tuple(words[index : index + length]))
                if trigger is not None:
                    matches.append((index, index + length, trigger))
                    break
        # Pseudo-triggers win over any trigger they overlap ("there is no" inside
        # "there is no change in"); otherwise the earlier, longer match wins.
        pseudo = [(a, b) for a, b, t in matches if t.category == "pseudo"]
        found = []
        taken_until = 0
        for a, b, trigger in matches:
            if a < taken_until:
                continue
            if trigger.category != "pseudo" and any(pa < b and a < pb for pa, pb in pseudo):
                continue
            char_start, char_end = tokens[a][1], tokens[b - 1][2]
            found.append(FoundTrigger(char_start, char_end, text[char_start:char_end], trigger))
            taken_until = b
        parentheses = _parentheses(text, start, end) if "(" in text[start:end] else ()
        return SentenceTriggers(text, start, end, tuple(found), parentheses)

    def assess(
        self,
        triggers: SentenceTriggers,
        target_start: int,
        target_end: int,
        ignore: tuple[str, ...] = (),
    ) -> Assertion:
        """The status of ``text[target_start:target_end]``, a span inside the sentence.

        ``ignore`` leaves out trigger categories (the extractor reads "prior
        infarction" in an impression as a diagnosis, not as history).
        """
        precedence = self._precedence
        best: FoundTrigger | None = None
        terminators = [f for f in triggers.found if f.trigger.category == "terminate"]
        for found in triggers.found:
            trigger = found.trigger
            if trigger.category in ("pseudo", "terminate") or trigger.category in ignore:
                continue
            if not _reaches(triggers, terminators, found, target_start, target_end):
                continue
            if best is None or precedence[trigger.category] > precedence[best.trigger.category]:
                best = found
            elif (
                trigger.category == best.trigger.category == "possible"
                and trigger.certainty == "possible"
            ):
                best = found  # two hedges: the weaker one
        if best is None:
            return Assertion("affirmed", "definite", None)
        trigger = best.trigger
        certainty = trigger.certainty if trigger.category == "possible" else "definite"
        return Assertion(trigger.category, certainty, best.text)  # type: ignore[arg-type]

    def assess_span(self, text: str, start: int, end: int) -> Assertion:
        """Find the sentence around ``text[start:end]`` and assess the span in it."""
        _check_span(text, start, end)
        sentence_start, sentence_end = sentence_bounds(text, start, end)
        return self.assess(self.sentence_triggers(text, sentence_start, sentence_end), start, end)


# A header's colon (not a time such as 12:30) and a line break in flattened text.
_HEADER_COLON = re.compile(r":(?=\s|$)")
_LINE_BREAK = re.compile(r"\n| {2,}|\t")


def _reaches(
    triggers: SentenceTriggers,
    terminators: list[FoundTrigger],
    found: FoundTrigger,
    start: int,
    end: int,
) -> bool:
    """Whether ``found`` acts on the target ``text[start:end]`` of its sentence.

    A trigger acts in its direction up to its word cap, unless a terminator,
    a new header (a colon after words of the trigger's side) or, backwards, a
    line break lies in between; a trigger inside parentheses acts only inside
    them. A trigger inside the target is part of its name ("no-reflow"); one
    that begins before the target and overlaps it acts forward on it.
    """
    text, trigger = triggers.text, found.trigger
    if found.start < end and start < found.end and found.start >= start:
        return False
    after = found.start < start
    reach = trigger.forward if after else trigger.backward
    if reach < 0:
        return False
    gap_start, gap_end = (min(found.end, start), start) if after else (end, found.start)
    if any(gap_start <= other.start and other.end <= gap_end for other in terminators):
        return False
    if len(_WORD.findall(text, gap_start, gap_end)) > reach:
        return False
    if ":" in text[gap_start:gap_end] and _crosses_header(text, gap_start, gap_end, after):
        return False
    if not after and _LINE_BREAK.search(text, gap_start, gap_end):
        return False
    return not triggers.parentheses or _same_parentheses(triggers, found, start, end)


def _crosses_header(text: str, gap_start: int, gap_end: int, after: bool) -> bool:
    for colon in _HEADER_COLON.finditer(text, gap_start, gap_end):
        trigger_side = (gap_start, colon.start()) if after else (colon.end(), gap_end)
        if _WORD.search(text, *trigger_side):
            return True
    return False


def _same_parentheses(
    triggers: SentenceTriggers, found: FoundTrigger, start: int, end: int
) -> bool:
    """A trigger inside a parenthesis reaches only targets inside the same one."""
    for open_at, close_at in triggers.parentheses:
        if open_at < found.start and found.end <= close_at:
            return open_at < start and end <= close_at
    return True


def _parentheses(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The innermost-first spans ``(open, close)`` of balanced parentheses in ``text[start:end]``."""
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    for index in range(start, end):
        char = text[index]
        if char == "(":
            opened.append(index)
        elif char == ")" and opened:
            spans.append((opened.pop(), index))
    spans.extend((open_at, end) for open_at in opened)  # unclosed: to the sentence end
    return tuple(sorted(spans, key=lambda span: span[1] - span[0]))


_BOUNDARY = re.compile(r"[.!?](?=\s|$)|;|\n\s*\n|\n(?=\s*(?:[-•*]|\d{1,2}[.)])\s)")
_NOT_AN_END = re.compile(r"(?:\d|\b(?:e\.g|i\.e|vs|approx|etc|cf|dr|no))\.\Z", re.IGNORECASE)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence containing ``text[start:end]``.

    Bounded by '.', '!' or '?' before whitespace (not in decimals such as
    "2.5" or abbreviations such as "e.g."), ';', blank lines and bullet lines.
    A header at the start of a line ("FINDINGS:") stays in the sentence it heads.
    """
    _check_span(text, start, end)
    sentence_start = 0
    for match in _BOUNDARY.finditer(text):
        if match.end() > start:
            break
        if match.group() == "." and _NOT_AN_END.search(
            text, max(0, match.start() - 5), match.end()
        ):
            continue
        if (
            match.group() == "."
            and match.end() < len(text)
            and text[match.end() : match.end() + 1].isdigit()
        ):
            continue
        sentence_start = match.end()
    sentence_end = len(text)
    for match in _BOUNDARY.finditer(text, end):
        if match.group() == "." and _NOT_AN_END.search(
            text, max(0, match.start() - 5), match.end()
        ):
            continue
        sentence_end = match.end()
        break
    return sentence_start, max(sentence_end, end)


def _check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is not inside a text of {len(text)} characters")


@functools.cache
def _default_analyzer() -> AssertionAnalyzer:
    return AssertionAnalyzer()


def assertion_status(text: str, start: int, end: int) -> AssertionStatus:
    """The assertion status of the target ``text[start:end]`` in its sentence.

    Returns one of ``affirmed``, ``negated``, ``possible``, ``historical``,
    ``hypothetical`` (DESIGN.md contract). Raises ValueError for a span outside
    the text.
    """
    return _default_analyzer().assess_span(text, start, end).status
