"""`generate` on the database (SQLite and PostgreSQL): regeneration keeps verified work."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select, update

from qaforge.domain.qa import GenerationConfig
from qaforge.errors import ConfigError
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.models import Finding, QAItem, QAItemFinding, QuarantineRow, Verification

REPORTS = [
    {
        "report_id": "R1",
        "patient_id": "P1",
        "study_id": "S1",
        "text": "Normal LV size. LVEF 61%. No late gadolinium enhancement. No pericardial effusion.",
    },
    {
        "report_id": "R2",
        "patient_id": "P2",
        "study_id": "S2",
        "text": "Dilated LV, LVEF 25%. Midwall LGE of the basal inferoseptal wall. Small pericardial effusion.",
    },
    {
        "report_id": "R3",
        "patient_id": "P3",
        "study_id": "S3",
        "text": "Normal LV size. Subendocardial LGE of the mid inferior wall. No pericardial effusion.",
    },
    {
        "report_id": "R4",
        "patient_id": "P4",
        "study_id": "S4",
        "text": "Dilated LV. LVEF 38%. No late gadolinium enhancement. Myocardial oedema is present.",
    },
]
OPEN = GenerationConfig(require_series=False, majority_cap=1.0)


def write(path, reports) -> None:
    path.write_text("".join(json.dumps(report) + "\n" for report in reports))


def items_by_study(engine) -> dict[str, dict[str, str]]:
    """study -> item id -> status."""
    found: dict[str, dict[str, str]] = {}
    with engine.connect() as connection:
        for item_id, study_id, status in connection.execute(
            select(QAItem.id, QAItem.study_id, QAItem.status)
        ):
            found.setdefault(study_id, {})[item_id] = status
    return found


def stored_and_extracted(engine, tmp_path):
    """REPORTS ingested and extracted; returns the reports file."""
    source = tmp_path / "reports.jsonl"
    write(source, REPORTS)
    ingest_reports(engine, source)
    extract_database(engine)
    return source


def verify(engine, item_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Verification).values(item_id=item_id, annotator="dr-a", verdict="accept")
        )


def test_generate_stores_items_with_links_and_a_rerun_changes_nothing(engine, tmp_path):
    stored_and_extracted(engine, tmp_path)

    first = generate_database(engine, config=OPEN)
    assert first.items_new == first.items_active > 20 and first.items_retired == 0
    assert first.studies_generated == 4
    with engine.connect() as connection:
        items = connection.execute(select(QAItem)).all()
        links = connection.execute(select(QAItemFinding)).all()
    assert {item.tier for item in items} == {"image_understanding", "report_generation"}
    assert all(item.provenance["extraction_run"] == first.run_id for item in items)
    assert {link.item_id for link in links} == {item.id for item in items}

    snapshot = items_by_study(engine)
    second = generate_database(engine, config=OPEN)
    assert (second.items_new, second.items_kept, second.items_retired) == (0, first.items_new, 0)
    assert items_by_study(engine) == snapshot


def test_editing_one_report_keeps_the_others_and_their_verification(engine, tmp_path):
    source = stored_and_extracted(engine, tmp_path)
    generate_database(engine, config=OPEN)
    before = items_by_study(engine)
    other_item = sorted(before["S1"])[0]
    verify(engine, other_item)
    with engine.connect() as connection:
        s2 = {
            row.subtask_id: row.id
            for row in connection.execute(select(QAItem).where(QAItem.study_id == "S2"))
        }
    verify(engine, s2["cine_lvef_range"])
    verify(engine, s2["cine_pericardial_effusion"])

    # S2's report now has no effusion statement and a different LGE place;
    # its LV size and LVEF sentences are unchanged.
    edited = [dict(r) for r in REPORTS]
    edited[1]["text"] = "Dilated LV, LVEF 25%. Midwall LGE of the basal inferolateral wall."
    write(source, edited)
    ingest_reports(engine, source)
    extract_database(engine)
    summary = generate_database(engine, config=OPEN)

    after = items_by_study(engine)
    for study in ("S1", "S3", "S4"):
        assert after[study] == before[study], study  # same ids, same statuses
    with engine.connect() as connection:
        s2_now = {
            row.subtask_id: (row.id, row.status)
            for row in connection.execute(select(QAItem).where(QAItem.study_id == "S2"))
            if row.status == "active"
        }
        verified = set(connection.scalars(select(Verification.item_id)))
        retired = {
            row.subtask_id: row.id
            for row in connection.execute(
                select(QAItem).where(QAItem.study_id == "S2", QAItem.status == "retired")
            )
        }
    assert s2_now["cine_lv_size"][0] == s2["cine_lv_size"]  # unchanged statement, same item
    assert s2_now["cine_lvef_range"][0] == s2["cine_lvef_range"]
    # The LGE finding moved wall: items resting on it are new, the old ones retired.
    assert s2_now["lge_presence"][0] != s2["lge_presence"]
    assert s2_now["lge_walls"][0] != s2["lge_walls"]  # the place changed: a new item
    assert s2_now["report_lge"][0] != s2["report_lge"]
    assert "cine_pericardial_effusion" not in s2_now  # the statement vanished ...
    assert retired["cine_pericardial_effusion"] == s2["cine_pericardial_effusion"]  # ... retired
    assert retired["lge_walls"] == s2["lge_walls"]
    assert verified == {other_item, s2["cine_lvef_range"], s2["cine_pericardial_effusion"]}
    assert s2_now["cine_lvef_range"][1] == "active"
    assert summary.items_retired == len(retired) and summary.items_new >= 2

    # Restoring the old text brings the retired items back, verification and all.
    write(source, REPORTS)
    ingest_reports(engine, source)
    extract_database(engine)
    restored = generate_database(engine, config=OPEN)
    assert restored.items_reactivated == len(retired)
    assert items_by_study(engine)["S2"][s2["cine_pericardial_effusion"]] == "active"


def test_studies_not_yet_extracted_are_left_alone(engine, tmp_path):
    source = stored_and_extracted(engine, tmp_path)
    generate_database(engine, config=OPEN)
    before = items_by_study(engine)
    edited = [dict(r) for r in REPORTS]
    edited[0]["text"] = "LGE: none."
    write(source, edited)
    ingest_reports(engine, source)  # a new version, not extracted
    summary = generate_database(engine, config=OPEN)
    assert summary.studies_not_extracted == 1 and summary.items_retired == 0
    assert items_by_study(engine) == before


def test_the_majority_cap_sets_items_aside_without_deleting(engine, tmp_path):
    stored_and_extracted(engine, tmp_path)
    summary = generate_database(engine, config=GenerationConfig(require_series=False))
    assert summary.items_capped > 0
    with engine.connect() as connection:
        rows = connection.execute(select(QAItem.subtask_id, QAItem.answer_key, QAItem.status)).all()
    by_subtask: dict[str, list[str]] = {}
    for subtask_id, key, status in rows:
        if status == "active" and key:
            by_subtask.setdefault(subtask_id, []).append(key)
    for subtask_id, keys in by_subtask.items():
        assert max(keys.count(key) for key in keys) <= len(keys) / 2, subtask_id
    assert sum(status == "capped" for _, _, status in rows) == summary.items_capped


def test_generate_needs_a_finished_run_and_a_known_one(engine, tmp_path):
    with pytest.raises(ConfigError) as caught:
        generate_database(engine)
    assert caught.value.code == "E502"
    source = tmp_path / "reports.jsonl"
    write(source, REPORTS)
    ingest_reports(engine, source)
    run = extract_database(engine).run_id
    with pytest.raises(ConfigError) as caught:
        generate_database(engine, run_id="nope")
    assert caught.value.code == "E503"
    assert generate_database(engine, run_id=run[:8], config=OPEN).run_id == run


def test_a_stored_finding_that_fails_the_vocabulary_is_quarantined_with_its_study(engine, tmp_path):
    stored_and_extracted(engine, tmp_path)
    with engine.begin() as connection:
        target = connection.execute(
            select(Finding.id).where(Finding.code == "lge.presence").limit(1)
        ).scalar_one()
        connection.execute(update(Finding).where(Finding.id == target).values(value="glowing"))
    summary = generate_database(engine, config=OPEN)
    assert summary.studies_quarantined == 1 and summary.studies_generated == 3
    with engine.connect() as connection:
        refused = connection.execute(
            select(QuarantineRow).where(QuarantineRow.stage == "generate")
        ).one()
    assert target in refused.location and "glowing" in refused.reason
