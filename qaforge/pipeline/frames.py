"""pandas at the edges: the exported benchmark and the stored items as DataFrames (the one pandas module).

``qaforge.load_benchmark`` and ``qaforge.load_items`` (the package's top level)
are these functions; pandas is imported only when one is called.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qaforge.domain.export import ExportRecord
from qaforge.errors import QaforgeError
from qaforge.evaluate.benchmark import read_benchmark
from qaforge.export.records import answer_fields
from qaforge.store.engine import create_store_engine
from qaforge.store.qa_items import ITEM_TABLE_COLUMNS, item_table_rows
from qaforge.store.schema import require_current_schema

BENCHMARK_COLUMNS = tuple(ExportRecord.model_fields)
"""The columns of :func:`load_benchmark`: the record's fields, in record order."""

LIST_COLUMNS = {"options", "answer", "images", "image_provenance"}
"""Record fields that stay Python objects (dict or list) in a DataFrame; the others are text."""


def load_benchmark(path: str | Path, split: str | None = None) -> pd.DataFrame:
    """An export folder's records as a DataFrame, one row per item.

    Args:
        path: An export folder (written by ``qaforge export``).
        split: Only this split's records (``None``: every split).

    Returns:
        Columns :data:`BENCHMARK_COLUMNS`, rows sorted by id. Text fields have
        the ``string`` dtype; ``options`` (letter -> text), ``answer`` (option
        letters, ``[]`` for open items), ``image_provenance`` (dicts) are
        Python objects, and ``images`` holds the absolute paths of the PNG
        files (read them with PIL; the Parquet files hold the bytes).

    Raises:
        InputFileError: E801 when the folder holds no records or ``split`` is
            not one of its splits.
    """
    folder = Path(path)
    records = read_benchmark(folder)
    splits = sorted({record.split for record in records})
    if split is not None and split not in splits:
        problem = f"no split {split!r} (it has {', '.join(splits)})"
        raise QaforgeError.of("E801", folder=folder, problem=problem)
    rows = []
    for record in records:
        if split is not None and record.split != split:
            continue
        row = record.model_dump(mode="json")
        row["images"] = [str((folder / name).resolve()) for name in record.images]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(BENCHMARK_COLUMNS))
    return _text_as_string(frame, set(BENCHMARK_COLUMNS) - LIST_COLUMNS)


def load_items(db_url: str) -> pd.DataFrame:
    """The stored items of a database as a DataFrame, one row per item (any status).

    Args:
        db_url: The database URL (``sqlite:///qaforge.db``, ``postgresql+psycopg://...``).

    Returns:
        Columns ``ITEM_TABLE_COLUMNS`` plus ``answer_text``, rows sorted by id;
        ``answer`` is normalised as in the export (option letters, ``[]`` for
        open items) and ``answer_text`` holds the answer as text. No report
        text or evidence. ``split`` is missing (``<NA>``) before ``qaforge split``;
        ``created_at`` is a timezone-aware datetime.

    Raises:
        QaforgeError: when the database is not at the current schema.
    """
    engine = create_store_engine(db_url)
    try:
        require_current_schema(engine)
        with engine.connect() as connection:
            rows = item_table_rows(connection)
    finally:
        engine.dispose()
    for row in rows:
        row["answer"], row["answer_text"] = answer_fields(
            row["answer_type"], row["options"], row["answer"]
        )
    frame = pd.DataFrame(rows, columns=[*ITEM_TABLE_COLUMNS, "answer_text"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame = frame.astype({"subtask_version": "int64", "template_version": "int64"})
    not_text = {"options", "answer", "created_at", "subtask_version", "template_version"}
    return _text_as_string(frame, set(frame.columns) - not_text)


def _text_as_string(frame: pd.DataFrame, columns: set[str]) -> pd.DataFrame:
    """The frame with some columns as pandas' ``string`` dtype (missing values ``<NA>``)."""
    return frame.astype({column: "string" for column in columns})
