"""Benchmark: `ingest reports` into SQLite against a bare sqlite3.executemany of the same rows.

qaforge validates every row (pydantic), versions texts, creates patients and
studies and records quarantine and runs; the baseline only inserts the parsed
rows into one table in one transaction. Both read the same JSONL file.

    .venv/bin/python benchmarks/run.py ingest-reports [--reports 100000]
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
from pathlib import Path

from benchmarks.common import print_side_by_side, timed
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.engine import create_store_engine
from qaforge.store.schema import upgrade_database

PHRASES = [
    "Normal LV size with preserved systolic function, LVEF {ef}%.",
    "Mildly dilated left ventricle with moderately impaired systolic function.",
    "No late gadolinium enhancement.",
    "Subendocardial LGE in the basal to mid inferior wall, consistent with prior infarction.",
    "Patchy midwall enhancement at the RV insertion points.",
    "Asymmetric septal hypertrophy, maximal wall thickness {mm} mm.",
    "No regional wall motion abnormality. No pericardial effusion.",
    "STIR imaging shows no myocardial oedema.",
    "Stress perfusion: no inducible perfusion defect.",
    "Impression: normal cardiac MRI.",
]


def write_reports(path: Path, count: int, seed: int = 0) -> None:
    """Write ``count`` synthetic report records as JSONL."""
    rng = random.Random(seed)
    with path.open("w") as handle:
        for n in range(count):
            sentences = rng.sample(PHRASES, k=rng.randint(3, 7))
            text = " ".join(
                s.format(ef=rng.randint(20, 70), mm=rng.randint(11, 30)) for s in sentences
            )
            record = {
                "report_id": f"R{n:07d}",
                "patient_id": f"P{n // 2:07d}",
                "study_id": f"S{n:07d}",
                "study_date": f"20{rng.randint(15, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "text": text,
            }
            handle.write(json.dumps(record) + "\n")


def baseline_executemany(path: Path, db: Path) -> int:
    """Parse the same file and insert its rows with sqlite3.executemany in one transaction."""
    connection = sqlite3.connect(db)
    connection.execute(
        "CREATE TABLE reports (report_id TEXT PRIMARY KEY, patient_id TEXT, study_id TEXT,"
        " study_date TEXT, accession TEXT, text TEXT)"
    )
    with path.open() as handle:
        rows = [
            (
                r["report_id"],
                r["patient_id"],
                r["study_id"],
                r.get("study_date"),
                r.get("accession"),
                r["text"],
            )
            for r in map(json.loads, handle)
        ]
    with connection:
        connection.executemany("INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.close()
    return len(rows)


def run(reports: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "reports.jsonl"
        write_reports(source, reports)
        engine = create_store_engine(f"sqlite:///{folder / 'qaforge.db'}")
        upgrade_database(engine)
        ours, summary = timed("qaforge ingest", reports, lambda: ingest_reports(engine, source))
        assert summary.new_reports == reports, summary
        again, rerun = timed(
            "qaforge re-ingest (no-op)", reports, lambda: ingest_reports(engine, source)
        )
        assert rerun.unchanged == reports
        base, inserted = timed(
            "sqlite3.executemany", reports, lambda: baseline_executemany(source, folder / "base.db")
        )
        assert inserted == reports
        engine.dispose()
    print_side_by_side(f"ingest {reports:,} reports into SQLite", "reports", ours, base)
    print(f"  re-ingest of the unchanged file: {again.rate:,.0f} reports/s ({again.seconds:.2f} s)")
