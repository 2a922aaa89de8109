"""The Hugging Face ``datasets`` features of the Parquet files (pure).

One description serves both the card's YAML header (``dataset_info.features``,
as the Hub's dataset card documents it) and the Arrow schema the Parquet files
are written with (:mod:`qaforge.libs.parquet`), so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PROVENANCE_FIELDS = (
    ("series_id", "string"),
    ("z", "int64"),
    ("t", "int64"),
    ("protocol", "string"),
    ("budget", "int64"),
    ("rank", "int64"),
)
"""The fields of one ``image_provenance`` entry, in record order."""


def option_letters(records: Iterable[dict[str, Any]]) -> list[str]:
    """Every option letter any record uses, sorted (the ``options`` struct's fields)."""
    return sorted({letter for record in records for letter in record["options"]})


def hf_features(letters: Iterable[str]) -> list[dict[str, Any]]:
    """The features in the card's YAML form, one entry per record field.

    Args:
        letters: The option letters of the export (:func:`option_letters`);
            a record without one of them has ``null`` there.

    Returns:
        ``[{"name": ..., "dtype" | "list" | "struct": ...}, ...]``: strings,
        ``answer`` a list of strings, ``images`` a list of Image (bytes
        embedded), ``image_provenance`` a list of structs.
    """

    def string(name: str) -> dict[str, Any]:
        return {"name": name, "dtype": "string"}

    # Parquet cannot store a struct without fields: an export of open items only
    # gets an ``A`` that is null in every record.
    letters = list(letters) or ["A"]

    return [
        string("id"),
        string("split"),
        string("tier"),
        string("sequence"),
        string("subtask"),
        string("question"),
        {"name": "options", "struct": [string(letter) for letter in letters]},
        {"name": "answer", "list": "string"},
        string("answer_text"),
        string("answer_type"),
        {"name": "images", "list": "image"},
        {
            "name": "image_provenance",
            "list": [{"name": name, "dtype": dtype} for name, dtype in PROVENANCE_FIELDS],
        },
        string("verification"),
        string("schema_version"),
    ]
