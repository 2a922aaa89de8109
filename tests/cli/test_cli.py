"""The command line as a user meets it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_help_lists_the_stages():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("init", "ingest", "status", "demo", "demo-data", "quarantine"):
        assert command in result.output
    assert "reports" in run("ingest", "--help").output


def test_init_then_init_again(tmp_path):
    first = run("init")
    assert first.exit_code == 0, first.output
    assert "created qaforge schema" in first.output
    assert (tmp_path / "qaforge.db").exists()
    again = run("init")
    assert again.exit_code == 0 and "up to date" in again.output


def test_ingest_reports_says_what_it_stored_and_refused(mixed_reports_jsonl):
    run("init")
    result = run("ingest", "reports", str(mixed_reports_jsonl))
    assert result.exit_code == 0, result.output
    assert "9 rows read" in result.output
    assert "5 new, 0 new versions, 0 unchanged, 4 quarantined" in result.output
    for line in ("line 3", "line 5", "line 6", "line 7"):
        assert line in result.output
    again = run("ingest", "reports", str(mixed_reports_jsonl))
    assert "0 new, 0 new versions, 5 unchanged, 4 quarantined" in again.output
    listing = run("quarantine", "--stage", "ingest_reports")
    assert listing.exit_code == 0
    assert "duplicate report_id" in listing.output


def test_a_file_with_no_valid_row_exits_1(tmp_path):
    run("init")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"report_id": "R1", "text": ""}) + "\n")
    result = run("ingest", "reports", str(path))
    assert result.exit_code == 1
    assert "1 quarantined" in result.output


@pytest.mark.parametrize(
    "setup, args, code",
    [
        ("init", ("ingest", "reports", "nowhere.jsonl"), "E101"),
        (None, ("--db", "mysql://x/y", "status"), "E002"),
        ("empty file", ("status",), "E304"),
        (None, ("status",), "E306"),
    ],
)
def test_user_errors_are_one_line_without_traceback(tmp_path, setup, args, code):
    if setup == "init":
        assert run("init").exit_code == 0
    elif setup == "empty file":
        (tmp_path / "qaforge.db").touch()
    result = run(*args)
    assert result.exit_code == 2
    assert f"error {code}" in result.output
    assert "hint:" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_db_option_and_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere.db"
    assert run("--db", f"sqlite:///{target}", "init").exit_code == 0
    assert target.exists()
    monkeypatch.setenv("QAFORGE_DATABASE_URL", f"sqlite:///{target}")
    status = run("status")
    assert status.exit_code == 0, status.output
    assert "report_versions" in status.output
    assert not (tmp_path / "qaforge.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("ingest", "reports", "reports.jsonl"),
        ("generate",),
        ("export", "out"),
        ("export", "out", "--format", "lmms-eval"),
        ("annotate", "status"),
    ],
)
def test_a_mistyped_sqlite_path_is_an_error_and_creates_nothing(tmp_path, args):
    (tmp_path / "reports.jsonl").write_text("")
    typo = tmp_path / "qaforeg.db"
    result = run("--db", f"sqlite:///{typo}", *args)
    assert result.exit_code == 2, result.output
    assert "error E306" in result.output and str(typo) in result.output
    # The hint's command names the same database, so it creates the file meant.
    assert f"qaforge --db sqlite:///{typo} init" in result.output
    assert not typo.exists() and not (tmp_path / "qaforge.db").exists()


def test_hints_carry_the_db_option_they_need(tmp_path):
    target = tmp_path / "empty.db"
    target.touch()
    result = run("--db", f"sqlite:///{target}", "status")
    assert "error E304" in result.output
    assert f"`qaforge --db sqlite:///{target} init`" in result.output


def test_serve_suggests_a_push_on_a_database_push_can_open(tmp_path):
    from qaforge.cli.annotate import push_hint
    from qaforge.cli.context import AppState

    given = push_hint(AppState(db_option=f"sqlite:///{tmp_path}/demo/qaforge.db"))
    assert given == f"qaforge --db sqlite:///{tmp_path}/demo/qaforge.db annotate push"
    # No --db and no qaforge.db here (the demo's lies in its own folder): a placeholder.
    assert "--db sqlite:///PATH/TO/qaforge.db" in push_hint(AppState())
    (tmp_path / "qaforge.db").touch()
    assert push_hint(AppState()) == "qaforge annotate push"
