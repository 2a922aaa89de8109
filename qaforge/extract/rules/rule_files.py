"""The extractor's rule files: loading, validation and their combined hash.

Rules are data (``qaforge/extract/rules/*.yaml``) so that a department can add
a term, a header wording or a trigger, or change a decision, without touching
code: ``lexicon.yaml`` and ``sections.yaml`` (models here), ``context.yaml``
(:mod:`~qaforge.extract.rules.assertion`) and ``decisions.yaml``
(:mod:`~qaforge.extract.rules.decision_tables`). Each file is validated by a
pydantic model; a bad file raises :class:`RulesError` (E401) naming the file
and the entry. :func:`rules_hash` identifies a set of rules: an extraction
run records it, so re-running with unchanged rules changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from qaforge.domain.vocabulary import Level, Wall
from qaforge.errors import QaforgeError
from qaforge.errors import RulesError as RulesError  # raised here (E401); kept importable
from qaforge.resources import package_data

# The shipped rule files (a rules folder of your own may replace them: RuleExtractor(rules_dir)).
RULES_DIR = package_data("extract/rules")

SECTION_KINDS = ("excluded", "cine", "lge", "t2", "perfusion", "tissue", "findings", "impression")

# Every concept a recognizer knows, as family -> kinds ("lge" -> "term" is
# the concept "lge.term"). A lexicon key outside these is a typo that would
# silently match nothing, and a decision table naming a family or kind outside
# them would never apply, so both are refused.
CONCEPT_KINDS: dict[str, tuple[str, ...]] = {
    "anchor": ("lv", "rv", "biv", "other"),
    "attr": ("size", "function", "wall_thickness", "wall_motion", "t2", "perfusion", "valves"),
    "value": (
        "normal",
        "preserved",
        "impaired",
        "hyperdynamic",
        "dilated",
        "small",
        "elevated",
        "thickened",
        "thinned",
        "hypokinetic",
        "akinetic",
        "dyskinetic",
        "rwma",
        "resolved",
    ),
    "severity": ("mild", "moderate", "severe", "mild_moderate", "moderate_severe"),
    "thickness_pattern": ("uniform", "heterogeneous"),
    "lge": ("term", "spared"),
    "papillary": ("term",),
    "depth": ("subendocardial", "midwall", "subepicardial", "transmural"),
    "distribution": ("focal", "patchy", "linear", "diffuse", "rv_insertion_point"),
    "edema": ("term",),
    "perfusion": ("term", "stress", "rest", "stress_and_rest", "resolves_at_rest"),
    "territory": ("lad", "lcx", "rca"),
    "effusion": ("term",),
    "thrombus": ("term",),
    "lvot": ("term",),
    "valve": (
        "mitral",
        "aortic",
        "tricuspid",
        "pulmonary",
        "regurgitation",
        "mitral_regurgitation",
        "aortic_regurgitation",
        "tricuspid_regurgitation",
        "pulmonary_regurgitation",
        "any",
    ),
    # Levels and walls are the vocabulary's own.
    "level": get_args(Level),
    "wall": get_args(Wall),
    "dx": (
        "ischemic",
        "hcm",
        "dcm",
        "myocarditis",
        "amyloidosis",
        "sarcoidosis",
        "arvc",
        "lvnc",
        "fabry",
        "other",
        "nicm",
        "normal",
        "pattern_only",
    ),
    "mask": ("other",),
}
KNOWN_CONCEPTS = frozenset(
    f"{family}.{kind}" for family, kinds in CONCEPT_KINDS.items() for kind in kinds
)


class Lexicon(BaseModel):
    """``lexicon.yaml``: surface forms per concept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    concepts: dict[str, tuple[str, ...]]

    @field_validator("concepts")
    @classmethod
    def _known_and_unique(cls, concepts: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(concepts) - KNOWN_CONCEPTS)
        if unknown:
            raise ValueError(f"unknown concept(s) {', '.join(unknown)}")
        owner: dict[str, str] = {}
        for concept, forms in concepts.items():
            for form in forms:
                key = " ".join(form.lower().split())
                if not key:
                    raise ValueError(f"{concept} has an empty form")
                if key in owner and owner[key] != concept:
                    raise ValueError(
                        f"form {form!r} is listed under both {owner[key]} and {concept}"
                    )
                owner[key] = concept
        return concepts


class SectionRules(BaseModel):
    """``sections.yaml``: header wordings per section kind (regular expressions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    kinds: dict[str, tuple[str, ...]]

    @field_validator("kinds")
    @classmethod
    def _valid_kinds_and_patterns(
        cls, kinds: dict[str, tuple[str, ...]]
    ) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(kinds) - set(SECTION_KINDS))
        if unknown:
            raise ValueError(f"unknown section kind(s) {', '.join(unknown)}")
        for kind, patterns in kinds.items():
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise ValueError(
                        f"{kind}: pattern {pattern!r} is not a regular expression ({error})"
                    ) from None
        return kinds


def load_yaml_model(path: Path, model: type[BaseModel]) -> BaseModel:
    """Read a YAML rule file into ``model``; any problem is a RulesError naming file and entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise QaforgeError.of(
            "E401", file=path.name, path=path, problem=f"cannot read it ({error.strerror})"
        ) from None
    except yaml.YAMLError as error:
        raise QaforgeError.of(
            "E401",
            file=path.name,
            path=path,
            problem=f"not valid YAML ({str(error).splitlines()[0]})",
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = f"{where}: {first['msg']}" if where else first["msg"]
        raise QaforgeError.of("E401", file=path.name, path=path, problem=problem) from None


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and validate a lexicon file (default: the shipped ``rules/lexicon.yaml``)."""
    if path is None:
        return _default_lexicon()
    return load_yaml_model(path, Lexicon)  # type: ignore[return-value]


def load_section_rules(path: Path | None = None) -> SectionRules:
    """Read and validate a section rules file (default: the shipped ``rules/sections.yaml``)."""
    if path is None:
        return _default_section_rules()
    return load_yaml_model(path, SectionRules)  # type: ignore[return-value]


@functools.cache
def _default_lexicon() -> Lexicon:
    return load_yaml_model(RULES_DIR / "lexicon.yaml", Lexicon)  # type: ignore[return-value]


@functools.cache
def _default_section_rules() -> SectionRules:
    return load_yaml_model(RULES_DIR / "sections.yaml", SectionRules)  # type: ignore[return-value]


def rules_hash(rules_dir: Path = RULES_DIR) -> str:
    """SHA-256 over every rule file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(rules_dir.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
