"""Parquet files that Hugging Face ``datasets`` loads with Image features (the one pyarrow module).

Written with pyarrow rather than ``datasets``: pyarrow is a dependency already,
while ``datasets`` would bring fsspec, huggingface-hub and multiprocess into
every install for one file format; an Image feature is only the Arrow struct
``{bytes, path}``, which pyarrow writes as is.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
"""How ``datasets`` stores an Image feature in Arrow."""

DTYPES = {"string": pa.string(), "int64": pa.int64(), "image": IMAGE_TYPE}


def arrow_type(feature: str | list[dict[str, Any]] | dict[str, Any]) -> pa.DataType:
    """The Arrow type of a feature in the card's YAML form (a dtype name, a field list or one field)."""
    if isinstance(feature, str):
        return DTYPES[feature]
    if isinstance(feature, list):
        return pa.struct([(field["name"], arrow_type(field)) for field in feature])
    for key in ("dtype", "list", "struct"):
        if key in feature:
            inner = arrow_type(feature[key])
            return pa.list_(inner) if key == "list" else inner
    raise ValueError(f"unknown feature form: {sorted(feature)}")


def parquet_bytes(rows: Sequence[Mapping[str, Any]], features: list[dict[str, Any]]) -> bytes:
    """A Parquet file of some rows.

    Args:
        rows: One mapping per row, with every feature's field; images as
            ``{"bytes": ..., "path": ...}``.
        features: The features in the card's YAML form
            (:func:`qaforge.export.hf_features.hf_features`).

    Returns:
        The file's bytes (the same rows give the same bytes).
    """
    schema = arrow_type(features)
    fields = [schema.field(index) for index in range(schema.num_fields)]
    table = pa.Table.from_pylist([dict(row) for row in rows], schema=pa.schema(fields))
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()
