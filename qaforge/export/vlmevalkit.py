"""Exported records as VLMEvalKit custom-dataset tables (pure: records in, rows out).

VLMEvalKit reads one TSV per dataset from ``$LMUData/<name>.tsv`` and picks
the dataset class by its columns: with ``A`` and ``B`` (and an image) it is a
custom MCQ dataset scored by the answer letter, otherwise a custom VQA
dataset (``question`` / ``answer``). One file cannot hold both kinds, so each
split gives up to three tables:

- ``<prefix>_<split>_MCQ``: single-choice items; ``answer`` is one letter;
- ``<prefix>_<split>_MCQ_MULTI``: multiple-choice items; ``answer`` is every
  correct letter in order without separators (``"AC"``), our convention:
  VLMEvalKit has no multi-answer MCQ type, and its MCQ scorer compares one
  letter, so score these with ``qaforge evaluate`` (docs/formats.md). The
  ``hint`` column tells the model several options may be correct;
- ``<prefix>_<split>_VQA``: open items; ``answer`` is the reference text.

``image`` holds the base64 of the PNG, or for several images a JSON list of
base64 strings, with ``image_path`` naming each (VLMEvalKit needs the names
to write a list of images out). ``index`` is an integer unique across all the
tables of an export (records in id order); ``id`` keeps our item id so that
predictions map back to the benchmark.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Callable, Iterable

from qaforge.domain.export import ExportRecord

TABLE_KINDS = {"single_choice": "MCQ", "multiple_choice": "MCQ_MULTI", "open_text": "VQA"}
"""Answer type -> the suffix of its table's name."""

MULTIPLE_HINT = "Several options may be correct: answer with every correct letter."

Row = dict[str, str | int]


def table_name(prefix: str, split: str, answer_type: str) -> str:
    """The dataset name (TSV file stem) a record goes to: ``<prefix>_<split>_<kind>``."""
    return f"{prefix}_{split}_{TABLE_KINDS[answer_type]}"


def vlmevalkit_tables(
    records: Iterable[ExportRecord], image_bytes: Callable[[str], bytes], *, prefix: str
) -> dict[str, list[Row]]:
    """The rows of each VLMEvalKit table, one row per record.

    Args:
        records: Exported records, in id order.
        image_bytes: An image path of a record (``images/<sha256>.png``) -> its PNG bytes.
        prefix: The start of every dataset name (VLMEvalKit's ``--data`` argument).

    Returns:
        Dataset name -> its rows (dicts keyed by column), in record order;
        MCQ tables have a column per option letter used by any of their rows
        (``""`` where a row has fewer options).
    """
    tables: dict[str, list[Row]] = defaultdict(list)
    for index, record in enumerate(records):
        row = _row(index, record, image_bytes)
        tables[table_name(prefix, record.split, record.answer_type)].append(row)
    for rows in tables.values():
        letters = sorted({key for row in rows for key in row if len(key) == 1 and key.isupper()})
        for row in rows:
            for letter in letters:
                row.setdefault(letter, "")
    return dict(sorted(tables.items()))


def _row(index: int, record: ExportRecord, image_bytes: Callable[[str], bytes]) -> Row:
    """One record's row: index, ids, question, images, answer and category columns."""
    encoded = [base64.b64encode(image_bytes(path)).decode("ascii") for path in record.images]
    names = [f"{index}_{rank}.png" for rank in range(len(encoded))]
    row: Row = {
        "index": index,
        "id": record.id,
        "question": record.question,
        "image": encoded[0] if len(encoded) == 1 else json.dumps(encoded),
        "image_path": names[0] if len(names) == 1 else json.dumps(names),
        "category": record.subtask,
        "l2-category": record.tier,
        "sequence": record.sequence,
        "split": record.split,
    }
    if record.answer_type == "open_text":
        row["answer"] = record.answer_text
        return row
    row.update(record.options)
    row["answer"] = "".join(sorted(record.answer))
    if record.answer_type == "multiple_choice":
        row["hint"] = MULTIPLE_HINT
    return row
