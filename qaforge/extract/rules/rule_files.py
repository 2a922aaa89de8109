"""The extractor's rule files: loading, validation and their combined hash.

Rules are data (``qaforge/extract/rules/*.yaml``) so that a department can add
a term, a header wording or a trigger without touching code. Each file is
validated by a pydantic model; a bad file raises :class:`RulesError` naming
the file and the entry. :func:`rules_hash` identifies a set of rules: an
extraction run records it, so re-running with unchanged rules changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from qaforge.errors import QaforgeError

RULES_DIR = Path(__file__).parent

SECTION_KINDS = ("excluded", "cine", "lge", "t2", "perfusion", "tissue", "findings", "impression")

# Every concept a recognizer in findings.py knows. A lexicon key outside this
# set is a typo that would silently match nothing, so it is refused.
KNOWN_CONCEPTS = frozenset(
    [
        "anchor.lv",
        "anchor.rv",
        "anchor.biv",
        "anchor.other",
        "attr.size",
        "attr.function",
        "attr.wall_thickness",
        "attr.wall_motion",
        "attr.t2",
        "attr.perfusion",
        "attr.valves",
        "value.normal",
        "value.preserved",
        "value.impaired",
        "value.hyperdynamic",
        "value.dilated",
        "value.small",
        "value.elevated",
        "value.thickened",
        "value.thinned",
        "value.hypokinetic",
        "value.akinetic",
        "value.dyskinetic",
        "value.rwma",
        "value.resolved",
        "severity.mild",
        "severity.moderate",
        "severity.severe",
        "severity.mild_moderate",
        "severity.moderate_severe",
        "thickness_pattern.uniform",
        "thickness_pattern.heterogeneous",
        "lge.term",
        "lge.spared",
        "papillary.term",
        "depth.subendocardial",
        "depth.midwall",
        "depth.subepicardial",
        "depth.transmural",
        "distribution.focal",
        "distribution.patchy",
        "distribution.linear",
        "distribution.diffuse",
        "distribution.rv_insertion_point",
        "edema.term",
        "perfusion.term",
        "perfusion.stress",
        "perfusion.rest",
        "perfusion.stress_and_rest",
        "perfusion.resolves_at_rest",
        "territory.lad",
        "territory.lcx",
        "territory.rca",
        "effusion.term",
        "thrombus.term",
        "lvot.term",
        "valve.mitral",
        "valve.aortic",
        "valve.tricuspid",
        "valve.pulmonary",
        "valve.regurgitation",
        "valve.mitral_regurgitation",
        "valve.aortic_regurgitation",
        "valve.tricuspid_regurgitation",
        "valve.pulmonary_regurgitation",
        "valve.any",
        "level.basal",
        "level.mid",
        "level.apical",
        "level.apex",
        "wall.anterior",
        "wall.anteroseptal",
        "wall.inferoseptal",
        "wall.inferior",
        "wall.inferolateral",
        "wall.anterolateral",
        "wall.septal",
        "wall.lateral",
        "dx.ischemic",
        "dx.hcm",
        "dx.dcm",
        "dx.myocarditis",
        "dx.amyloidosis",
        "dx.sarcoidosis",
        "dx.arvc",
        "dx.lvnc",
        "dx.fabry",
        "dx.other",
        "dx.nicm",
        "dx.normal",
        "dx.pattern_only",
        "mask.other",
    ]
)


class RulesError(QaforgeError):
    """A rule file is missing or invalid."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            "E401",
            f"rule file {path.name} is invalid: {problem}",
            f"fix {path} (docs/extraction.md describes its format)",
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
        raise RulesError(path, f"cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise RulesError(path, f"not valid YAML ({str(error).splitlines()[0]})") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RulesError(path, f"{where}: {first['msg']}") from None


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
