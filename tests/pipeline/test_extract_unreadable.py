"""A report the rule extractor cannot read is quarantined; the others are extracted (issue 22).

Before the fix, a report over 1,000,000 characters (accepted by ingest with a
higher QAFORGE_MAX_REPORT_CHARS) stopped `extract` for the whole database with
spaCy's E088, on every run.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from qaforge.extract.rules.extractor import RuleExtractor, Unreadable
from qaforge.pipeline.extract import extract_database, extract_file
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.models import ExtractedReport, QuarantineRow

from ..conftest import GOOD_REPORTS  # noqa: TID252

MARKER = "Zebrafinch quartzlamp"


def long_report(chars: int) -> dict:
    sentence = f"{MARKER} normal LV size. "
    text = (sentence * (chars // len(sentence) + 1))[:chars]
    return {"report_id": "RBIG", "patient_id": "PB", "study_id": "SB", "text": text}


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_a_report_over_the_limit_is_quarantined_and_the_rest_extracted(
    engine, tmp_path, monkeypatch
):
    source = tmp_path / "reports.jsonl"
    write_jsonl(source, [*GOOD_REPORTS[:2], long_report(1_000_050), *GOOD_REPORTS[2:]])
    monkeypatch.setenv("QAFORGE_MAX_REPORT_CHARS", "2000000")
    assert ingest_reports(engine, source).new_reports == len(GOOD_REPORTS) + 1
    monkeypatch.delenv("QAFORGE_MAX_REPORT_CHARS")

    summary = extract_database(engine, batch_size=2)
    assert (summary.extracted, summary.quarantined) == (len(GOOD_REPORTS) + 1, 1)
    assert summary.findings == sum(len(RuleExtractor().extract(r["text"])) for r in GOOD_REPORTS)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                QuarantineRow.stage,
                QuarantineRow.location,
                QuarantineRow.record_key,
                QuarantineRow.reason,
                QuarantineRow.raw,
            )
        ).all()
        read = connection.execute(select(ExtractedReport.finding_count)).scalars().all()
    assert [(r.stage, r.location, r.record_key) for r in rows] == [
        ("extract", "report RBIG", "RBIG")
    ]
    assert "1000050 characters" in rows[0].reason and MARKER not in rows[0].reason
    assert rows[0].raw is None and len(read) == len(GOOD_REPORTS) + 1

    again = extract_database(engine)
    assert (again.extracted, again.quarantined, again.already_extracted) == (0, 0, len(read))


def test_the_ingest_limit_is_the_extractor_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("QAFORGE_MAX_REPORT_CHARS", "1500000")
    source = tmp_path / "reports.jsonl"
    write_jsonl(source, [long_report(1_000_050), GOOD_REPORTS[0]])
    output = tmp_path / "findings.jsonl"
    summary = extract_file(source, output)
    assert (summary.reports, summary.quarantined) == (2, 0)


def test_any_failure_of_one_text_is_caught_with_its_type_only():
    extractor = RuleExtractor(max_chars=100)
    extractor.nlp.max_length = 10  # spaCy itself now refuses (E088) what our check lets through
    results = list(extractor.extract_many(["LGE: none.", f"{MARKER} LVEF 61%.", "x" * 200]))
    assert [f.code for f in results[0]] == ["lge.presence"]
    assert results[1] == Unreadable(reason="extractor failed: ValueError")
    assert results[2].reason.startswith("text of 200 characters is over the limit of 100")
