"""The dataset card and the manifest (pure)."""

from __future__ import annotations

import hashlib
import json

import yaml

from qaforge.domain.export import SCHEMA_VERSION, export_record_json_schema
from qaforge.export.card import CardFacts, card_files, card_text, provenance_statement
from qaforge.export.hf_features import hf_features
from qaforge.export.manifest import build_manifest, manifest_bytes, schema_text
from qaforge.export.records import ExportedItem

PNG = b"\x89PNG\r\n\x1a\n"


def exported(
    split: str, subtask: str, answer: str, answer_type: str = "single_choice"
) -> ExportedItem:
    return ExportedItem(
        tier="diagnosis",
        sequence="overall",
        subtask=subtask,
        split=split,
        answer_type=answer_type,
        answer_text=answer,
    )


def facts(**changes) -> CardFacts:
    values = dict(
        exported=[
            exported("train", "etiology", "Amyloid"),
            exported("train", "etiology", "Amyloid"),
            exported("test", "etiology", "Sarcoid"),
            *(exported("train", "many", f"text {letter}") for letter in "ABCDEFGH"),
            exported("train", "report", "Trainreportanswer", "open_text"),
            exported("test", "report", "Testreportanswer", "open_text"),
        ],
        verification={"verified": 11, "unverified": 2},
        sizes={
            "test": {"patients": 1, "studies": 1, "items": 3},
            "train": {"patients": 3, "studies": 4, "items": 10},
        },
        flags={"phi": {"blocking": 2}, "blind_baseline": {"warning": 1}},
        check_names=("phi", "blind_baseline", "near_duplicate"),
        include_unverified=False,
    )
    values.update(changes)
    return CardFacts(**values)


def card_body(text: str) -> list[str]:
    """The card's lines after its YAML header."""
    return text.split("---\n", 2)[2].split("\n")


def test_the_card_tables_count_splits_answers_verification_and_checks():
    text = card_text(facts())
    lines = card_body(text)
    assert lines[1] == "# Dataset card"
    assert f"(export schema {SCHEMA_VERSION})" in lines[3]
    assert "| test | 1 | 1 | 3 | 2 |" in lines
    assert "| train | 3 | 4 | 10 | 11 |" in lines
    # Training answers only: the test item is counted but its answer not shown.
    assert "| etiology | 3 | Amyloid (2) |" in lines
    # The six most frequent answers at most, ties by answer.
    assert (
        "| many | 8 | text A (1), text B (1), text C (1), text D (1), text E (1), text F (1) |"
        in lines
    )
    assert "- unverified: 2" in lines and "- verified: 11" in lines
    assert "| phi | 2 | 0 |" in lines
    assert "| blind_baseline | 0 | 1 |" in lines
    assert "| near_duplicate | 0 | 0 |" in lines
    assert text.endswith("\n")


def test_the_card_shows_no_test_answer_and_no_open_answer():
    text = card_text(facts())
    assert "Sarcoid" not in text
    assert "Testreportanswer" not in text and "Trainreportanswer" not in text
    assert "| report | 2 | not shown |" in card_body(text)


def test_the_yaml_header_names_license_task_splits_and_features():
    text = card_text(facts(features=hf_features(["A", "B"])))
    assert text.startswith("---\n")
    header = yaml.safe_load(text.split("---\n", 2)[1])
    assert header["license"] == "other"
    assert header["task_categories"] == ["visual-question-answering"]
    assert header["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "test", "path": "data/test.parquet"},
                {"split": "train", "path": "data/train.parquet"},
            ],
        }
    ]
    features = {f["name"]: f for f in header["dataset_info"]["features"]}
    assert features["images"] == {"name": "images", "list": "image"}
    assert features["answer"] == {"name": "answer", "list": "string"}
    assert [f["name"] for f in features["options"]["struct"]] == ["A", "B"]
    assert "The data owner must set it" in text


def test_a_license_set_by_the_data_owner_replaces_the_placeholder():
    text = card_text(facts(license="cc-by-nc-4.0"))
    assert yaml.safe_load(text.split("---\n", 2)[1])["license"] == "cc-by-nc-4.0"
    assert "must set it" not in text


def test_the_card_says_when_check_never_ran():
    text = card_text(facts(flags={}))
    assert "`qaforge check` was not run before this export." in text
    assert "| check | blocking | warning |" not in text


def test_the_provenance_statement_names_pilots_and_demos():
    assert "unverified" in provenance_statement(True, {"verified": 1})
    assert "Demo export" in provenance_statement(False, {"demo_accept": 3})
    assert provenance_statement(False, {"verified": 3}) == (
        "Only radiologist-verified items with no blocking check flag."
    )


def test_card_files_are_the_readme_and_one_png_per_chart():
    files = card_files(facts())
    assert sorted(files) == [
        "README.md",
        "card/sequences.png",
        "card/splits.png",
        "card/subtasks.png",
        "card/tiers.png",
        "card/verification.png",
    ]
    assert files["README.md"] == card_text(facts()).encode("utf-8")
    assert all(data.startswith(PNG) for name, data in files.items() if name.endswith(".png"))
    assert card_files(facts()) == files  # deterministic bytes


def test_manifest_hashes_and_sizes_match_the_bytes_and_paths_are_sorted():
    files = {"provenance.jsonl": b"{}\n", "data/train.jsonl": b'{"id": 1}\n', "README.md": b""}
    manifest = build_manifest(iter(files.items()))
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert list(manifest["files"]) == ["README.md", "data/train.jsonl", "provenance.jsonl"]
    for path, data in files.items():
        assert manifest["files"][path] == {
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
    written = manifest_bytes(manifest)
    assert written.endswith(b"}\n") and json.loads(written) == manifest
    assert written == (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def test_the_schema_file_is_the_record_schema():
    text = schema_text()
    assert text.endswith("}\n")
    assert json.loads(text) == export_record_json_schema()
