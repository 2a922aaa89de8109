"""The README's main command (`make demo` = `qaforge demo demo-out`), run as the quick start shows it."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from qaforge.cli.app import app


def test_demo_runs_end_to_end_and_again_without_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    runner = CliRunner()

    first = runner.invoke(app, ["demo", "demo-out"])
    assert first.exit_code == 0, first.output
    assert "30 new, 0 new versions, 0 unchanged, 0 quarantined" in first.output
    files = int(re.search(r"series: (\d+) files found", first.output).group(1))
    assert files > 150
    assert f"{files} new, 0 updated, 0 unchanged, 0 quarantined" in first.output
    assert (tmp_path / "demo-out" / "qaforge.db").exists()
    active = int(re.search(r"(\d+) active items \((\d+) new", first.output).group(1))
    assert active > 300
    for tier in ("image understanding", "report generation", "diagnosis"):
        assert re.search(rf"{tier}: [1-9]\d* active items", first.output), tier
    selected = re.search(r"(\d+) selections made \((\d+) not answerable", first.output)
    assert int(selected.group(1)) == active and selected.group(2) == "0"
    written = int(re.search(r"(\d+) files written", first.output).group(1))
    assert written > 100
    images = tmp_path / "demo-out" / "images"
    slices, sheets = list(images.rglob("*.png")), list(images.rglob("*.jpg"))
    assert slices and sheets and len(slices) + len(sheets) == written

    second = runner.invoke(app, ["demo", "demo-out"])
    assert second.exit_code == 0, second.output
    assert "0 new, 0 new versions, 30 unchanged, 0 quarantined" in second.output
    assert f"0 new, 0 updated, {files} unchanged, 0 quarantined" in second.output
    assert f"{active} active items (0 new," in second.output
    assert (
        f"0 selections made (0 not answerable from images, 0 with no readable series), {active} unchanged"
        in second.output
    )
    assert "0 files written" in second.output
    for step in ("split", "check", "auto-accept", "export", "evaluate"):
        assert step in first.output
    assert re.search(r"evaluate: \d+ items, accuracy 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]", first.output)
    export = tmp_path / "demo-out" / "export"
    for name in ("data/train.jsonl", "data/train.parquet", "manifest.json", "README.md"):
        assert (export / name).is_file(), name
    # The evaluation goes beside the export, never inside it.
    assert (tmp_path / "demo-out" / "evaluation" / "report.md").is_file()
    assert not (export / "evaluation").exists()
    assert any((export / "images").glob("*.png"))
    assert "demo_verified" in (export / "data" / "train.jsonl").read_text()
    assert "0 items marked demo_accept" in second.output
