"""Parquet files with Image structs, read back with pyarrow."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from qaforge.export.hf_features import hf_features, option_letters
from qaforge.libs.parquet import IMAGE_TYPE, parquet_bytes


def row(identifier: str, options: dict[str, str], answer: list[str]) -> dict:
    return {
        "id": identifier,
        "split": "train",
        "tier": "diagnosis",
        "sequence": "overall",
        "subtask": "dx",
        "question": "Which?",
        "options": options,
        "answer": answer,
        "answer_text": "text",
        "answer_type": "open_text" if not options else "single_choice",
        "images": [
            {"bytes": b"\x89PNG-" + identifier.encode(), "path": f"images/{identifier}.png"}
        ],
        "image_provenance": [
            {"series_id": "s", "z": 1, "t": 0, "protocol": "clinical", "budget": 4, "rank": 0}
        ],
        "verification": "verified",
        "schema_version": "1.1",
    }


def read(data: bytes) -> list[dict]:
    return pq.read_table(io.BytesIO(data)).to_pylist()


def test_rows_round_trip_with_the_union_of_option_letters_and_image_bytes():
    rows = [row("1", {"A": "Yes", "B": "No"}, ["B"]), row("2", {"A": "x", "C": "z"}, ["C"])]
    features = hf_features(option_letters(rows))
    data = parquet_bytes(rows, features)
    table = pq.read_table(io.BytesIO(data))
    assert table.schema.field("images").type.value_type == IMAGE_TYPE
    back = read(data)
    assert back[0]["options"] == {"A": "Yes", "B": "No", "C": None}
    assert back[1]["answer"] == ["C"] and back[1]["images"] == rows[1]["images"]
    assert parquet_bytes(rows, features) == data


def test_an_export_of_open_items_only_still_writes():
    rows = [row("1", {}, [])]
    back = read(parquet_bytes(rows, hf_features(option_letters(rows))))
    assert back[0]["options"] == {"A": None} and back[0]["answer"] == []
