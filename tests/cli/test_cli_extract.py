"""`qaforge extract` and `qaforge score-extraction` as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from qaforge.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_stateless_extract_reports_counts_and_quarantine(mixed_reports_jsonl, tmp_path):
    result = run("extract", "--input", str(mixed_reports_jsonl), "--output", "findings.jsonl")
    assert result.exit_code == 0, result.output
    assert "5 reports" in result.output and "4 rows quarantined" in result.output
    assert "line 3" in result.output
    assert len((tmp_path / "findings.jsonl").read_text().splitlines()) == 5
    assert not (tmp_path / "qaforge.db").exists()  # stateless: no database touched


def test_input_without_output_is_a_one_line_error(mixed_reports_jsonl):
    result = run("extract", "--input", str(mixed_reports_jsonl))
    assert result.exit_code != 0
    assert "--input and --output go together" in result.output
    assert "Traceback" not in result.output


def test_missing_input_file_is_a_clear_error(tmp_path):
    result = run("extract", "--input", "nope.jsonl", "--output", "out.jsonl")
    assert result.exit_code != 0
    assert "nope.jsonl" in result.output and "Traceback" not in result.output


def test_extract_on_the_database_then_again(mixed_reports_jsonl):
    run("init")
    run("ingest", "reports", str(mixed_reports_jsonl))
    first = run("extract")
    assert first.exit_code == 0, first.output
    assert "5 report versions read" in first.output and "cine.lvef" in first.output
    again = run("extract")
    assert again.exit_code == 0
    assert "0 report versions read, 5 already read, 0 findings stored" in again.output


def test_extract_refuses_an_uninitialised_database():
    result = run("extract")
    assert result.exit_code != 0 and "qaforge init" in result.output


def test_score_extraction_of_findings_against_themselves(mixed_reports_jsonl, tmp_path):
    run("extract", "--input", str(mixed_reports_jsonl), "--output", "findings.jsonl")
    result = run(
        "score-extraction",
        "--gold",
        "findings.jsonl",
        "--pred",
        "findings.jsonl",
        "--json",
        "s.json",
    )
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["values"]["micro"]["f1"] == 1.0
    assert scores["certainty"]["agreement"] == 1.0
    assert "micro (code, value)" in result.output


def test_score_extraction_counts_misses(tmp_path):
    finding = {
        "code": "lge.presence",
        "value": "absent",
        "levels": [],
        "walls": [],
        "segments": [],
        "certainty": "definite",
        "evidence": {"start": 0, "end": 7, "text": "No LGE."},
        "extractor": "gold",
    }
    (tmp_path / "gold.jsonl").write_text(
        json.dumps({"report_id": "a", "findings": [finding]}) + "\n"
    )
    (tmp_path / "pred.jsonl").write_text(
        json.dumps({"report_id": "a", "findings": []}) + "\nnot json\n"
    )
    result = run(
        "score-extraction", "--gold", "gold.jsonl", "--pred", "pred.jsonl", "--json", "s.json"
    )
    assert result.exit_code == 0, result.output
    assert "pred line 2 skipped" in result.output
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["values"]["micro"]["fn"] == 1 and scores["values"]["micro"]["recall"] == 0.0
