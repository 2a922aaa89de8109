"""Reading an exported benchmark and a model's predictions, and the answer texts of a record.

The records are read with the export record model
(:class:`~qaforge.domain.export.ExportRecord`), so a line that is not a
record stops the evaluation (E801) instead of failing somewhere in scoring.
A predictions file is read line by line: a bad line is refused with its
reason and the rest are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from qaforge.domain.export import ExportRecord
from qaforge.errors import QaforgeError

OUTPUT_KEYS = ("output", "prediction", "answer")
"""The keys a prediction line may hold its output under, first found wins."""
ALL_SPLITS = "all"
"""The ``--split`` value that scores every split."""
UNKNOWN_EXAMPLES = 3
"""Unknown prediction ids kept as examples for the user."""


def read_benchmark(folder: Path) -> list[ExportRecord]:
    """Read every record of ``folder/data/*.jsonl``.

    Args:
        folder: An export folder (written by ``qaforge export``).

    Returns:
        The records, sorted by id.

    Raises:
        InputFileError: E801 when the folder has no records or a line is not a record.
    """
    files = sorted((folder / "data").glob("*.jsonl"))
    if not files:
        raise QaforgeError.of("E801", folder=folder, problem="no records in data/")
    records = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                records.append(ExportRecord.model_validate_json(line))
            except ValidationError:
                raise QaforgeError.of(
                    "E801",
                    folder=folder,
                    problem=f"data/{path.name} line {number} is not a benchmark record",
                ) from None
    return sorted(records, key=lambda record: record.id)


def select_split(records: list[ExportRecord], split: str, *, folder: Path) -> list[ExportRecord]:
    """The records of one split, or all of them for :data:`ALL_SPLITS`.

    Raises:
        InputFileError: E801 when the split has no records.
    """
    if split == ALL_SPLITS:
        return records
    chosen = [record for record in records if record.split == split]
    if not chosen:
        splits = ", ".join(sorted({record.split for record in records}))
        problem = f"no records in split {split!r} (splits: {splits}; or --split all)"
        raise QaforgeError.of("E801", folder=folder, problem=problem)
    return chosen


class PredictionFile(BaseModel):
    """Predictions read from a JSONL file, and the lines refused.

    Attributes:
        outputs: Item id -> the model's output, for the ids of the benchmark.
        refused: ``"line N: why"`` for each line that is not a prediction.
        unknown_ids: Prediction lines whose id is not in the benchmark (or split).
        unknown_examples: The first few of those ids.
    """

    outputs: dict[str, str]
    refused: list[str] = Field(default_factory=list)
    unknown_ids: int = 0
    unknown_examples: list[str] = Field(default_factory=list)


def read_predictions(path: Path, known: set[str]) -> PredictionFile:
    """Read ``{"id", "output"}`` lines (``prediction`` or ``answer`` also accepted).

    A list output is joined with ``", "``. Blank lines are skipped.

    Args:
        path: The predictions file.
        known: The item ids scored (the benchmark's, or one split's).

    Returns:
        The outputs of known items, the refused lines with their reason, and
        the number of lines for unknown items with a few of their ids.

    Raises:
        InputFileError: E802 when the file cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QaforgeError.of("E802", path=path, problem=error) from None
    result = PredictionFile(outputs={})
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            result.refused.append(f"line {number}: not JSON")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            result.refused.append(f"line {number}: no string 'id'")
            continue
        output = next((row[key] for key in OUTPUT_KEYS if key in row), None)
        if isinstance(output, list):
            output = ", ".join(map(str, output))
        if not isinstance(output, str):
            result.refused.append(f"line {number}: no 'output' text")
            continue
        if row["id"] not in known:
            result.unknown_ids += 1
            if len(result.unknown_examples) < UNKNOWN_EXAMPLES:
                result.unknown_examples.append(row["id"][:40])
            continue
        result.outputs[row["id"]] = output
    return result


def answer_texts(record: ExportRecord) -> list[str]:
    """The gold answer as texts: the open answer, or the sorted texts of the answer's options."""
    if record.answer_type == "open_text":
        return [record.answer_text]
    return sorted(record.options[letter] for letter in record.answer)
