"""Ctrl-C in a long command: one line, exit 130, whole batches kept, and a re-run resumes (issue 22)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

QAFORGE = [sys.executable, "-m", "qaforge"]
TEXT = "Mild LV dilatation with reduced systolic function. No late enhancement. Small effusion."


ENV = {name: value for name, value in os.environ.items() if name != "QAFORGE_DATABASE_URL"}


def qaforge(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*QAFORGE, *args], cwd=folder, env=ENV, capture_output=True, text=True, timeout=600
    )


def count(database: Path, table: str) -> int:
    try:
        with sqlite3.connect(database) as connection:
            return connection.execute(f"select count(*) from {table}").fetchone()[0]
    except sqlite3.OperationalError:  # the writer holds the file for a moment
        return 0


def test_ctrl_c_during_extract_is_one_line_and_the_rerun_ends_where_an_unbroken_run_does(
    tmp_path,
):
    reports = tmp_path / "reports.jsonl"
    rows = (
        {"report_id": f"R{i}", "patient_id": f"P{i}", "study_id": f"S{i}", "text": f"{TEXT} #{i}"}
        for i in range(8000)
    )
    reports.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    broken, unbroken = tmp_path / "broken", tmp_path / "unbroken"
    broken.mkdir()
    assert qaforge(broken, "init").returncode == 0
    assert qaforge(broken, "ingest", "reports", str(reports)).returncode == 0
    shutil.copytree(broken, unbroken)
    database = broken / "qaforge.db"

    running = subprocess.Popen(
        [*QAFORGE, "extract"],
        cwd=broken,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while count(database, "extracted_reports") == 0 and running.poll() is None:
        time.sleep(0.05)
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=600)
    kept = count(database, "extracted_reports")

    assert running.returncode == 130, err
    assert "Traceback" not in out + err and TEXT not in out + err
    assert [line for line in err.splitlines() if line.strip()] == [
        "interrupted: the batches committed so far are kept; run the same command again to resume"
    ]
    assert 0 < kept < 8000 and kept % 2000 == 0  # whole batches only
    assert qaforge(broken, "extract").returncode == 0
    assert qaforge(unbroken, "extract").returncode == 0
    assert count(database, "extracted_reports") == 8000
    assert count(database, "findings") == count(unbroken / "qaforge.db", "findings") > 0
