"""A run killed before it could finish is shown as interrupted and closed by the next run of its stage."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import insert, select

from qaforge.libs.processes import this_host
from qaforge.pipeline.ingest import ingest_reports
from qaforge.pipeline.status import database_status
from qaforge.store.models import IngestRun


def ended_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_running(engine, *, stage: str, pid: int | None, host: str | None) -> int:
    """A ``running`` row as a killed run leaves it."""
    with engine.begin() as connection:
        result = connection.execute(
            insert(IngestRun).values(
                stage=stage, source="killed.jsonl", counts={}, status="running", pid=pid, host=host
            )
        )
    return int(result.inserted_primary_key[0])


def stored_status(engine, run_id: int) -> str:
    with engine.connect() as connection:
        return connection.execute(select(IngestRun.status).where(IngestRun.id == run_id)).scalar()


def test_the_next_run_of_the_stage_closes_killed_runs_only(engine, tmp_path):
    killed = left_running(engine, stage="ingest_reports", pid=ended_pid(), host=this_host())
    legacy = left_running(engine, stage="ingest_reports", pid=None, host=None)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            going = left_running(engine, stage="ingest_reports", pid=alive.pid, host=this_host())
            elsewhere = left_running(engine, stage="ingest_reports", pid=1, host="other-host")
            other_stage = left_running(
                engine, stage="ingest_series", pid=ended_pid(), host=this_host()
            )
            # status shows every run whose process is gone as interrupted, before any is closed
            statuses = [run.status for run in database_status(engine).runs]
            assert statuses.count("interrupted") == 3 and statuses.count("running") == 2

            reports = tmp_path / "reports.jsonl"
            record = {"report_id": "R1", "patient_id": "P1", "study_id": "S1", "text": "LVEF 60%."}
            reports.write_text(json.dumps(record) + "\n", encoding="utf-8")
            ingest_reports(engine, reports)
            assert stored_status(engine, killed) == "interrupted"
            assert stored_status(engine, legacy) == "interrupted"
            assert stored_status(engine, going) == "running"
            assert stored_status(engine, elsewhere) == "running"
            assert stored_status(engine, other_stage) == "running"
        finally:
            alive.kill()
