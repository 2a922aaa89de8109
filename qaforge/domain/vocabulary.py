"""The CMR finding vocabulary (``schemas/vocabulary.yaml``, version 1) and the Finding model.

The vocabulary is a contract shared with gold annotations and benchmarks
outside qaforge: codes and values may be added, never renamed or dropped.
``schemas/finding.schema.json`` is generated from :class:`Finding` by
:func:`finding_json_schema`; a test keeps the two in step.
"""

from __future__ import annotations

import functools
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from qaforge.resources import resource_dir

DISPUTED = "disputed"
"""The doubt of a finding the rules and the LLM disagree on (reconciliation)."""

Certainty = Literal["definite", "probable", "possible"]
Level = Literal["basal", "mid", "apical", "apex"]
Wall = Literal[
    "anterior",
    "anteroseptal",
    "inferoseptal",
    "inferior",
    "inferolateral",
    "anterolateral",
    "septal",
    "lateral",
]


class CodeSpec(BaseModel):
    """One finding code: its allowed values, or its numeric unit, and whether it takes locations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: tuple[str, ...] | None = None
    numeric: str | None = None
    localized: bool = False

    @model_validator(mode="after")
    def _values_or_numeric(self) -> CodeSpec:
        if (self.values is None) == (self.numeric is None):
            raise ValueError("a code has either 'values' or 'numeric'")
        return self


class Vocabulary(BaseModel):
    """The whole vocabulary file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sequences: tuple[str, ...]
    views: tuple[str, ...]
    levels: tuple[str, ...]
    walls: tuple[str, ...]
    aha_segments: dict[int, str]
    certainty: tuple[str, ...]
    findings: dict[str, CodeSpec]


@functools.cache
def load_vocabulary() -> Vocabulary:
    """Read and validate ``schemas/vocabulary.yaml`` (cached)."""
    text = (resource_dir("schemas") / "vocabulary.yaml").read_text(encoding="utf-8")
    return Vocabulary.model_validate(yaml.safe_load(text))


class Evidence(BaseModel):
    """The exact span of the report a finding came from: ``text == report[start:end]``."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Finding(BaseModel):
    """One normalised statement of a report (DESIGN.md, stateless extraction contract).

    ``confidence`` (0..1) is how far the extractor trusts its own reading, and
    ``doubts`` name what lowered it (``rules/confidence.yaml`` for the rules;
    ``disputed`` when the rules and the LLM disagree). It is not the report's
    certainty: "probable myocarditis" read without a doubt has confidence 1.
    Generation holds findings below its threshold, and disputed ones, for review.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    value: str | float
    levels: tuple[Level, ...] = ()
    walls: tuple[Wall, ...] = ()
    segments: tuple[int, ...] = ()
    certainty: Certainty = "definite"
    evidence: Evidence
    extractor: str
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    doubts: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _in_vocabulary(self) -> Finding:
        spec = load_vocabulary().findings.get(self.code)
        if spec is None:
            raise ValueError(f"unknown finding code {self.code!r}")
        if spec.numeric is not None:
            if isinstance(self.value, str):
                raise ValueError(f"{self.code} takes a number ({spec.numeric}), got {self.value!r}")
        elif self.value not in (spec.values or ()):
            raise ValueError(
                f"{self.code} has no value {self.value!r}; allowed: {', '.join(spec.values or ())}"
            )
        if not spec.localized and (self.levels or self.walls or self.segments):
            raise ValueError(
                f"{self.code} is not localized: levels, walls and segments must be empty"
            )
        if any(not 1 <= s <= 17 for s in self.segments):
            raise ValueError(f"AHA segments are 1..17, got {list(self.segments)}")
        if self.evidence.end < self.evidence.start:
            raise ValueError("evidence end is before its start")
        return self


def finding_json_schema() -> dict:
    """The JSON Schema of a Finding, as shipped in ``schemas/finding.schema.json``."""
    schema = Finding.model_json_schema()
    schema["$id"] = "https://qaforge.invalid/schemas/finding.schema.json"
    schema["description"] = "A CMR finding per qaforge's vocabulary version 1."
    return schema
