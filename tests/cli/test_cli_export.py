"""`qaforge split`, `check` and `export` as a user runs them, on the sample."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from qaforge.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_split_check_export_on_the_demo_database(tmp_path):
    demo = run("demo", "demo-out")
    assert demo.exit_code == 0, demo.output
    db = ["--db", f"sqlite:///{tmp_path / 'demo-out' / 'qaforge.db'}"]
    split = run(*db, "split", "--ratio", "train=0.8", "--ratio", "test=0.2", "--stratify")
    assert split.exit_code == 0, split.output
    assert "train" in split.output and "test" in split.output and "validation" not in split.output

    check = run(*db, "check", "--json", "checks.json")
    assert check.exit_code == 0, check.output
    report = json.loads((tmp_path / "checks.json").read_text())
    assert report["items"] > 300 and set(report["checks"]) >= {"phi", "near_duplicate"}

    bench = run(*db, "export", "bench")
    assert bench.exit_code == 0, bench.output
    records = sum(
        len(p.read_text().splitlines()) for p in (tmp_path / "bench" / "data").glob("*.jsonl")
    )
    assert records > 300 and f"export: {records} records" in bench.output
    assert "Demo export: items were auto-accepted" in (tmp_path / "bench" / "README.md").read_text()

    pilot = run(*db, "export", "pilot", "--include-unverified")
    assert pilot.exit_code == 0, pilot.output
    assert (tmp_path / "pilot" / "README.md").exists()

    for harness, folder in (("vlmevalkit", "vlm"), ("lmms-eval", "lmms")):
        result = run(*db, "export", folder, "--format", harness)
        assert result.exit_code == 0, result.output
        assert f"export ({harness}): {records} records" in result.output
    tsv_rows = sum(len(pd.read_csv(p, sep="\t")) for p in (tmp_path / "vlm").glob("*.tsv"))
    parquet_rows = sum(
        len(pd.read_parquet(p)) for p in (tmp_path / "lmms" / "data").glob("*.parquet")
    )
    assert tsv_rows == parquet_rows == records
    assert {p.name for p in (tmp_path / "lmms").glob("*.yaml")} == {
        "qaforge_train.yaml",
        "qaforge_test.yaml",
    }
    bad = run(*db, "export", "x", "--format", "csv")
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "--format" in bad.output


def test_bad_split_options_are_one_line_errors(tmp_path):
    assert run("init").exit_code == 0
    bad = run("split", "--ratio", "train")
    assert bad.exit_code != 0 and "E701" in bad.output and "Traceback" not in bad.output
    missing = run("split", "--split-file", str(tmp_path / "nope.csv"))
    assert missing.exit_code != 0 and "E702" in missing.output
    corpus = run("check", "--reference", str(tmp_path / "nope.txt"))
    assert corpus.exit_code != 0 and "E703" in corpus.output
