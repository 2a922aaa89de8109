"""A statement the database refuses never shows its values: they hold report text."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.store.engine import create_store_engine, database_failure
from qaforge.store.models.audit import QuarantineRow

PLANTED = "Zebrafinch-Quartermaine cardiomyopathy note"
"""Text standing in for a report: it must appear in no error."""


@pytest.fixture
def postgres_url(postgres_server):
    url = postgres_server.create(template=postgres_server.migrated_template())
    yield url
    postgres_server.drop(url)


def test_a_refused_statement_on_postgresql_shows_no_parameter(postgres_url):
    engine = create_store_engine(postgres_url)
    row = {
        "key": "0" * 64,
        "stage": "ingest_reports",
        "source": "reports.jsonl",
        "location": "line 1",
        "reason": "test",
        "raw": f"{PLANTED}\x00 and more",
    }
    try:
        with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
            connection.execute(insert(QuarantineRow), [row])
    finally:
        engine.dispose()
    assert PLANTED not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
    line = database_failure(caught.value)
    assert line is not None and PLANTED not in line and "NUL" in line


def test_database_failure_ignores_other_errors():
    assert database_failure(ValueError(PLANTED)) is None


def test_the_cli_prints_no_report_text_when_postgresql_refuses_it(postgres_url, tmp_path):
    reports = tmp_path / "reports.jsonl"
    record = {"report_id": "R1", "patient_id": "P1", "study_id": "S1", "text": f"{PLANTED}\x00"}
    reports.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", postgres_url, "ingest", "reports", str(reports)])
    assert PLANTED not in result.output
    assert "Traceback" not in result.output
    # A reader may quarantine the NUL byte first; else the database refuses the batch (E307).
    assert "quarantined" in result.output or (result.exit_code != 0 and "E307" in result.output), (
        result.output
    )
