"""`extract` on the database (SQLite and PostgreSQL) and without one (stateless file)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.pipeline.extract import extract_database, extract_file
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.models import ExtractedReport, ExtractionRun, Finding

from ..conftest import GOOD_REPORTS  # noqa: TID252


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(Finding)).scalar_one(),
            connection.execute(select(func.count()).select_from(ExtractedReport)).scalar_one(),
            connection.execute(select(func.count()).select_from(ExtractionRun)).scalar_one(),
        )


def test_extract_stores_findings_with_a_run_and_reruns_change_nothing(engine, tmp_path):
    source = tmp_path / "reports.jsonl"
    write_jsonl(source, GOOD_REPORTS)
    ingest_reports(engine, source)

    first = extract_database(engine, batch_size=2)
    expected = sum(len(RuleExtractor().extract(r["text"])) for r in GOOD_REPORTS)
    assert first.new_run and first.extracted == len(GOOD_REPORTS)
    assert first.findings == expected > 0
    assert counts(engine) == (expected, len(GOOD_REPORTS), 1)
    with engine.connect() as connection:
        run = connection.execute(select(ExtractionRun)).one()
        codes = set(connection.execute(select(Finding.code)).scalars())
    assert run.extractor == "rules" and run.status == "done" and len(run.config_hash) == 64
    assert {"cine.lvef", "lge.presence", "cine.max_wall_thickness"} <= codes

    again = extract_database(engine)
    assert not again.new_run
    assert (again.extracted, again.already_extracted, again.findings) == (0, len(GOOD_REPORTS), 0)
    assert counts(engine) == (expected, len(GOOD_REPORTS), 1)


def test_a_changed_report_text_is_extracted_again(engine, tmp_path):
    source = tmp_path / "reports.jsonl"
    write_jsonl(source, GOOD_REPORTS)
    ingest_reports(engine, source)
    before = extract_database(engine).findings_by_code
    changed = [dict(GOOD_REPORTS[0], text="LGE: none. Small pericardial effusion.")] + GOOD_REPORTS[
        1:
    ]
    write_jsonl(source, changed)
    ingest_reports(engine, source)

    summary = extract_database(engine)
    assert summary.extracted == 1
    assert summary.findings == len(RuleExtractor().extract(changed[0]["text"]))
    # R3's "No pericardial effusion" stays; R1's new text adds one; R1's old LVEF is gone.
    assert (
        summary.findings_by_code["cine.pericardial_effusion"]
        == before["cine.pericardial_effusion"] + 1
    )
    assert "cine.lvef" not in summary.findings_by_code


def test_stateless_extract_writes_one_line_per_valid_report(mixed_reports_jsonl, tmp_path):
    output = tmp_path / "out" / "findings.jsonl"
    summary = extract_file(mixed_reports_jsonl, output)
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["report_id"] for line in lines] == [r["report_id"] for r in GOOD_REPORTS]
    extractor = RuleExtractor()
    for line, record in zip(lines, GOOD_REPORTS, strict=True):
        assert line["findings"] == [
            f.model_dump(mode="json") for f in extractor.extract(record["text"])
        ]
    assert summary.reports == 5 and summary.quarantined == 4
    refused = [
        json.loads(line)
        for line in (tmp_path / "out" / "findings.jsonl.quarantine.jsonl").read_text().splitlines()
    ]
    assert [r["location"] for r in refused] == ["line 3", "line 5", "line 6", "line 7"]
    assert all(r["stage"] == "extract" and r["reason"] for r in refused)


def test_workers_change_speed_not_output(tmp_path):
    records = [dict(r, report_id=f"{r['report_id']}-{n}") for n in range(30) for r in GOOD_REPORTS]
    source = tmp_path / "reports.jsonl"
    write_jsonl(source, records)
    extract_file(source, tmp_path / "one.jsonl", workers=1)
    extract_file(source, tmp_path / "two.jsonl", workers=2)
    assert (tmp_path / "one.jsonl").read_text() == (tmp_path / "two.jsonl").read_text()
    assert len((tmp_path / "two.jsonl").read_text().splitlines()) == 150
