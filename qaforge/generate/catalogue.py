"""The subtask catalogue (``templates/catalogue.yaml``): loading and validation.

The catalogue is data a user may edit, so it is checked as a whole before
anything is generated: unknown keys, codes and values outside the
vocabulary, option lists that cannot be answered, and question templates
that do not render are refused with the file, the subtask and the field.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qaforge.domain.qa import AnswerType, Tier
from qaforge.domain.vocabulary import Vocabulary, load_vocabulary
from qaforge.errors import QaforgeError
from qaforge.generate.questions import QuestionTemplate, compile_question
from qaforge.resources import resource_dir

CATALOGUE_FILE = "catalogue.yaml"
MAX_OPTIONS = 26  # one letter each
Kind = Literal["value", "location", "numeric_range", "report"]
LocationAttribute = Literal["levels", "walls", "segments"]


class OptionSpec(BaseModel):
    """One answer option of a subtask.

    Attributes:
        key: Stable name of the option (``yes``, ``basal``, ``30_39``).
        text: What the option says.
        values: Finding values that mean this option (``value`` kind);
            defaults to the key itself.
        min: Lower bound, inclusive (``numeric_range`` kind).
        max: Upper bound, exclusive (``numeric_range`` kind).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)
    text: str = Field(min_length=1)
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    @property
    def finding_values(self) -> tuple[str, ...]:
        """The finding values this option stands for."""
        return self.values or (self.key,)


class Subtask(BaseModel):
    """One subtask: which findings make an item, and how it is asked.

    See the header of ``templates/catalogue.yaml`` and docs/generation.md.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)
    version: int = Field(ge=1)
    tier: Tier
    sequence: Literal["cine", "lge", "perfusion", "t2", "overall"]
    views: tuple[Literal["sax", "2ch", "3ch", "4ch"], ...] = Field(min_length=1)
    answer_type: AnswerType
    kind: Kind
    description: str = Field(min_length=1)
    code: str | None = None
    values: tuple[str, ...] = ()
    attribute: LocationAttribute | None = None
    dominant: str | None = None
    ignore_values: tuple[str, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    option_order: Literal["shuffled", "clinical"] = "shuffled"
    questions: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Subtask:
        problems = _shape_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def option_for_value(self) -> dict[str, str]:
        """Finding value (or place) -> the key of the option it stands for; built once."""
        return {value: option.key for option in self.options for value in option.finding_values}

    @property
    def option_keys(self) -> tuple[str, ...]:
        """Option keys in catalogue (clinical) order."""
        return tuple(option.key for option in self.options)


def _shape_problems(subtask: Subtask) -> list[str]:
    """What is wrong with a subtask on its own (the vocabulary is checked later)."""
    problems: list[str] = []
    keys = [option.key for option in subtask.options]
    if len(set(keys)) != len(keys):
        problems.append("option keys repeat")
    if subtask.kind == "report":
        if subtask.answer_type != "open_text":
            problems.append("kind 'report' needs answer_type open_text")
        if subtask.options or subtask.code:
            problems.append("kind 'report' takes no code and no options")
        return problems
    if subtask.answer_type == "open_text":
        problems.append(f"kind {subtask.kind!r} needs a choice answer_type")
    if subtask.code is None:
        problems.append(f"kind {subtask.kind!r} needs a code")
    if not 2 <= len(subtask.options) <= MAX_OPTIONS:
        problems.append(f"a choice subtask needs 2 to {MAX_OPTIONS} options")
    if subtask.dominant is not None and subtask.dominant not in keys:
        problems.append(f"dominant {subtask.dominant!r} is not an option key")
    if subtask.kind == "location":
        if subtask.attribute is None or not subtask.values:
            problems.append("kind 'location' needs 'attribute' and 'values'")
        if subtask.answer_type != "multiple_choice":
            problems.append("kind 'location' needs answer_type multiple_choice")
    if subtask.kind == "numeric_range":
        if subtask.answer_type != "single_choice":
            problems.append("kind 'numeric_range' needs answer_type single_choice")
        if any(option.min is None and option.max is None for option in subtask.options):
            problems.append("every numeric_range option needs min or max")
    if subtask.kind in ("value", "location"):
        taken = [value for option in subtask.options for value in option.finding_values]
        if len(set(taken)) != len(taken):
            problems.append("a finding value belongs to two options")
        if set(taken) & set(subtask.ignore_values):
            problems.append("ignore_values overlap the options' values")
    return problems


class Catalogue(BaseModel):
    """The whole catalogue file, validated against the vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    format: Literal[1]
    sequence_names: dict[str, str]
    view_names: dict[str, str]
    option_sets: dict[str, list[dict]] = Field(default_factory=dict)
    subtasks: tuple[Subtask, ...] = Field(min_length=1)
    sha256: str = ""

    def subtask(self, subtask_id: str) -> Subtask:
        """The subtask with this id (KeyError if none)."""
        return self._by_id[subtask_id]

    @cached_property
    def _by_id(self) -> dict[str, Subtask]:
        return {subtask.id: subtask for subtask in self.subtasks}

    @cached_property
    def questions(self) -> dict[str, tuple[QuestionTemplate, ...]]:
        """Each subtask's compiled paraphrases, rendered once (they do not vary by study)."""
        return {
            subtask.id: tuple(
                compile_question(
                    source,
                    template_id=f"{subtask.id}.q{number}",
                    context=self.question_context(subtask),
                )
                for number, source in enumerate(subtask.questions, start=1)
            )
            for subtask in self.subtasks
        }

    def question_context(self, subtask: Subtask) -> dict[str, object]:
        """What a question template may use: names of the sequence and views, never the answer."""
        return {
            "sequence_name": self.sequence_names.get(subtask.sequence, subtask.sequence),
            "views": [self.view_names.get(view, view) for view in subtask.views],
            "subtask": subtask.id,
        }


def _vocabulary_problems(subtask: Subtask, vocabulary: Vocabulary) -> list[str]:
    """Where a subtask leaves the vocabulary, one message per problem."""
    if subtask.kind == "report":
        return []
    spec = vocabulary.findings.get(subtask.code or "")
    if spec is None:
        return [f"unknown finding code {subtask.code!r}"]
    if subtask.sequence != "overall" and not (subtask.code or "").startswith(
        subtask.sequence + "."
    ):
        return [f"code {subtask.code} is not a {subtask.sequence} code"]
    problems: list[str] = []
    if subtask.kind == "numeric_range":
        if spec.numeric is None:
            problems.append(f"{subtask.code} is not numeric")
        return problems
    if spec.values is None:
        return [f"{subtask.code} is numeric: use kind numeric_range"]
    allowed = set(spec.values)
    used = set(subtask.values) | set(subtask.ignore_values)
    if subtask.kind == "value":
        used |= {value for option in subtask.options for value in option.finding_values}
    unknown = sorted(used - allowed)
    if unknown:
        problems.append(
            f"{subtask.code} has no value(s) {', '.join(unknown)}; allowed: {', '.join(spec.values)}"
        )
    if subtask.kind == "location":
        if not spec.localized:
            problems.append(f"{subtask.code} is not localized")
        places = {
            "levels": set(vocabulary.levels),
            "walls": set(vocabulary.walls),
            "segments": {str(number) for number in vocabulary.aha_segments},
        }[subtask.attribute or "levels"]
        named = [value for option in subtask.options for value in option.finding_values]
        strangers = sorted(set(named) - places)
        if strangers:
            problems.append(f"option values {', '.join(strangers)} are not {subtask.attribute}")
        if len(set(named)) != len(named):
            problems.append("a place belongs to two options")
    return problems


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check a catalogue.

    Args:
        path: A catalogue YAML file, or a folder holding ``catalogue.yaml``;
            ``None`` reads the shipped one.

    Returns:
        The validated catalogue, its ``sha256`` set to the file's hash.

    Raises:
        ConfigError: E501 naming the file, the subtask and what is wrong.
    """
    if path is None:
        path = resource_dir("templates") / CATALOGUE_FILE
    elif path.is_dir():
        path = path / CATALOGUE_FILE
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise QaforgeError.of(
            "E501", path=path, problem=f"cannot be read: {_first_line(error)}"
        ) from None
    if not isinstance(data, dict):
        raise QaforgeError.of("E501", path=path, problem="is not a YAML mapping")
    data["sha256"] = hashlib.sha256(raw).hexdigest()
    try:
        catalogue = Catalogue.model_validate(data)
    except ValidationError as error:
        raise QaforgeError.of("E501", path=path, problem=_describe(error, data)) from None
    _check_catalogue(catalogue, path)
    return catalogue


def _check_catalogue(catalogue: Catalogue, path: Path) -> None:
    vocabulary = load_vocabulary()
    seen: set[str] = set()
    for subtask in catalogue.subtasks:
        if subtask.id in seen:
            raise QaforgeError.of("E501", path=path, problem=f"subtask id {subtask.id!r} repeats")
        seen.add(subtask.id)
        problems = _vocabulary_problems(subtask, vocabulary)
        if problems:
            raise QaforgeError.of(
                "E501", path=path, problem=f"subtask {subtask.id}: {'; '.join(problems)}"
            )
    try:
        catalogue.questions  # noqa: B018 - compiles and renders every template now
    except ValueError as error:
        raise QaforgeError.of("E501", path=path, problem=str(error)) from None


def _describe(error: ValidationError, data: dict) -> str:
    """The first validation problem, located by subtask id where there is one."""
    first = error.errors()[0]
    where = list(first["loc"])
    if len(where) >= 2 and where[0] == "subtasks" and isinstance(where[1], int):
        subtasks = data.get("subtasks") or []
        entry = subtasks[where[1]] if where[1] < len(subtasks) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        label = f"subtask {name}" if name else f"subtask #{where[1] + 1}"
        field = ".".join(str(part) for part in where[2:])
        where_text = f"{label}{(' field ' + field) if field else ''}"
    else:
        where_text = ".".join(str(part) for part in where) or "top level"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where_text}: {message}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def catalogue_table(catalogue: Catalogue) -> str:
    """The catalogue as a Markdown table (docs/generation.md holds a copy a test keeps current)."""
    lines = [
        "| subtask | tier | sequence | views | answer | kind | code | options | paraphrases |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for subtask in catalogue.subtasks:
        options = ", ".join(option.key for option in subtask.options) or "open text"
        code = subtask.code or f"{subtask.sequence}.*"
        if subtask.kind == "location":
            code = f"{code} ({'/'.join(subtask.values)}) {subtask.attribute}"
        lines.append(
            f"| `{subtask.id}` v{subtask.version} | {subtask.tier} | {subtask.sequence} | "
            f"{', '.join(subtask.views)} | {subtask.answer_type} | {subtask.kind} | {code} | "
            f"{options} | {len(subtask.questions)} |"
        )
    return "\n".join(lines) + "\n"
