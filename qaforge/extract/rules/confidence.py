"""How far the rules trust a reading: doubts in, a confidence per finding out (pure).

Recognizers mark a candidate with named doubts where they make a weaker
inference (the place came from the sentence before, the sequence was carried
over, the sentence also speaks of another test, ...). After merging, a
finding the report also states with an exclusive value is ``contradicted``.
The confidence is the product of the weights of a finding's doubts
(``rules/confidence.yaml``, model :class:`ConfidenceRules`): a finding with
no doubt has confidence 1. Weights are measured, not guessed: each is about
the precision of findings with that doubt on the development gold set
(``benchmarks/run.py confidence`` prints it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qaforge.domain.vocabulary import load_vocabulary
from qaforge.extract.rules.candidates import Candidate
from qaforge.extract.rules.locations import Location
from qaforge.extract.rules.rule_files import RULES_DIR, load_yaml_model

Doubt = Literal[
    "contradicted",
    "mixed_modality",
    "sequence_inherited",
    "place_referred",
    "place_shared",
    "place_of_sentence",
    "crowded",
    "figure_panel",
    "unheaded_diagnosis",
    "hedged",
]
DOUBTS: tuple[str, ...] = Doubt.__args__  # type: ignore[attr-defined]


class ConfidenceRules(BaseModel):
    """``confidence.yaml``: a weight per doubt, and the codes whose values may stand together.

    Attributes:
        version: File format version.
        weights: Every doubt's weight, in (0, 1]; 1 records a doubt without effect.
        multi_valued: Codes whose values may be stated together ("mitral and
            tricuspid regurgitation"), each with the value that excludes the
            others (``none``), or null when no value does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    weights: dict[Doubt, float]
    multi_valued: dict[str, str | None] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _every_doubt_weighed(cls, weights: dict[str, float]) -> dict[str, float]:
        missing = [doubt for doubt in DOUBTS if doubt not in weights]
        if missing:
            raise ValueError(f"no weight for {', '.join(missing)}")
        for doubt, weight in weights.items():
            if not 0.0 < weight <= 1.0:
                raise ValueError(f"{doubt}: a weight is in (0, 1], got {weight}")
        return weights

    @field_validator("multi_valued")
    @classmethod
    def _known_codes(cls, codes: dict[str, str | None]) -> dict[str, str | None]:
        findings = load_vocabulary().findings
        for code, exclusive in codes.items():
            spec = findings.get(code)
            if spec is None or spec.values is None:
                raise ValueError(f"{code!r} is not a code with values")
            if exclusive is not None and exclusive not in spec.values:
                raise ValueError(f"{code}: {exclusive!r} is not one of its values")
        return codes

    def confidence(self, doubts: Sequence[str]) -> float:
        """The product of the doubts' weights, rounded to 3 places (1.0 without doubts)."""
        if not doubts:
            return 1.0
        return round(float(math.prod(self.weights[doubt] for doubt in doubts)), 3)  # type: ignore[index]


def load_confidence_rules(path: Path | None = None) -> ConfidenceRules:
    """Read and validate a confidence file (default: the shipped ``rules/confidence.yaml``).

    Raises:
        RulesError: The file is missing or invalid (E401, naming the entry).
    """
    if path is None:
        return _default_confidence_rules()
    return load_yaml_model(path, ConfidenceRules)  # type: ignore[return-value]


@functools.cache
def _default_confidence_rules() -> ConfidenceRules:
    return load_yaml_model(RULES_DIR / "confidence.yaml", ConfidenceRules)  # type: ignore[return-value]


def mark_contradictions(
    merged: Sequence[Candidate], rules: ConfidenceRules, localized_codes: frozenset[str]
) -> None:
    """Add ``contradicted`` to merged candidates the report also states with an exclusive value.

    Two values of one code exclude each other unless the code is
    ``multi_valued`` (there only its excluding value clashes with the
    others). Findings of a localized code clash only where their places
    meet, or when neither has a place.
    """
    by_code: dict[str, list[Candidate]] = {}
    for candidate in merged:
        by_code.setdefault(candidate.code, []).append(candidate)
    for code, group in by_code.items():
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if _same_value(first.value, second.value) or not _exclusive(
                    code, first, second, rules
                ):
                    continue
                if code in localized_codes and not _places_meet(first.location, second.location):
                    continue
                first.doubts.add("contradicted")
                second.doubts.add("contradicted")


def _same_value(first: str | float, second: str | float) -> bool:
    """Equal values; numbers within 1 unit (45 % and 45.5 % are one LVEF)."""
    if isinstance(first, str) or isinstance(second, str):
        return first == second
    return abs(first - second) <= 1.0


def _exclusive(code: str, first: Candidate, second: Candidate, rules: ConfidenceRules) -> bool:
    if code not in rules.multi_valued:
        return True
    excluding = rules.multi_valued[code]
    return excluding is not None and excluding in (first.value, second.value)


def _places_meet(first: Location, second: Location) -> bool:
    """True when both places are empty, or the two share a segment, or a level and a wall.

    A placed finding and an unplaced one of another value do not clash: that
    is "LGE of the inferior wall; no enhancement elsewhere".
    """
    if first.is_empty() or second.is_empty():
        return first.is_empty() and second.is_empty()
    if first.segments and second.segments:
        return bool(set(first.segments) & set(second.segments))
    levels = not first.levels or not second.levels or bool(set(first.levels) & set(second.levels))
    walls = not first.walls or not second.walls or bool(set(first.walls) & set(second.walls))
    return levels and walls
