"""Benchmark: QA items per second from 50,000 reports' findings.

The findings are the rule extractor's findings of the 30 sample reports,
repeated under distinct study ids (so every item has its own id, seed and
letters). Three figures, measured in the same run:

- generation alone (catalogue, answers, options, ids), no database;
- the baseline: the least any content-addressed item costs, one JSON
  encoding and one SHA-256 per item of the same count;
- ``generate_database`` end to end into a fresh SQLite file (fewer reports,
  ``--generate-db-reports``), which adds reading findings and writing items.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from benchmarks.common import print_side_by_side, timed
from qaforge.domain.qa import GenerationConfig, SourcedFinding, StudyFindings
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.generate.catalogue import load_catalogue
from qaforge.generate.items import generate_study_items
from qaforge.generate.letters import LetterPlanner
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports
from qaforge.sample.cases import SAMPLE_CASES
from qaforge.store.engine import create_store_engine
from qaforge.store.extraction import (
    ensure_extraction_run,
    finish_extraction_run,
    pending_reports,
    store_extracted_batch,
)
from qaforge.store.schema import upgrade_database

CONFIG = GenerationConfig(require_series=False)


def studies(count: int, findings_per_case) -> list[StudyFindings]:
    return [
        StudyFindings(
            study_id=f"B{number:07d}",
            findings=tuple(
                SourcedFinding(
                    finding_id=f"{number}-{index}", report_version_id=number, finding=item
                )
                for index, item in enumerate(findings_per_case[number % len(findings_per_case)])
            ),
        )
        for number in range(count)
    ]


def generate_all(catalogue, batch: list[StudyFindings]) -> int:
    letters = LetterPlanner()
    return sum(
        len(
            generate_study_items(
                one, catalogue, CONFIG, extraction_run_id="bench", letters=letters
            ).items
        )
        for one in batch
    )


def hash_only(count: int) -> int:
    for number in range(count):
        record = json.dumps(
            [
                "subtask",
                1,
                f"B{number:07d}",
                [["lge.presence", "present"]],
                "question?",
                [["A", "Yes"], ["B", "No"]],
                "A",
            ]
        )
        hashlib.sha256(record.encode()).hexdigest()
    return count


def database_run(catalogue_findings, reports: int) -> tuple[object, int]:
    """Ingest ``reports`` sample texts, store their findings as one run, time generate."""
    folder = Path(tempfile.mkdtemp(prefix="qaforge-bench-"))
    engine = create_store_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade_database(engine)
    source = folder / "reports.jsonl"
    with source.open("w") as handle:
        for number in range(reports):
            case = SAMPLE_CASES[number % len(SAMPLE_CASES)]
            handle.write(
                json.dumps(
                    {
                        "report_id": f"R{number}",
                        "patient_id": f"P{number}",
                        "study_id": f"B{number:07d}",
                        "text": case.text,
                    }
                )
                + "\n"
            )
    ingest_reports(engine, source)
    run_id = "bench-run"
    with engine.begin() as connection:
        ensure_extraction_run(
            connection, run_id=run_id, extractor="rules", version="bench", config_hash="0" * 64
        )
    after = 0
    while True:
        with engine.connect() as connection:
            batch = pending_reports(connection, run_id=run_id, after_id=after, limit=2000)
        if not batch:
            break
        results = [
            (
                item.report_version_id,
                catalogue_findings[int(item.report_id[1:]) % len(SAMPLE_CASES)],
            )
            for item in batch
        ]
        with engine.begin() as connection:
            store_extracted_batch(connection, run_id=run_id, results=results)
        after = batch[-1].report_version_id
    with engine.begin() as connection:
        finish_extraction_run(connection, run_id=run_id, status="done")
    measurement, summary = timed(
        "generate_database (SQLite)",
        0,
        lambda: generate_database(engine, config=CONFIG, batch_size=500),
    )
    engine.dispose()
    return measurement, sum(subtask.arisen for subtask in summary.subtasks.values())


def run(reports: int = 50_000, database_reports: int = 5_000) -> None:
    extractor = RuleExtractor()
    findings_per_case = [tuple(extractor.extract(case.text)) for case in SAMPLE_CASES]
    catalogue = load_catalogue()
    batch = studies(reports, findings_per_case)
    generated, items = timed("qaforge generation", 0, lambda: generate_all(catalogue, batch))
    generated = type(generated)(generated.name, items, generated.seconds)
    baseline, _ = timed("json + sha256 per item", items, lambda: hash_only(items))
    print(f"\n{reports:,} reports' findings -> {items:,} items ({items / reports:.1f} per report)")
    print_side_by_side("item generation vs the hashing floor", "items", generated, baseline)
    measurement, db_items = database_run(findings_per_case, database_reports)
    measurement = type(measurement)(measurement.name, db_items, measurement.seconds)
    print_side_by_side(
        f"generate_database on {database_reports:,} reports vs generation alone",
        "items",
        measurement,
        generated,
    )
