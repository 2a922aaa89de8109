"""Doubtful findings on the database: `generate` holds them as review entries, not items.

Real SQLite and PostgreSQL (the ``engine`` fixture), the real rule
extractor, and the CLI as a user runs it. The reports are written for these
tests: S1 contradicts itself about LGE, S2 does not.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports
from qaforge.pipeline.review_findings import list_finding_reviews
from qaforge.store.models import QAItem

CONTRADICTING = (
    "The left ventricle is dilated. There is late gadolinium enhancement. "
    "No late gadolinium enhancement is seen."
)
REPORTS = [
    {"report_id": "R1", "patient_id": "P1", "study_id": "S1", "text": CONTRADICTING},
    {
        "report_id": "R2",
        "patient_id": "P2",
        "study_id": "S2",
        "text": "The left ventricle is dilated. No late gadolinium enhancement.",
    },
]
OPEN = GenerationConfig(require_series=False, majority_cap=1.0)


def prepared(engine, tmp_path, reports=REPORTS) -> None:
    source = tmp_path / "reports.jsonl"
    source.write_text("".join(json.dumps(report) + "\n" for report in reports))
    ingest_reports(engine, source)
    extract_database(engine)


def active_subtasks(engine, study_id: str) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                select(QAItem.subtask_id).where(
                    QAItem.study_id == study_id, QAItem.status == "active"
                )
            ).scalars()
        )


def test_a_contradicted_finding_goes_to_review_instead_of_into_an_item(engine, tmp_path):
    prepared(engine, tmp_path)
    summary = generate_database(engine, config=OPEN)

    assert summary.findings_held == 2 and summary.held_doubts == {"contradicted": 2}
    assert summary.subtasks["lge_presence"].skipped == {"in_review": 1}
    assert "lge_presence" not in active_subtasks(engine, "S1")
    assert "cine_lv_size" in active_subtasks(engine, "S1")
    assert {"lge_presence", "cine_lv_size"} <= active_subtasks(engine, "S2")

    reviews = list_finding_reviews(engine)
    assert reviews.run_id == summary.run_id and reviews.total == 2
    assert {(e.study_id, e.report_id, e.code) for e in reviews.entries} == {
        ("S1", "R1", "lge.presence")
    }
    assert {e.value for e in reviews.entries} == {"present", "absent"}
    for entry in reviews.entries:
        assert entry.doubts == ["contradicted"] and entry.confidence < OPEN.min_confidence
        assert "lge_presence" in entry.subtasks
        assert CONTRADICTING[entry.evidence_start : entry.evidence_end] == entry.evidence_text


def test_regenerating_rewrites_the_entries_of_the_study(engine, tmp_path):
    prepared(engine, tmp_path)
    generate_database(engine, config=OPEN)
    again = generate_database(engine, config=OPEN)
    assert again.findings_held == 2 and list_finding_reviews(engine).total == 2

    # With the threshold off only disputed findings are held: the entries go,
    # and the self-contradicting report makes an LGE item after all (the
    # catalogue lets "present" win), which is what holding it prevents.
    off = generate_database(engine, config=OPEN.model_copy(update={"min_confidence": 0.0}))
    assert off.findings_held == 0 and list_finding_reviews(engine).total == 0
    assert "lge_presence" in active_subtasks(engine, "S1")


def test_the_review_list_through_the_cli_shows_no_report_text(
    db_url, tmp_path, monkeypatch, engine
):
    prepared(engine, tmp_path)
    monkeypatch.setenv("QAFORGE_DATABASE_URL", db_url)
    runner = CliRunner()
    generated = runner.invoke(app, ["generate", "--no-require-series"])
    assert generated.exit_code == 0, generated.output
    assert "2 findings held for review" in generated.output
    assert "contradicted 2" in generated.output and "in_review 1" in generated.output

    listed = runner.invoke(app, ["review-findings", "--output", str(tmp_path / "review.jsonl")])
    assert listed.exit_code == 0, listed.output
    assert "lge.presence" in listed.output and "contradicted" in listed.output
    assert "2 of 2 entries shown" in listed.output
    assert "gadolinium" not in listed.output  # no report text on the terminal
    lines = (tmp_path / "review.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["evidence_text"] in CONTRADICTING for line in lines)

    limited = runner.invoke(app, ["review-findings", "--limit", "1"])
    assert limited.exit_code == 0 and "1 of 2 entries shown" in limited.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--run", "feedface"], "E503"),
        (["--output", "no/such/folder/review.jsonl"], "E520"),
    ],
)
def test_review_findings_errors_are_one_line(db_url, tmp_path, monkeypatch, engine, args, expected):
    prepared(engine, tmp_path)
    generate_database(engine, config=OPEN)
    monkeypatch.setenv("QAFORGE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["review-findings", *args])
    assert result.exit_code != 0
    assert expected in result.output and "Traceback" not in result.output
    assert "gadolinium" not in result.output


def test_review_findings_before_any_extraction_says_what_to_run(db_url, monkeypatch, engine):
    monkeypatch.setenv("QAFORGE_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["review-findings"])
    assert result.exit_code == 2 and "E502" in result.output
