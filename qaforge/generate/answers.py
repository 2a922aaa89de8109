"""Reading a subtask's answer from a study's findings (pure functions).

The rules that keep items honest live here:

- a study whose findings are silent on the subtask's code gets no item
  (silence is not a negative: a "no" answer needs an explicit negative);
- findings held for review (low confidence, disputed) make no item of any
  subtask they touch (:mod:`qaforge.generate.items` applies it);
- findings of ``possible`` certainty make no item unless allowed;
- findings that disagree (two values where one answer is asked), fall
  outside the options, or lack the location asked about make no item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qaforge.domain.qa import SourcedFinding
from qaforge.generate.catalogue import Subtask

SkipReason = Literal[
    "silent", "in_review", "possible", "conflicting", "outside_options", "unlocalized", "no_series"
]
SKIP_REASONS: tuple[SkipReason, ...] = (
    "silent",
    "in_review",
    "possible",
    "conflicting",
    "outside_options",
    "unlocalized",
    "no_series",
)


@dataclass(frozen=True)
class DerivedAnswer:
    """A subtask's answer for one study.

    Attributes:
        keys: Option keys of the answer, in catalogue order (empty for open items).
        findings: The findings the answer rests on.
    """

    keys: tuple[str, ...]
    findings: tuple[SourcedFinding, ...]


def derive_answer(
    subtask: Subtask, findings: Sequence[SourcedFinding], *, include_possible: bool
) -> DerivedAnswer | SkipReason:
    """The subtask's answer from one study's findings, or why there is none.

    Args:
        subtask: A validated catalogue subtask.
        findings: All findings of the study (any code).
        include_possible: Whether ``possible`` findings may carry an item.

    Returns:
        A :class:`DerivedAnswer`, or the reason the study gets no item.
    """
    relevant = relevant_findings(subtask, findings)
    if not relevant:
        return "silent"
    if not include_possible and any(item.finding.certainty == "possible" for item in relevant):
        return "possible"
    if subtask.kind == "report":
        return DerivedAnswer(keys=(), findings=tuple(relevant))
    if subtask.kind == "location":
        return _location_answer(subtask, relevant)
    if subtask.kind == "numeric_range":
        return _range_answer(subtask, relevant)
    return _value_answer(subtask, relevant)


def relevant_findings(subtask: Subtask, findings: Sequence[SourcedFinding]) -> list[SourcedFinding]:
    """The findings a subtask's answer would rest on (all of a sequence's for a report item)."""
    if subtask.kind == "report":
        prefix = subtask.sequence + "."
        return [item for item in findings if item.finding.code.startswith(prefix)]
    relevant = [item for item in findings if item.finding.code == subtask.code]
    if subtask.kind == "location":
        return [item for item in relevant if item.finding.value in subtask.values]
    return [item for item in relevant if item.finding.value not in subtask.ignore_values]


def _value_answer(subtask: Subtask, relevant: list[SourcedFinding]) -> DerivedAnswer | SkipReason:
    option_of = subtask.option_for_value
    hit: dict[str, list[SourcedFinding]] = {}
    for item in relevant:
        key = option_of.get(str(item.finding.value))
        if key is None:
            return "outside_options"
        hit.setdefault(key, []).append(item)
    if subtask.dominant is not None and subtask.dominant in hit:
        hit = {subtask.dominant: hit[subtask.dominant]}
    if subtask.answer_type == "single_choice" and len(hit) > 1:
        return "conflicting"
    return _answer_in_order(subtask, hit)


def _location_answer(
    subtask: Subtask, relevant: list[SourcedFinding]
) -> DerivedAnswer | SkipReason:
    attribute = subtask.attribute or "levels"
    option_of = subtask.option_for_value
    hit: set[str] = set()
    for item in relevant:
        found = [str(place) for place in getattr(item.finding, attribute)]
        if not found:
            return "unlocalized"
        if any(place not in option_of for place in found):
            return "outside_options"
        hit.update(option_of[place] for place in found)
    keys = tuple(key for key in subtask.option_keys if key in hit)
    return DerivedAnswer(keys=keys, findings=tuple(relevant))


def _range_answer(subtask: Subtask, relevant: list[SourcedFinding]) -> DerivedAnswer | SkipReason:
    hit: dict[str, list[SourcedFinding]] = {}
    for item in relevant:
        number = float(item.finding.value)
        key = next(
            (
                option.key
                for option in subtask.options
                if (option.min is None or number >= option.min)
                and (option.max is None or number < option.max)
            ),
            None,
        )
        if key is None:
            return "outside_options"
        hit.setdefault(key, []).append(item)
    if len(hit) > 1:
        return "conflicting"
    return _answer_in_order(subtask, hit)


def _answer_in_order(subtask: Subtask, hit: dict[str, list[SourcedFinding]]) -> DerivedAnswer:
    keys = tuple(key for key in subtask.option_keys if key in hit)
    findings = tuple(item for key in keys for item in hit[key])
    return DerivedAnswer(keys=keys, findings=findings)
