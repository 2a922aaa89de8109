"""``decisions.yaml``: what the recognizers decide once they know which words belong together.

The recognizers (:mod:`~qaforge.extract.rules.presence`,
:mod:`~qaforge.extract.rules.chambers`, ...) are code: they find the value
word of an attribute, the term a pattern word describes, the place of a
lesion. What such a reading then means (which code a term states, which
attribute a value word implies, what a negated value becomes, how an
unqualified "impaired" is graded) is data, validated here: every family and
kind must be one the lexicon may use (:data:`CONCEPT_KINDS`), every code and
value one of ``schemas/vocabulary.yaml``. A wrong entry is a
:class:`~qaforge.extract.rules.rule_files.RulesError` (E401) naming the table
and the entry. The file is hashed with the other rule files.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from qaforge.domain.vocabulary import load_vocabulary
from qaforge.extract.rules.rule_files import (
    CONCEPT_KINDS,
    RULES_DIR,
    SECTION_KINDS,
    load_yaml_model,
)

# The one value of the chamber_function table that is not a vocabulary value:
# the grade comes from a severity word or the report's LVEF.
GRADED = "graded"

# The attributes read per chamber (chamber_size, chamber_function); the other
# attributes have their codes in attribute_codes.
CHAMBER_ATTRIBUTES = ("size", "function")


def _check_names(names: Iterable[str], known: Iterable[str], what: str, entry: str = "") -> None:
    """Raise ValueError naming the first of ``names`` not in ``known`` (and the entry it is in)."""
    allowed = tuple(known)
    for name in names:
        if name not in allowed:
            where = f"{entry}: " if entry else ""
            raise ValueError(f"{where}{name!r} is not {what} (known: {', '.join(allowed)})")


def _check_code_value(code: str, value: str, entry: str = "") -> None:
    """Raise ValueError unless ``value`` is a value of the vocabulary's ``code``."""
    where = f"{entry}: " if entry else ""
    spec = load_vocabulary().findings.get(code)
    if spec is None:
        raise ValueError(f"{where}{code!r} is not a finding code of the vocabulary")
    if value not in (spec.values or ()):
        allowed = ", ".join(spec.values or ()) or f"a number ({spec.numeric})"
        raise ValueError(f"{where}{code} has no value {value!r} (allowed: {allowed})")


def _sequences() -> tuple[str, ...]:
    return load_vocabulary().sequences


class LvefGrade(BaseModel):
    """The grade of an unqualified "impaired" LV when the report's LVEF is at least ``min_lvef``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_lvef: float = Field(ge=0, le=100)
    grade: str

    @field_validator("grade")
    @classmethod
    def _a_function_value(cls, grade: str) -> str:
        _check_code_value("cine.lv_systolic_function", grade)
        return grade


class ValveAbbreviations(BaseModel):
    """Valve abbreviations that need a cue to state regurgitation, and the cues (``decisions.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    forms: frozenset[str]
    grades_before: tuple[str, ...]
    cues_after: tuple[str, ...]
    scan_before: tuple[str, ...]
    scan_after: tuple[str, ...]

    @field_validator("forms")
    @classmethod
    def _capitals(cls, forms: frozenset[str]) -> frozenset[str]:
        for form in sorted(forms):
            if not form.isalpha() or form != form.upper():
                raise ValueError(f"{form!r} is not an abbreviation in capitals")
        return forms

    @field_validator("grades_before", "cues_after", "scan_before", "scan_after")
    @classmethod
    def _words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        empty = [word for word in words if not word.strip()]
        if empty or not words:
            raise ValueError("list one or more non-empty words")
        return words


class Decisions(BaseModel):
    """The decision tables of ``decisions.yaml`` (its comments say what each decides)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    presence_codes: dict[str, str]
    localized_codes: frozenset[str]
    family_sequence: dict[str, str]
    section_sequence: dict[str, str]
    pattern_codes: dict[str, dict[str, str]]
    nicm_subtypes: frozenset[str]
    certainty_order: tuple[str, ...]
    implied_attribute: dict[str, str]
    negated_value: dict[str, dict[str, str]]
    attribute_codes: dict[str, dict[str, tuple[str, str]]]
    lv_wall_attributes: frozenset[str]
    not_lv_anchors: frozenset[str]
    chambers_of_anchor: dict[str, tuple[str, ...]]
    chamber_size: dict[str, dict[str, str]]
    chamber_function: dict[str, dict[str, str]]
    severity_grade: dict[str, str]
    lvef_grades: tuple[LvefGrade, ...]
    other_term_families: frozenset[str]
    descriptive_families: frozenset[str]
    modifier_families: frozenset[str]
    valve_abbreviations: ValveAbbreviations

    def certainty_rank(self, certainty: str) -> int:
        """0 for the weakest certainty of ``certainty_order``, rising to the strongest."""
        return self.certainty_order.index(certainty)

    @field_validator("presence_codes")
    @classmethod
    def _presence(cls, table: dict[str, str]) -> dict[str, str]:
        _check_names(table, CONCEPT_KINDS, "a concept family")
        for family, code in table.items():
            for value in ("present", "absent"):
                _check_code_value(code, value, family)
        return table

    @field_validator("localized_codes")
    @classmethod
    def _localized(cls, codes: frozenset[str]) -> frozenset[str]:
        findings = load_vocabulary().findings
        localized = [code for code, spec in findings.items() if spec.localized]
        _check_names(sorted(codes), localized, "a localized code of the vocabulary")
        return codes

    @field_validator("family_sequence")
    @classmethod
    def _family_sequence(cls, table: dict[str, str]) -> dict[str, str]:
        _check_names(table, CONCEPT_KINDS, "a concept family")
        _check_names(table.values(), _sequences(), "a sequence of the vocabulary")
        return table

    @field_validator("section_sequence")
    @classmethod
    def _section_sequence(cls, table: dict[str, str]) -> dict[str, str]:
        _check_names(table, SECTION_KINDS, "a section kind")
        _check_names(table.values(), _sequences(), "a sequence of the vocabulary")
        return table

    @field_validator("pattern_codes")
    @classmethod
    def _pattern_codes(cls, table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        _check_names(table, _sequences(), "a sequence of the vocabulary")
        for sequence, codes in table.items():
            for word, code in codes.items():
                family, _, kind = word.partition(".")
                _check_names([family], CONCEPT_KINDS, "a concept family", sequence)
                kinds = CONCEPT_KINDS[family]
                _check_names([kind] if kind else [], kinds, f"a kind of {family}", sequence)
                for value in [kind] if kind else kinds:
                    _check_code_value(code, value, f"{sequence}.{word}")
        return table

    @field_validator("nicm_subtypes")
    @classmethod
    def _subtypes(cls, subtypes: frozenset[str]) -> frozenset[str]:
        _check_names(sorted(subtypes), CONCEPT_KINDS["dx"], "a kind of dx")
        for subtype in sorted(subtypes):
            _check_code_value("overall.nicm_subtype", subtype, subtype)
        return subtypes

    @field_validator("certainty_order")
    @classmethod
    def _certainties(cls, order: tuple[str, ...]) -> tuple[str, ...]:
        certainty = load_vocabulary().certainty
        if sorted(order) != sorted(certainty):
            raise ValueError(f"list each of {', '.join(certainty)} once, weakest first")
        return order

    @field_validator("implied_attribute")
    @classmethod
    def _implied(cls, table: dict[str, str]) -> dict[str, str]:
        _check_names(table, CONCEPT_KINDS["value"], "a kind of value")
        _check_names(table.values(), CONCEPT_KINDS["attr"], "a kind of attr")
        return table

    @field_validator("negated_value")
    @classmethod
    def _negated(cls, table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        _check_names(table, CONCEPT_KINDS["attr"], "a kind of attr")
        for attribute, values in table.items():
            _check_names(values, CONCEPT_KINDS["value"], "a kind of value", attribute)
            _check_names(values.values(), CONCEPT_KINDS["value"], "a kind of value", attribute)
        return table

    @field_validator("attribute_codes")
    @classmethod
    def _attribute_codes(
        cls, table: dict[str, dict[str, tuple[str, str]]]
    ) -> dict[str, dict[str, tuple[str, str]]]:
        others = [a for a in CONCEPT_KINDS["attr"] if a not in CHAMBER_ATTRIBUTES]
        _check_names(table, others, "an attr kind read without a chamber")
        for attribute, values in table.items():
            _check_names(values, CONCEPT_KINDS["value"], "a kind of value", attribute)
            for word, (code, value) in values.items():
                _check_code_value(code, value, f"{attribute}.{word}")
        return table

    @field_validator("not_lv_anchors")
    @classmethod
    def _anchors(cls, anchors: frozenset[str]) -> frozenset[str]:
        _check_names(sorted(anchors), CONCEPT_KINDS["anchor"], "a kind of anchor")
        return anchors

    @field_validator("chambers_of_anchor")
    @classmethod
    def _chambers(cls, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        _check_names(table, CONCEPT_KINDS["anchor"], "a kind of anchor")
        return table

    @field_validator("chamber_size", "chamber_function")
    @classmethod
    def _chamber_values(
        cls, table: dict[str, dict[str, str]], info: ValidationInfo
    ) -> dict[str, dict[str, str]]:
        is_function = info.field_name == "chamber_function"
        suffix = "systolic_function" if is_function else "size"
        for chamber, values in table.items():
            _check_names(values, CONCEPT_KINDS["value"], "a kind of value", chamber)
            for word, value in values.items():
                if value == GRADED and is_function and chamber == "lv":
                    continue  # graded by severity or LVEF, which give LV grades only
                _check_code_value(f"cine.{chamber}_{suffix}", value, f"{chamber}.{word}")
        return table

    @field_validator("severity_grade")
    @classmethod
    def _severities(cls, table: dict[str, str]) -> dict[str, str]:
        kinds = CONCEPT_KINDS["severity"]
        _check_names(table, kinds, "a kind of severity")
        missing = [kind for kind in kinds if kind not in table]
        if missing:
            raise ValueError(f"no grade for severity {', '.join(missing)}")
        for severity, grade in table.items():
            _check_code_value("cine.lv_systolic_function", grade, severity)
        return table

    @field_validator("lvef_grades")
    @classmethod
    def _descending(cls, grades: tuple[LvefGrade, ...]) -> tuple[LvefGrade, ...]:
        bounds = [grade.min_lvef for grade in grades]
        if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError(f"min_lvef must fall from one grade to the next, got {bounds}")
        return grades

    @field_validator("other_term_families", "descriptive_families", "modifier_families")
    @classmethod
    def _families(cls, families: frozenset[str]) -> frozenset[str]:
        _check_names(sorted(families), CONCEPT_KINDS, "a concept family")
        return families

    @model_validator(mode="after")
    def _tables_agree(self) -> Decisions:
        _check_names(
            sorted(self.lv_wall_attributes),
            self.attribute_codes,
            "an attribute of attribute_codes",
            "lv_wall_attributes",
        )
        for anchor, chambers in self.chambers_of_anchor.items():
            _check_names(
                chambers,
                [c for c in self.chamber_size if c in self.chamber_function],
                "a chamber of chamber_size and chamber_function",
                f"chambers_of_anchor.{anchor}",
            )
        return self


def load_decisions(path: Path | None = None) -> Decisions:
    """Read and validate a decisions file (default: the shipped ``rules/decisions.yaml``).

    Raises:
        RulesError: The file is missing, not YAML, or an entry is invalid.
    """
    if path is None:
        return _default_decisions()
    return load_yaml_model(path, Decisions)  # type: ignore[return-value]


@functools.cache
def _default_decisions() -> Decisions:
    return load_yaml_model(RULES_DIR / "decisions.yaml", Decisions)  # type: ignore[return-value]
