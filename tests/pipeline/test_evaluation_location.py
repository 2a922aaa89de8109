"""Evaluation output goes beside the export, never inside it (where it would load as data)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.errors import QaforgeError
from qaforge.pipeline.evaluate import evaluate_benchmark, majority_baseline

runner = CliRunner()


@pytest.fixture(scope="module")
def predictions(small_export, tmp_path_factory):
    """The majority baseline's predictions, written outside the export."""
    path = tmp_path_factory.mktemp("preds") / "baseline.jsonl"
    majority_baseline(small_export.folder, path)
    return path


def test_the_default_report_goes_to_a_sibling_folder_and_the_export_is_unchanged(
    small_export, predictions
):
    before = sorted(p.relative_to(small_export.folder) for p in small_export.folder.rglob("*"))
    summary = evaluate_benchmark(small_export.folder, predictions)
    expected = small_export.folder.with_name("export-eval") / "baseline"
    assert summary.report == str(expected / "report.md")
    assert (expected / "evaluation.json").is_file()
    after = sorted(p.relative_to(small_export.folder) for p in small_export.folder.rglob("*"))
    assert after == before


@pytest.mark.parametrize("inside", [".", "evaluation", "data/deeper"])
def test_an_outdir_inside_the_export_is_e809_and_nothing_is_written(
    small_export, predictions, inside
):
    target = small_export.folder / inside
    existed = target.exists()
    with pytest.raises(QaforgeError) as caught:
        evaluate_benchmark(small_export.folder, predictions, target)
    assert caught.value.code == "E809" and "export-eval" in caught.value.hint
    assert target.exists() == existed


def test_the_cli_refuses_an_outdir_inside_the_export_with_a_one_line_error(
    small_export, predictions
):
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--benchmark",
            str(small_export.folder),
            "--predictions",
            str(predictions),
            "--outdir",
            str(small_export.folder / "evaluation"),
        ],
    )
    assert result.exit_code != 0
    assert "E809" in result.output and "Traceback" not in result.output
