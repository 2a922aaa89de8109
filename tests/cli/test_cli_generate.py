"""`qaforge generate` and `qaforge stats` as a user runs them."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.resources import resource_dir

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def prepared(mixed_reports_jsonl) -> None:
    for args in (("init",), ("ingest", "reports", str(mixed_reports_jsonl)), ("extract",)):
        result = run(*args)
        assert result.exit_code == 0, result.output


def test_generate_prints_tables_per_tier_and_stats_shows_answers(mixed_reports_jsonl, tmp_path):
    prepared(mixed_reports_jsonl)
    result = run("generate", "--no-require-series", "--majority-cap", "1")
    assert result.exit_code == 0, result.output
    assert "image understanding:" in result.output and "report generation:" in result.output
    assert "lge_presence" in result.output
    assert "0 capped at 100%" in result.output and "0 retired" in result.output

    again = run("generate", "--no-require-series", "--majority-cap", "1")
    assert again.exit_code == 0 and "(0 new," in again.output

    stats = run("stats", "--json", "stats.json")
    assert stats.exit_code == 0, stats.output
    assert "answers of active items:" in stats.output
    payload = {
        entry["subtask"]: entry for entry in json.loads((tmp_path / "stats.json").read_text())
    }
    assert payload["lge_presence"]["answers"] and payload["lge_presence"]["statuses"]["active"] >= 1
    assert sum(payload["lge_presence"]["letter_positions"].values()) == sum(
        payload["lge_presence"]["answers"].values()
    )


def test_without_series_in_the_database_nothing_is_asked(mixed_reports_jsonl):
    prepared(mixed_reports_jsonl)
    result = run("generate")
    assert result.exit_code == 0, result.output
    assert "0 active items" in result.output and "no_series" in result.output


def test_generate_before_extract_is_a_one_line_error():
    assert run("init").exit_code == 0
    result = run("generate")
    assert result.exit_code == 2
    assert "E502" in result.output and "qaforge extract" in result.output
    assert "Traceback" not in result.output


def test_a_broken_catalogue_is_refused_before_anything_is_written(mixed_reports_jsonl, tmp_path):
    prepared(mixed_reports_jsonl)
    data = yaml.safe_load((resource_dir("templates") / "catalogue.yaml").read_text())
    data["subtasks"][0]["questions"] = ["What is {{ answer }}?"]
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(data))
    result = run("generate", "--catalogue", "mine.yaml")
    assert result.exit_code == 2
    assert "E501" in result.output and "'answer' is undefined" in result.output
    assert "Traceback" not in result.output
    assert "no QA items yet" in run("stats").output


def test_stats_on_an_empty_database_says_what_to_do():
    assert run("init").exit_code == 0
    result = run("stats")
    assert result.exit_code == 0 and "run `qaforge generate`" in result.output
