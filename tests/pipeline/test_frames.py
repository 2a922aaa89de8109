"""``qaforge.load_benchmark`` and ``qaforge.load_items``: DataFrames of an export and of the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import qaforge
from qaforge.errors import QaforgeError


def jsonl_records(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((folder / "data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def test_load_benchmark_has_one_row_per_item_with_the_record_columns(small_export):
    records = sorted(jsonl_records(small_export.folder), key=lambda r: r["id"])
    frame = qaforge.load_benchmark(small_export.folder)
    assert list(frame["id"]) == [r["id"] for r in records]
    assert sorted(frame.columns) == sorted(records[0])
    assert frame["id"].is_unique
    for column in ("id", "split", "tier", "subtask", "question", "answer_text", "answer_type"):
        assert frame[column].dtype == "string", column
    for column in ("options", "answer", "images", "image_provenance"):
        assert frame[column].dtype == object, column
    first = frame.iloc[0]
    assert first["answer"] == records[0]["answer"] and first["options"] == records[0]["options"]
    assert first["images"] == [
        str((small_export.folder / name).resolve()) for name in records[0]["images"]
    ]
    assert all(Path(path).is_file() for paths in frame["images"] for path in paths)


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_load_benchmark_keeps_one_split(small_export, split):
    expected = sorted(r["id"] for r in jsonl_records(small_export.folder) if r["split"] == split)
    frame = qaforge.load_benchmark(str(small_export.folder), split=split)
    assert list(frame["id"]) == expected and set(frame["split"]) == {split}


def test_an_unknown_split_is_e801_naming_the_splits(small_export):
    with pytest.raises(QaforgeError) as caught:
        qaforge.load_benchmark(small_export.folder, split="dev")
    assert caught.value.code == "E801"
    assert "no split 'dev' (it has test, train, validation)" in caught.value.message


def test_load_items_has_one_row_per_stored_item_with_split_and_answer_text(small_export):
    frame = qaforge.load_items(small_export.db_url)
    exported = {r["id"]: r for r in jsonl_records(small_export.folder)}
    assert frame["id"].is_unique and set(exported) <= set(frame["id"])
    assert frame["subtask_version"].dtype == "int64"
    assert str(frame["created_at"].dtype).startswith("datetime64")
    for column in ("id", "study_id", "split", "status", "question", "answer_text"):
        assert frame[column].dtype == "string", column
    by_id = frame.set_index("id")
    for item_id, record in exported.items():
        assert by_id.loc[item_id, "split"] == record["split"]
        assert by_id.loc[item_id, "answer"] == record["answer"]
        assert by_id.loc[item_id, "answer_text"] == record["answer_text"]


def test_import_qaforge_does_not_import_pandas():
    code = "import sys, qaforge; print('pandas' in sys.modules, callable(qaforge.load_items))"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert run.stdout.split() == ["False", "True"]
