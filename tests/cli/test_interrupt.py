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

from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.sample.writer import write_sample_data
from qaforge.store.engine import create_store_engine
from qaforge.store.schema import upgrade_database

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


def worker_count(pid: int) -> int:
    """Child processes of ``pid`` (the select workers, once the pool has started)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return len(children.read_text().split())
    except OSError:
        return 0


def test_ctrl_c_to_the_process_group_during_select_with_workers_is_one_line(tmp_path):
    """A terminal's Ctrl-C reaches every process of the group: the workers must stay quiet.

    Before the workers ignored SIGINT, each printed its own KeyboardInterrupt
    traceback under the parent's line.
    """
    data = tmp_path / "sample"
    write_sample_data(data)
    database = tmp_path / "qaforge.db"
    engine = create_store_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    ingest_reports(engine, data / "reports.jsonl")
    ingest_series(engine, data / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    engine.dispose()
    images = tmp_path / "images"

    running = subprocess.Popen(
        [*QAFORGE, "select", "--workers", "2", "--images-dir", str(images)],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    while running.poll() is None and not (
        worker_count(running.pid) >= 2 and images.exists() and any(images.rglob("*.png"))
    ):
        time.sleep(0.05)
    os.killpg(running.pid, signal.SIGINT)
    out, err = running.communicate(timeout=600)

    assert running.returncode == 130, err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err
    assert [line for line in err.splitlines() if line.strip()] == [
        "interrupted: the batches committed so far are kept; run the same command again to resume"
    ]
    again = subprocess.run(
        [*QAFORGE, "select", "--workers", "2", "--images-dir", str(images)],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert count(database, "image_selections") > 0
