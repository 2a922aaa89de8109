"""The export as Hugging Face ``datasets`` loads it: ``load_dataset(EXPORT_DIR)`` with the
current ``datasets`` (in our venv) and with datasets 2.16 (its own venv, a subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import datasets
import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
VENV_216 = ROOT / ".venv-datasets216"
LOAD_SCRIPT = Path(__file__).with_name("hf_load_script.py")
SPLITS = {"train", "validation", "test"}


def jsonl_records(folder: Path) -> dict[str, list[dict]]:
    """Split -> the records of ``data/<split>.jsonl``, in file order."""
    return {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted((folder / "data").glob("*.jsonl"))
    }


def png_sizes(folder: Path, record: dict) -> list[list[int]]:
    """The (width, height) of a record's PNG files in the export, read from disk."""
    sizes = []
    for name in record["images"]:
        with Image.open(folder / name) as image:
            sizes.append(list(image.size))
    return sizes


def card_header(folder: Path) -> dict:
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_the_card_header_parses_and_points_at_one_parquet_file_per_split(small_export):
    folder = small_export.folder
    header = card_header(folder)
    assert header["license"] == "other" and header["task_categories"] == [
        "visual-question-answering"
    ]
    (config,) = header["configs"]
    paths = {entry["split"]: entry["path"] for entry in config["data_files"]}
    assert paths == {split: f"data/{split}.parquet" for split in SPLITS}
    manifest = json.loads((folder / "manifest.json").read_text())["files"]
    for path in [*paths.values(), *(f"data/{split}.jsonl" for split in SPLITS)]:
        data = (folder / path).read_bytes()
        assert manifest[path]["sha256"] == hashlib.sha256(data).hexdigest()


def test_current_datasets_loads_the_three_splits_with_decoded_images_and_the_jsonl_records(
    small_export, tmp_path
):
    folder = small_export.folder
    loaded = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
    expected = jsonl_records(folder)
    assert set(loaded) == SPLITS == set(expected)
    features = loaded["train"].features
    assert isinstance(features["images"], datasets.List)
    assert isinstance(features["images"].feature, datasets.Image)
    letters = sorted(features["options"])
    for split, records in expected.items():
        rows = list(loaded[split])
        assert [row["id"] for row in rows] == [record["id"] for record in records]
        for row, record in zip(rows, records, strict=True):
            assert all(isinstance(image, Image.Image) for image in row["images"])
            assert [list(image.size) for image in row["images"]] == png_sizes(folder, record)
            # The JSON options hold the item's letters; Parquet's struct has every
            # letter of the export, null where the item has none.
            assert row["options"] == {letter: record["options"].get(letter) for letter in letters}
            assert set(row) == set(record)
            for key in set(record) - {"images", "options"}:
                assert row[key] == record[key], key


def test_current_datasets_loads_the_jsonl_with_the_json_builder(small_export, tmp_path):
    """The JSONL keeps one type per field (``answer`` a list, ``answer_text`` a string)."""
    files = {
        path.stem: str(path) for path in sorted((small_export.folder / "data").glob("*.jsonl"))
    }
    loaded = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "cache"))
    for split, records in jsonl_records(small_export.folder).items():
        keys = ("id", "answer", "answer_text", "answer_type")
        assert [{key: row[key] for key in keys} for row in loaded[split]] == [
            {key: record[key] for key in keys} for record in records
        ]


def datasets_216_python() -> Path | None:
    """The datasets 2.16 venv's python (scripts/ensure-datasets216.sh), or None when not installed."""
    python = VENV_216 / "bin" / "python"
    if python.exists() and (VENV_216 / ".installed").exists():
        return python
    if os.environ.get("CI"):
        pytest.fail(
            f"{VENV_216} is missing: `make test` installs it (scripts/ensure-datasets216.sh)"
        )
    return None


def test_datasets_2_16_loads_the_same_records_and_images(small_export, tmp_path):
    python = datasets_216_python()
    if python is None:
        pytest.skip(f"{VENV_216} not installed: run bash scripts/ensure-datasets216.sh")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
    }
    run = subprocess.run(
        [str(python), str(LOAD_SCRIPT), str(small_export.folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = json.loads(run.stdout)
    assert loaded["version"] == "2.16.1"
    assert loaded["features"]["images"] == "[Image(decode=True, id=None)]"
    expected = jsonl_records(small_export.folder)
    assert set(loaded["splits"]) == SPLITS == set(expected)
    for split, records in expected.items():
        assert loaded["splits"][split] == [
            {
                "id": record["id"],
                "answer": record["answer"],
                "answer_text": record["answer_text"],
                "answer_type": record["answer_type"],
                "image_sizes": png_sizes(small_export.folder, record),
                "image_types": ["PIL.PngImagePlugin"],
            }
            for record in records
        ]


def test_answer_is_a_list_of_letters_and_answer_text_a_string_in_every_record(small_export):
    records = [r for split in jsonl_records(small_export.folder).values() for r in split]
    assert {r["answer_type"] for r in records} == {"single_choice", "multiple_choice", "open_text"}
    for record in records:
        assert isinstance(record["answer"], list) and isinstance(record["answer_text"], str)
        if record["answer_type"] == "open_text":
            assert record["answer"] == [] and record["answer_text"]
        else:
            assert set(record["answer"]) <= set(record["options"])
            assert len(record["answer"]) == 1 or record["answer_type"] == "multiple_choice"


def test_the_card_shows_no_test_or_validation_answer_and_no_open_answer(small_export):
    card = (small_export.folder / "README.md").read_text(encoding="utf-8")
    body = card.split("---\n", 2)[2]
    answers_section = body.split("## Answers per subtask", 1)[1].split("## Verification", 1)[0]
    records = jsonl_records(small_export.folder)
    train_texts = {r["answer_text"] for r in records["train"] if r["answer_type"] != "open_text"}
    for split in ("test", "validation", "train"):
        for record in records[split]:
            if record["answer_type"] == "open_text":
                assert record["answer_text"] not in card
            elif record["answer_text"] not in train_texts:
                assert f"| {record['answer_text']} (" not in answers_section
                assert f", {record['answer_text']} (" not in answers_section
