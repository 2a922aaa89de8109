"""`ingest reports` through the pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.engine import create_store_engine
from qaforge.store.models import Patient, QuarantineRow, Report, ReportVersion, Study
from qaforge.store.reports import current_report_text
from qaforge.store.schema import upgrade_database

from ..conftest import GOOD_REPORTS  # noqa: TID252


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_five_good_four_bad_then_rerun_adds_nothing(engine, mixed_reports_jsonl):
    first = ingest_reports(engine, mixed_reports_jsonl)
    assert (first.rows, first.new_reports, first.quarantined) == (9, 5, 4)
    assert count(engine, Report) == 5
    assert count(engine, ReportVersion) == 5
    assert count(engine, Patient) == 4  # R2 and R3 share P2
    assert count(engine, Study) == 5
    with engine.connect() as connection:
        refused = {row.location: row.reason for row in connection.execute(select(QuarantineRow))}
    assert set(refused) == {"line 3", "line 5", "line 6", "line 7"}
    assert "missing report_id" in refused["line 3"]

    second = ingest_reports(engine, mixed_reports_jsonl)
    assert (second.new_reports, second.new_versions, second.unchanged) == (0, 0, 5)
    assert second.quarantined == 4
    assert count(engine, Report) == 5
    assert count(engine, ReportVersion) == 5
    assert count(engine, QuarantineRow) == 4


def test_changed_text_is_a_new_version_and_the_old_one_stays(engine, tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GOOD_REPORTS))
    ingest_reports(engine, path)
    edited = [dict(r) for r in GOOD_REPORTS]
    edited[1]["text"] = "Dilated LV, LVEF 25 %. Midwall septal LGE. Addendum: no thrombus."
    path.write_text("".join(json.dumps(r) + "\n" for r in edited))

    summary = ingest_reports(engine, path)

    assert (summary.new_reports, summary.new_versions, summary.unchanged) == (0, 1, 4)
    with engine.connect() as connection:
        assert current_report_text(connection, report_id="R2") == (2, edited[1]["text"])
        texts = connection.scalars(
            select(ReportVersion.text)
            .where(ReportVersion.report_id == "R2")
            .order_by(ReportVersion.version)
        ).all()
    assert texts == [GOOD_REPORTS[1]["text"], edited[1]["text"]]


def test_rows_that_move_a_study_or_report_are_quarantined(engine, tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GOOD_REPORTS))
    ingest_reports(engine, path)
    moved = [
        {
            "report_id": "R9",
            "patient_id": "P4",
            "study_id": "S1",
            "text": "Study S1 claimed by P4.",
        },
        {"report_id": "R1", "patient_id": "P4", "study_id": "S5", "text": "R1 moved to S5."},
    ]
    other = tmp_path / "more.jsonl"
    other.write_text("".join(json.dumps(r) + "\n" for r in moved))

    summary = ingest_reports(engine, other)

    assert summary.quarantined == 2 and summary.valid == 0
    reasons = [e.reason for e in summary.examples]
    assert "study 'S1' belongs to patient 'P1'" in reasons[0]
    assert "report 'R1' is stored for study 'S1'" in reasons[1]
    assert count(engine, Report) == 5


def test_a_killed_run_leaves_whole_batches_and_the_rerun_completes(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = create_store_engine(url)
    upgrade_database(engine)
    total, batch = 60_000, 500
    path = tmp_path / "many.jsonl"
    with path.open("w") as handle:
        for n in range(total):
            record = {"report_id": f"R{n}", "patient_id": f"P{n // 2}", "study_id": f"S{n}"}
            record["text"] = f"Report {n}: normal biventricular size and function. No LGE."
            handle.write(json.dumps(record) + "\n")
    env = {**os.environ, "QAFORGE_BATCH_SIZE": str(batch)}
    process = subprocess.Popen(
        [sys.executable, "-m", "qaforge", "--db", url, "ingest", "reports", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stored_at_kill = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        stored_at_kill = count(engine, Report)
        if stored_at_kill >= 5 * batch:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    reports, versions = count(engine, Report), count(engine, ReportVersion)
    assert 0 < reports < total
    assert reports == versions, "a report without its text (or the reverse) survived the kill"
    assert reports % batch == 0, "a batch was half written"

    summary = ingest_reports(engine, path, batch_size=batch)
    assert summary.unchanged == reports
    assert summary.new_reports == total - reports
    assert count(engine, Report) == count(engine, ReportVersion) == total
    engine.dispose()
