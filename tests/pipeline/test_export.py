"""Splits, checks and export on the store, with planted leaks: each is flagged and none is exported."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import insert, select, update

from qaforge.domain.export import export_record_json_schema
from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.check import check_database
from qaforge.pipeline.export import export_database
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.pipeline.split import assign_database_splits
from qaforge.resources import resource_dir
from qaforge.sample import write_sample_data
from qaforge.store.models import Flag, QAItem, Verification

STUDIES = ("STU-0001", "STU-0002", "STU-0003", "STU-0030", "STU-0005", "STU-0009")
PHI = ("John Smith", "12/03/1950", "A1234567", "020 7946 0958")
PHI_SENTENCE = (
    "Mr John Smith (DOB 12/03/1950, MRN A1234567, telephone 020 7946 0958) "
    "has a moderate pericardial effusion."
)
CONTAMINATED = (
    "Which of the following best describes the enhancement seen in this famous "
    "textbook case of a young athlete with chest pain"
)


@pytest.fixture(scope="session")
def planted_source(tmp_path_factory) -> Path:
    """Sample studies plus plants: PHI in a report, and STU-0005 copied as STU-0099 for another patient."""
    full = tmp_path_factory.mktemp("export-full")
    write_sample_data(full)
    out = tmp_path_factory.mktemp("export-source")
    records = []
    for line in (full / "reports.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["study_id"] not in STUDIES:
            continue
        if record["study_id"] == "STU-0009":
            record["text"] = record["text"].replace("\n\n", f"\n\n{PHI_SENTENCE}\n\n", 1)
        records.append(record)
        if record["study_id"] == "STU-0005":
            copy = dict(record, report_id="RPT-0099", study_id="STU-0099", patient_id="PAT-099")
            records.append(copy)
    (out / "reports.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for study in STUDIES:
        shutil.copytree(full / "series" / study, out / "series" / study)
    shutil.copytree(full / "series" / "STU-0005", out / "series" / "STU-0099")
    for path in (out / "series" / "STU-0099").rglob("*.json"):
        path.write_text(path.read_text().replace("STU-0005", "STU-0099"))
    return out


def built(engine, source: Path, tmp_path: Path) -> Path:
    """Everything through select, splits from a file with the planted patient in two splits."""
    data = tmp_path / "data"
    shutil.copytree(source, data)
    ingest_reports(engine, data / "reports.jsonl")
    ingest_series(engine, data / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    select_images(
        engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img", workers=1
    )
    split_file = tmp_path / "splits.jsonl"
    rows = [
        {"patient_id": "PAT-001", "split": "train"},
        {"patient_id": "PAT-002", "split": "train"},
        {"patient_id": "PAT-003", "split": "train"},
        {"study_id": "STU-0030", "split": "test"},  # planted: PAT-003 in two splits
        {"patient_id": "PAT-005", "split": "train"},
        {"patient_id": "PAT-099", "split": "test"},  # planted: STU-0005's copy across splits
        {"patient_id": "PAT-009", "split": "test"},
        {"patient_id": "PAT-404", "split": "test"},  # unknown: refused
    ]
    split_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = assign_database_splits(engine, split_file=split_file)
    assert summary.refused_rows == ["line 8: unknown patient_id 'PAT-404'"]
    return data


def items(engine) -> dict[str, dict]:
    with engine.connect() as connection:
        return {
            row.id: dict(row._mapping)
            for row in connection.execute(select(QAItem.__table__).where(QAItem.status == "active"))
        }


def plant_question_leaks(engine, all_items) -> tuple[str, str]:
    """An answer inside one question and a contaminated question in another (STU-0002)."""
    choice = sorted(
        i
        for i, item in all_items.items()
        if item["study_id"] == "STU-0002"
        and item["answer_type"] == "single_choice"
        and len(item["options"][item["answer"][0]]) > 3
    )
    leaky, contaminated = choice[0], choice[1]
    hint = all_items[leaky]["options"][all_items[leaky]["answer"][0]]
    with engine.begin() as connection:
        connection.execute(
            update(QAItem)
            .where(QAItem.id == leaky)
            .values(question=f"{all_items[leaky]['question']} (hint: {hint})")
        )
        connection.execute(
            update(QAItem).where(QAItem.id == contaminated).values(question=CONTAMINATED + "?")
        )
    return leaky, contaminated


def verify_all(engine, item_ids) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Verification),
            [
                {"item_id": i, "annotator": "dr-test", "verdict": "accept", "is_latest": True}
                for i in item_ids
            ],
        )


def test_planted_leaks_are_flagged_with_the_right_items_and_never_exported(
    engine, planted_source, tmp_path
):
    built(engine, planted_source, tmp_path)
    all_items = items(engine)
    leaky, contaminated = plant_question_leaks(engine, all_items)
    corpus = tmp_path / "textbook.txt"
    corpus.write_text("Chapter 3. " + CONTAMINATED + " and what would you do next?\n")
    verify_all(engine, all_items)

    report = check_database(
        engine,
        references=[corpus],
        protocol="clinical",
        budget=4,
        json_path=tmp_path / "checks.json",
    )
    checks = report.checks
    by_study = lambda *studies: {i for i, item in all_items.items() if item["study_id"] in studies}  # noqa: E731
    assert set(checks["patient_in_two_splits"]["items"]) == by_study("STU-0003", "STU-0030")
    assert set(checks["shared_image"]["items"]) == by_study("STU-0005", "STU-0099")
    duplicates = set(checks["near_duplicate"]["items"])
    assert duplicates and duplicates <= by_study("STU-0005", "STU-0099")
    assert {all_items[i]["study_id"] for i in duplicates} == {"STU-0005", "STU-0099"}
    leaked = items(engine)[leaky]
    assert checks["answer_in_question"]["items"] == [leaky], (
        leaked["question"],
        leaked["options"],
        leaked["answer"],
    )
    assert checks["contamination"]["items"] == [contaminated]
    assert checks["contamination"]["examples"][0]["sources"] == ["textbook.txt"]
    phi_items = set(checks["phi"]["items"])
    assert phi_items and phi_items <= by_study("STU-0009")
    assert (
        json.loads((tmp_path / "checks.json").read_text())["blocked_items"] == report.blocked_items
    )
    with engine.connect() as connection:
        stored = connection.execute(select(Flag.item_id, Flag.check_name)).all()
    assert {(i, c) for i, c in stored if c == "answer_in_question"} == {
        (leaky, "answer_in_question")
    }

    outdir = tmp_path / "bench"
    summary = export_database(engine, outdir, protocol="clinical", budget=4)
    exported = {
        json.loads(line)["id"]
        for path in (outdir / "data").glob("*.jsonl")
        for line in path.read_text().splitlines()
    }
    blocked = set().union(*(set(c["items"]) for c in checks.values()))
    assert exported and not exported & blocked
    assert summary.skipped_blocked == len(blocked & set(all_items))
    assert exported == set(all_items) - blocked
    card = (outdir / "README.md").read_text()
    assert f"| phi | {checks['phi']['blocking']} | 0 |" in card
    for path in outdir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in PHI:
                assert secret.encode() not in content, (secret, path)


def test_records_validate_the_manifest_holds_and_reexport_is_identical(
    engine, planted_source, tmp_path
):
    built(engine, planted_source, tmp_path)
    all_items = items(engine)
    verify_all(engine, sorted(all_items)[: len(all_items) // 2])
    check_database(engine, protocol="clinical", budget=4)
    first = export_database(engine, tmp_path / "one", protocol="clinical", budget=4)
    schema = json.loads((resource_dir("schemas") / "export_record.schema.json").read_text())
    assert schema == json.loads(json.dumps(export_record_json_schema()))
    validator = jsonschema.Draft202012Validator(schema)
    count = 0
    for path in (tmp_path / "one" / "data").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            validator.validate(record)
            assert record["verification"] == "verified" and record["split"] == path.stem
            for image in record["images"]:
                assert (tmp_path / "one" / image).is_file()
            count += 1
    assert count == sum(first.records.values()) > 0
    assert first.skipped_unverified > 0
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (tmp_path / "one" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
    files = {
        p.relative_to(tmp_path / "one").as_posix()
        for p in (tmp_path / "one").rglob("*")
        if p.is_file()
    }
    assert files - set(manifest["files"]) == {"manifest.json"}
    assert {
        "README.md",
        "provenance.jsonl",
        "schema/export_record.schema.json",
        "card/tiers.png",
    } <= files

    second = export_database(engine, tmp_path / "two", protocol="clinical", budget=4)
    assert second.manifest_sha256 == first.manifest_sha256
    assert (tmp_path / "one" / "manifest.json").read_bytes() == (
        tmp_path / "two" / "manifest.json"
    ).read_bytes()

    pilot = export_database(
        engine, tmp_path / "pilot", protocol="clinical", budget=4, include_unverified=True
    )
    assert sum(pilot.records.values()) > sum(first.records.values())
    statuses = {
        json.loads(line)["verification"]
        for path in (tmp_path / "pilot" / "data").glob("*.jsonl")
        for line in path.read_text().splitlines()
    }
    assert statuses == {"verified", "unverified"}
    assert "Includes unverified items" in (tmp_path / "pilot" / "README.md").read_text()
