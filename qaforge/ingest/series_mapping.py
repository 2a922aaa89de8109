"""The classification mapping: which sequence and view a series' name stands for.

A mapping file (YAML) holds ordered rules. Each rule has a regular expression
``pattern``, searched case-insensitively in the series' normalised name (see
:func:`~qaforge.ingest.series_names.normalise_series_name`), and sets
``sequence``, ``view`` or both. The first matching rule that sets a field
decides that field; sequence and view are decided independently. ``default_view`` gives the view of a sequence when
no rule gives one.

Two more lists look at the file's own name only (normalised the same way,
without its folders; see
:func:`~qaforge.ingest.series_names.normalise_file_name`):

- ``skip``: names of files that are not series (segmentations, labels); the
  first matching rule's ``reason`` is counted, the file is not read;
- ``phases``: names of single-phase files cut from a cine (``sa_ED``,
  ``patient001_frame01``), with the phase they name (``ed``, ``es``, or null
  when the name does not say). ``cine_words`` are the words dropped, with the
  phase token, to find the cine such a file was cut from.

The shipped default is ``default_series_mapping.yaml`` in this package; its
comments explain the format.

Example::

    version: 1
    rules:
      - pattern: '\\bdelayed enh\\b'
        sequence: lge
      - pattern: '\\bsax\\b'
        view: sax
    default_view:
      lge: sax
    skip:
      - pattern: '\\bseg\\b'
        reason: segmentation or label file
    phases:
      - pattern: '\\bed\\b'
        phase: ed
    cine_words: '\\bcine\\b'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails

from qaforge.domain.series import SEQUENCES, VIEWS, Sequence, View
from qaforge.errors import QaforgeError
from qaforge.ingest.mapping_rules import (
    REGEX_ERROR,
    MappingRule,
    PhaseRule,
    RuleMatch,
    SkipRule,
    check_pattern,
)
from qaforge.resources import package_data

DEFAULT_MAPPING_RESOURCE = "default_series_mapping.yaml"
DEFAULT_MAPPING_LABEL = f"default mapping (qaforge/ingest/{DEFAULT_MAPPING_RESOURCE})"


class SeriesMapping(BaseModel):
    """A validated mapping file.

    Attributes:
        version: Format version; only 1 exists.
        rules: Ordered rules; the first match decides each field.
        default_view: View of a sequence when no rule gives one.
        skip: Ordered rules naming files that are not series; the first match decides.
        phases: Ordered rules naming single-phase files; the first match decides.
        cine_words: A pattern of the words that mark a file as a cine (``cine``,
            ``4d``), dropped from names when looking for the cine a single-phase
            file was cut from; None to drop nothing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    rules: list[MappingRule] = Field(default_factory=list)
    default_view: dict[Sequence, View] = Field(default_factory=dict)
    skip: list[SkipRule] = Field(default_factory=list)
    phases: list[PhaseRule] = Field(default_factory=list)
    cine_words: str | None = Field(default=None, min_length=1)

    _source: str = PrivateAttr(default="")

    @field_validator("cine_words")
    @classmethod
    def _cine_words_compile(cls, pattern: str | None) -> str | None:
        return None if pattern is None else check_pattern(pattern)

    @property
    def source(self) -> str:
        """Where the mapping was read from, for messages."""
        return self._source

    def match_sequence(self, name: str) -> RuleMatch | None:
        """Find the sequence of a normalised name.

        Args:
            name: A name made by :func:`~qaforge.ingest.series_names.normalise_series_name`.

        Returns:
            The first matching rule's sequence, or None if no rule matches.
        """
        return self._first_match(name, "sequence")

    def match_view(self, name: str, sequence: Sequence | None) -> RuleMatch | None:
        """Find the view of a normalised name, falling back to the sequence's default view.

        Args:
            name: A name made by :func:`~qaforge.ingest.series_names.normalise_series_name`.
            sequence: The series' sequence (from any source), for ``default_view``.

        Returns:
            The first matching rule's view, else the default view, else None.
        """
        found = self._first_match(name, "view")
        if found is None and sequence is not None and sequence in self.default_view:
            return RuleMatch(self.default_view[sequence], "mapping default_view")
        return found

    def _first_match(self, name: str, field: Literal["sequence", "view"]) -> RuleMatch | None:
        for number, rule in enumerate(self.rules, start=1):
            value = getattr(rule, field)
            if value is not None and rule.regex.search(name):
                return RuleMatch(value, f"mapping rule {number} ({rule.pattern})")
        return None

    def match_skip(self, file_name: str) -> RuleMatch | None:
        """Find why a file is not a series.

        Args:
            file_name: A name made by :func:`~qaforge.ingest.series_names.normalise_file_name`.

        Returns:
            The first matching skip rule's reason, or None if the file may be a series.
        """
        for number, rule in enumerate(self.skip, start=1):
            if rule.regex.search(file_name):
                return RuleMatch(rule.reason, f"mapping skip rule {number} ({rule.pattern})")
        return None

    def match_phase(self, file_name: str) -> PhaseRule | None:
        """Find whether a file holds a single phase, and which.

        Args:
            file_name: A name made by :func:`~qaforge.ingest.series_names.normalise_file_name`.

        Returns:
            The first matching phase rule, or None if the name has no phase token.
        """
        return next((rule for rule in self.phases if rule.regex.search(file_name)), None)

    def cine_key(self, file_name: str) -> str:
        """The name without its phase token and cine words: what a cut phase shares with its cine.

        ``la 2ch ed`` and ``la 2ch``, ``001 la ed`` and ``001 la cine``,
        ``patient001 frame01`` and ``patient001 4d`` have the same key.

        Args:
            file_name: A name made by :func:`~qaforge.ingest.series_names.normalise_file_name`.

        Returns:
            The name with the first matching phase rule's token and every cine
            word removed, single-spaced.
        """
        phase = self.match_phase(file_name)
        key = phase.regex.sub(" ", file_name, count=1) if phase is not None else file_name
        if self.cine_words is not None:
            key = re.sub(self.cine_words, " ", key, flags=re.IGNORECASE)
        return " ".join(key.split())


def load_series_mapping(path: Path | None = None) -> SeriesMapping:
    """Read and validate a mapping file.

    Args:
        path: A YAML mapping file, or None for the shipped default.

    Returns:
        The validated mapping.

    Raises:
        ConfigError: E201 if the file cannot be read, E202 if it is not a YAML
            mapping, E203 if a key, sequence or view is not allowed (or a field
            is missing), E204 if a pattern is not a usable regular expression.
    """
    if path is None:
        source = DEFAULT_MAPPING_LABEL
        text = _default_mapping_text()
    else:
        source = f"mapping file {path}"
        text = _read_mapping_text(path)
    return parse_series_mapping(text, source=source)


def _default_mapping_text() -> str:
    """The YAML text of the shipped default mapping."""
    return package_data(f"ingest/{DEFAULT_MAPPING_RESOURCE}").read_text(encoding="utf-8")


def parse_series_mapping(text: str, *, source: str) -> SeriesMapping:
    """Validate the YAML text of a mapping file.

    Args:
        text: The YAML document.
        source: What to call it in messages, e.g. ``"mapping file rules.yaml"``.

    Returns:
        The validated mapping.

    Raises:
        ConfigError: E202, E203 or E204, as for :func:`load_series_mapping`.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise QaforgeError.of(
            "E202", source=source, problem=f"is not valid YAML{where}: {problem}", **_HINT_FIELDS
        ) from None
    if not isinstance(data, dict):
        raise QaforgeError.of(
            "E202",
            source=source,
            problem=f"must be a YAML mapping with keys {_allowed(SeriesMapping)}, "
            f"got {type(data).__name__}",
            **_HINT_FIELDS,
        )
    try:
        mapping = SeriesMapping.model_validate(data)
    except ValidationError as exc:
        raise _config_error(source, exc) from None
    mapping._source = source
    return mapping


# The vocabulary that the hint of E202, E203 and E204 lists.
_HINT_FIELDS = {"sequences": ", ".join(SEQUENCES), "views": ", ".join(VIEWS)}


def _read_mapping_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = "does not exist"
    except IsADirectoryError:
        problem = "is a folder, not a file"
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or type(exc).__name__})"
    raise QaforgeError.of("E201", path=path, problem=problem)


def _config_error(source: str, exc: ValidationError) -> QaforgeError:
    """Turn pydantic's errors into one ConfigError naming each bad place and value."""
    errors = exc.errors(include_url=False)
    bad_regex = any(error["type"] == REGEX_ERROR for error in errors)
    problems = "; ".join(_describe(error) for error in errors)
    return QaforgeError.of(
        "E204" if bad_regex else "E203", source=source, problems=problems, **_HINT_FIELDS
    )


def _describe(error: ErrorDetails) -> str:
    loc = error["loc"]
    where = _location(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _LIST_MODELS.get(str(loc[0]), SeriesMapping) if len(loc) > 1 else SeriesMapping
        return f"unknown key {loc[-1]!r} in {where.rpartition('.')[0] or 'the top level'}; allowed: {_allowed(model)}"
    if kind == "missing":
        return f"{where}: missing"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "literal_error":
        what = "key" if loc[-1] == "[key]" else "got"
        message = f"{what} {error['input']!r}; {message[0].lower()}{message[1:]}"
    return f"{where}: {message}" if where else message


_LIST_MODELS: dict[str, type[BaseModel]] = {
    "rules": MappingRule,
    "skip": SkipRule,
    "phases": PhaseRule,
}


def _location(loc: tuple[object, ...]) -> str:
    """``('rules', 2, 'view')`` -> ``rules[3].view`` (list items counted from 1 as in the file)."""
    text = ""
    for index, part in enumerate(loc):
        if part == "[key]":
            continue
        if isinstance(part, int) and index > 0 and loc[index - 1] in _LIST_MODELS:
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _allowed(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)
