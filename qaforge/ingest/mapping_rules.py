"""The rules of a mapping file: patterns that set a sequence or view, skip a file, or name a phase.

Each rule's ``pattern`` is a regular expression searched case-insensitively
in a normalised name (:mod:`qaforge.ingest.series_names`); a pattern that
does not compile, or that could never match a normalised name, is refused
when the file is validated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from qaforge.domain.series import Phase, Sequence, View

REGEX_ERROR = "bad_regex"
"""The pydantic error type of a pattern that is not a usable regular expression."""


def check_pattern(pattern: str) -> str:
    """A pattern that compiles and can match a normalised name, or a pydantic error saying why not."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise PydanticCustomError(
            REGEX_ERROR,
            "'{pattern}' is not a valid regular expression ({problem})",
            {"pattern": pattern, "problem": str(exc)},
        ) from None
    if "_" in pattern:
        # Names never contain "_" (it is normalised to a space), so such a
        # rule would silently never match.
        raise PydanticCustomError(
            REGEX_ERROR,
            "'{pattern}' contains '_', which never occurs in a normalised name "
            "(write a space instead, e.g. 'mag ir')",
            {"pattern": pattern},
        )
    return pattern


class PatternRule(BaseModel):
    """A rule whose ``pattern`` is searched case-insensitively in a normalised name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str) -> str:
        return check_pattern(pattern)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled, case-insensitive pattern."""
        return re.compile(self.pattern, re.IGNORECASE)


class MappingRule(PatternRule):
    """One rule: names matching ``pattern`` are of this sequence and/or view.

    Attributes:
        pattern: Python regular expression, searched case-insensitively in the
            normalised series name.
        sequence: The sequence it sets, if any.
        view: The view it sets, if any.
    """

    sequence: Sequence | None = None
    view: View | None = None

    @model_validator(mode="after")
    def _sets_something(self) -> MappingRule:
        if self.sequence is None and self.view is None:
            raise ValueError("a rule must set sequence, view or both")
        return self


class SkipRule(PatternRule):
    """Files whose name matches ``pattern`` are not series: skipped, counted under ``reason``.

    Attributes:
        pattern: Python regular expression, searched case-insensitively in the
            normalised file name (no folders).
        reason: Why such files are skipped, as counted in the summary, e.g.
            ``"segmentation or label file"``.
    """

    reason: str = Field(min_length=1, max_length=100)


class PhaseRule(PatternRule):
    """Files whose name matches ``pattern`` hold one cardiac phase cut from a cine.

    Attributes:
        pattern: Python regular expression, searched case-insensitively in the
            normalised file name (no folders); the matched words are the phase token.
        phase: The phase the token names, or None when it does not say
            (ACDC's ``frame01`` is ED or ES depending on the patient). Required,
            so that ``null`` is written on purpose.
    """

    phase: Phase | None


@dataclass(frozen=True)
class RuleMatch:
    """A field decided by the mapping, and what decided it.

    Attributes:
        value: The sequence or view (for a skip rule: its reason).
        decided_by: ``"mapping rule N (pattern)"`` (N counts from 1 in file
            order), ``"mapping default_view"`` or ``"mapping skip rule N (pattern)"``.
    """

    value: str
    decided_by: str
