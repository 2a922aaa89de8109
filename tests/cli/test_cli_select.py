"""`qaforge select` as a user runs it."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from qaforge.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def prepared(tmp_path) -> None:
    """The sample through generate, in the working folder's default database."""
    for args in (
        ("demo-data", str(tmp_path / "sample")),
        ("init",),
        ("ingest", "reports", str(tmp_path / "sample" / "reports.jsonl")),
        ("ingest", "series", str(tmp_path / "sample" / "series")),
        ("extract",),
        ("generate",),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output


def test_select_reports_counts_and_unreadable_series_then_resumes(tmp_path):
    prepared(tmp_path)
    victim = tmp_path / "sample" / "series" / "STU-0004" / "lge_sax.nii.gz"
    assert victim.exists()
    victim.write_bytes(b"\x1f\x8b" + b"\0" * 40)

    first = run("select", "--protocol", "random", "--budget", "4", "--workers", "1")
    assert first.exit_code == 0, first.output
    made = int(re.search(r"(\d+) selections made", first.output).group(1))
    assert made > 300
    assert f"unreadable series {victim}" in first.output
    assert "1 unreadable series quarantined (see 'qaforge quarantine --stage select')" in " ".join(
        first.output.split()
    )
    assert (tmp_path / "images").is_dir()

    quarantine = run("quarantine", "--stage", "select")
    assert quarantine.exit_code == 0 and "quarantine (1 shown)" in quarantine.output
    assert "STU-0004" in quarantine.output

    status = run("status")
    assert status.exit_code == 0 and "image selections of active items" in status.output
    assert re.search(r"random\s+│\s+4 │ unreadable │\s+[1-9]", status.output)
    assert re.search(r"select\s+│\s+\d+ images │\s+1 │", status.output)

    again = run("select", "--protocol", "random", "--budget", "4", "--workers", "1")
    assert again.exit_code == 0, again.output
    retried = int(re.search(r"(\d+) with no readable series", first.output).group(1))
    assert retried > 0 and f"unreadable series {victim}" in again.output
    assert f"{retried} selections made" in again.output
    assert f"{made - retried} unchanged" in again.output and "0 files written" in again.output


def test_bad_protocol_and_budget_exit_non_zero_with_one_line_and_no_traceback(tmp_path):
    assert run("init").exit_code == 0
    bad_protocol = run("select", "--protocol", "best")
    assert bad_protocol.exit_code != 0
    assert "E602" in bad_protocol.output and "random, clinical, data-driven" in bad_protocol.output
    bad_budget = run("select", "--budget", "0")
    assert bad_budget.exit_code != 0 and "E603" in bad_budget.output
    for result in (bad_protocol, bad_budget):
        assert "Traceback" not in result.output


def test_select_without_a_database_says_to_run_init(tmp_path):
    result = run("select")
    assert result.exit_code != 0 and "qaforge init" in result.output
    assert "Traceback" not in result.output


def test_help_explains_protocols_and_budget():
    result = run("select", "--help")
    assert result.exit_code == 0
    for word in ("--protocol", "--budget", "--images-dir", "--size", "clinical", "data-driven"):
        assert word in result.output
