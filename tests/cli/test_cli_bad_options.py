"""Bad values for every kind of option: exit 2, no traceback, one error line, no report text.

Each case ran into a traceback, a multi-line dump, or a wrong exit before
issue 22 was fixed. Paths in the cases name a folder layout made once per
module (``{dir}``, ``{file}``, ...); the database is one ``init``-ed SQLite file.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app

runner = CliRunner()

PLANTED = "PLANTED-REPORT-TEXT-3141"
"""Report text in the input: no error output may quote it."""

HUGE = str(10**30)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> dict[str, str]:
    """One initialised database and the files and folders the cases name."""
    root = tmp_path_factory.mktemp("bad-options")
    (root / "folder").mkdir()
    (root / "series").mkdir()
    (root / "afile.txt").write_text("not a folder\n")
    record = {"report_id": "R1", "patient_id": "P1", "study_id": "S1", "text": PLANTED}
    (root / "reports.jsonl").write_text(json.dumps(record) + "\n")
    (root / "preds.jsonl").write_text('{"id": "x", "output": "A"}\n')
    db = f"sqlite:///{root / 'qaforge.db'}"
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    return {
        "db": db,
        "dir": str(root / "folder"),
        "series": str(root / "series"),
        "file": str(root / "afile.txt"),
        "reports": str(root / "reports.jsonl"),
        "preds": str(root / "preds.jsonl"),
    }


# (arguments, environment, what the output says): "E..." for our errors, else typer's refusal
CASES = [
    # database URLs naming a driver that is not installed, an unknown dialect, a port that is no number
    (["--db", "postgresql+psycopg2://u@127.0.0.1/x", "status"], {}, "E301"),
    (["--db", "sqlitex:///x.db", "status"], {}, "E301"),
    (["--db", "postgresql://:notaport/x", "status"], {}, "E301"),
    # input size limits from the environment
    (["ingest", "reports", "{reports}"], {"QAFORGE_MAX_REPORT_CHARS": "abc"}, "E002"),
    (["ingest", "reports", "{reports}"], {"QAFORGE_MAX_LINE_BYTES": "-5"}, "E002"),
    (
        ["extract", "--input", "{reports}", "--output", "{dir}/out.jsonl"],
        {"QAFORGE_MAX_JSON_DEPTH": "0"},
        "E002",
    ),
    (["ingest", "series", "{series}"], {"QAFORGE_MAX_VOXELS": "-1"}, "E002"),
    (["ingest", "series", "{series}"], {"QAFORGE_MAX_SIDECAR_BYTES": "abc"}, "E002"),
    # LLM settings that are infinite or empty
    (["extract", "--extractor", "llm"], {"QAFORGE_LLM_TIMEOUT_SECONDS": "inf"}, "E006"),
    (["extract", "--extractor", "llm"], {"QAFORGE_LLM_BACKOFF_SECONDS": "inf"}, "E006"),
    (["extract", "--extractor", "llm", "--model", ""], {}, "E006"),
    # a Label Studio setting: one line, not pydantic's dump
    (["annotate", "status", "--project", "p" * 40], {}, "E905"),
    # counts and choices
    (["quarantine", "--stage", "foo"], {}, "--stage"),
    (["quarantine", "--stage", ""], {}, "--stage"),
    (["quarantine", "--limit", "0"], {}, "--limit"),
    (["quarantine", "--limit", HUGE], {}, "--limit"),
    (["review-findings", "--limit", HUGE], {}, "--limit"),
    (["extract", "--workers", "100000"], {}, "--workers"),
    (["select", "--workers", "100000"], {}, "--workers"),
    (["demo-data", "{dir}/sample", "--seed", "-1"], {}, "--seed"),
    (
        ["evaluate", "--benchmark", "{dir}", "--predictions", "{preds}", "--seed", "-1"],
        {},
        "--seed",
    ),
    (["compare", "{preds}", "{preds}", "--benchmark", "{dir}", "--seed", "-1"], {}, "--seed"),
    # split ratios without a name, or a name twice
    (["split", "--ratio", "=1"], {}, "E701"),
    (["split", "--ratio", "train=0.5", "--ratio", "train=0.5"], {}, "E701"),
    # a file where a folder is written, or under a file
    (["demo-data", "{file}"], {}, "outdir"),
    (["demo-data", "{file}/sub"], {}, "outdir"),
    (["demo", "{file}"], {}, "outdir"),
    (["export", "{file}"], {}, "outdir"),
    (["export", "{file}", "--format", "vlmevalkit"], {}, "outdir"),
    (
        ["evaluate", "--benchmark", "{dir}", "--predictions", "{preds}", "--outdir", "{file}"],
        {},
        "--outdir",
    ),
    (["annotate", "serve", "--data-dir", "{file}"], {}, "--data-dir"),
    # a folder (or '', the working folder) where a file is written
    (["extract", "--input", "{reports}", "--output", "{dir}"], {}, "--output"),
    (["extract", "--input", "{reports}", "--output", ""], {}, "--output"),
    (["score-extraction", "--gold", "{file}", "--pred", "{file}", "--json", "{dir}"], {}, "--json"),
    (["stats", "--json", "{dir}"], {}, "--json"),
    (["stats", "--json", ""], {}, "--json"),
    (["check", "--json", "{dir}"], {}, "--json"),
    (["compare", "{preds}", "{preds}", "--benchmark", "{dir}", "--table", ""], {}, "--table"),
    (["baseline", "--benchmark", "{dir}", "--output", "{dir}"], {}, "--output"),
    (
        ["run-model", "--benchmark", "{dir}", "--base-url", "http://127.0.0.1:1/v1"]
        + ["--model", "m", "--output", "{dir}"],
        {},
        "--output",
    ),
    # '' as the export folder: no traceback (it names the working folder, which holds no export)
    (["evaluate", "--benchmark", "", "--predictions", "{preds}"], {}, "E801"),
]


def _run(place: dict[str, str], args: list[str], env: dict[str, str]):
    filled = [arg.format(**place) for arg in args]
    if filled[0] != "--db":
        filled = ["--db", place["db"], *filled]
    # no LLM key or Label Studio token from the machine running the tests
    clean = {name: None for name in os.environ if name.startswith("QAFORGE_")}
    return runner.invoke(app, filled, env={**clean, **env})


@pytest.mark.parametrize(
    "args, env, expected",
    CASES,
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_bad_value_is_refused_in_one_line(place, args, env, expected):
    result = _run(place, args, env)
    output = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    assert PLANTED not in output
    if expected.startswith("E"):
        lines = [line for line in output.splitlines() if line.strip()]
        assert lines[0].startswith(f"error {expected}: "), output
        assert len(lines) <= 2 and all(line.startswith("hint: ") for line in lines[1:]), output
    else:
        # typer's own refusal, in its usage box, naming the option
        assert "Invalid value" in output and expected in output, output


def test_a_bad_limit_names_its_variable(place):
    result = _run(place, ["ingest", "reports", "{reports}"], {"QAFORGE_MAX_JSON_DEPTH": "0"})
    # the variable is a field of both the report and the series limits: named once
    assert result.output.count("QAFORGE_MAX_JSON_DEPTH") == 1, result.output


@pytest.mark.parametrize("outdir", ["", ".", "..", "{root}"])
def test_export_refuses_a_folder_holding_the_working_folder(place, monkeypatch, outdir):
    """The export replaces its folder whole: the working folder (and the database in it) stays."""
    working = os.path.join(place["dir"], "work")
    os.makedirs(working, exist_ok=True)
    kept = os.path.join(working, "mine.txt")
    with open(kept, "w") as handle:
        handle.write("the user's own file\n")
    monkeypatch.chdir(working)
    root = os.path.dirname(place["dir"])

    result = _run(place, ["export", outdir.format(root=root), "--include-unverified"], {})

    assert result.exit_code == 2, result.output
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # the usage box unwrapped
    assert "Invalid value" in said and "holds the working folder" in said, result.output
    assert sorted(os.listdir(working)) == ["mine.txt"]
    assert os.path.exists(place["db"].removeprefix("sqlite:///"))
