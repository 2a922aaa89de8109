"""run-model against a loopback multimodal server, then evaluate; --split; unknown ids; compare; the baseline."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from scipy.stats import binomtest
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.pipeline.evaluate import (
    evaluate_benchmark,
    item_messages,
    majority_baseline,
    run_model,
)
from qaforge.settings import LLMSettings
from qaforge.testing.fake_llm_server import FakeLLMServer, report_key

runner = CliRunner()


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory):
    """The demo's export folder (sample data through the whole pipeline)."""
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["--db", f"sqlite:///{out / 'q.db'}", "demo", str(out)])
    assert result.exit_code == 0, result.output
    return out / "export"


def records(benchmark, split="test"):
    return [
        record
        for path in sorted((benchmark / "data").glob("*.jsonl"))
        for record in map(json.loads, path.read_text().splitlines())
        if split == "all" or record["split"] == split
    ]


def write_predictions(path, outputs):
    path.write_text("".join(json.dumps({"id": i, "output": o}) + "\n" for i, o in outputs.items()))
    return path


def answers_b(record):
    return record["answer"] in ("B", ["B"])


def test_run_model_sends_images_and_its_answers_score(benchmark, tmp_path):
    items = records(benchmark)  # run-model asks about the test split by default
    first = items[0]

    def text_of(record):
        return item_messages(benchmark, record, "plain")[1]["content"][0]["text"]

    script = {report_key(text_of(first)): [{"kind": "status", "status": 500}]}
    failing = {r["id"] for r in items if text_of(r) == text_of(first)}  # the server keys by text
    with FakeLLMServer(script, default={"kind": "answer", "content": "Answer: B"}) as server:
        settings = LLMSettings(
            base_url=server.base_url, model="vision", concurrency=16, max_retries=0
        )
        output = tmp_path / "preds.jsonl"
        summary = run_model(benchmark, output, settings)
        stats = server.stats()
    assert summary.items == len(items) and summary.failed == len(failing)
    assert summary.answered == len(items) - len(failing)
    with_images = sum(n for count, n in stats["images"].items() if int(count) > 0)
    assert with_images == stats["total"] == len(items)
    assert max(int(count) for count in stats["images"]) <= 16
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(lines) == len(items)
    outputs = {line["id"]: line["output"] for line in lines}
    assert {i for i, text in outputs.items() if text == ""} == failing

    evaluation = evaluate_benchmark(benchmark, output, tmp_path / "eval")
    choice = [r for r in items if r["answer_type"] != "open_text"]
    expected = sum(1 for r in choice if r["id"] not in failing and answers_b(r)) / len(choice)
    assert evaluation.result["summary"]["accuracy"]["value"] == pytest.approx(expected, abs=1e-4)
    assert (tmp_path / "eval" / "report.md").is_file() and (
        tmp_path / "eval" / "evaluation.json"
    ).is_file()
    assert any((tmp_path / "eval" / "confusion").glob("*.png"))

    with FakeLLMServer(default={"kind": "answer", "content": "Answer: B"}) as server:
        healed = LLMSettings(
            base_url=server.base_url, model="vision", concurrency=16, max_retries=0
        )
        again = run_model(benchmark, output, healed)
        assert server.stats()["total"] == len(failing)  # only the failed items are asked again
    assert again.from_cache == len(items) - len(failing) and again.failed == 0


def test_the_majority_baseline_answers_the_commonest_training_answer(benchmark, tmp_path):
    output = tmp_path / "baseline.jsonl"
    assert majority_baseline(benchmark, output) == len(records(benchmark))
    result = evaluate_benchmark(benchmark, output, tmp_path / "eval").result
    assert result["summary"]["unparseable"] == result["summary"]["missing_predictions"] == 0
    assert 0.2 < result["summary"]["accuracy"]["value"] < 0.8
    everything = tmp_path / "baseline-all.jsonl"
    assert majority_baseline(benchmark, everything, split="all") == len(records(benchmark, "all"))


def test_bad_prediction_lines_are_refused_and_the_rest_scored(benchmark, tmp_path):
    items = records(benchmark)  # the test split, scored by default
    path = tmp_path / "preds.jsonl"
    path.write_text(
        "not json\n"
        + json.dumps({"output": "B"})
        + "\n"
        + json.dumps({"id": "unknown-item", "output": "B"})
        + "\n"
        + json.dumps({"id": items[0]["id"], "output": "B"})
        + "\n"
    )
    result = runner.invoke(
        app, ["evaluate", "--benchmark", str(benchmark), "--predictions", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "2 prediction lines refused" in result.output
    assert f"{len(items) - 1} without a prediction" in result.output
    assert "1 prediction lines for ids outside split 'test'" in result.output
    assert "unknown-item" in result.output


def test_test_only_predictions_score_the_test_split_not_every_item(benchmark, tmp_path):
    test_items = [r for r in records(benchmark) if r["answer_type"] != "open_text"]
    path = write_predictions(tmp_path / "p.jsonl", {r["id"]: "B" for r in test_items})
    expected = sum(map(answers_b, test_items)) / len(test_items)
    on_test = evaluate_benchmark(benchmark, path, tmp_path / "test").result["summary"]
    assert on_test["accuracy"]["value"] == pytest.approx(expected, abs=1e-4)
    assert on_test["missing_predictions"] == len(records(benchmark)) - len(test_items)  # open
    assert on_test["unparseable"] == 0 and on_test["unknown_ids"] == 0
    every = evaluate_benchmark(benchmark, path, tmp_path / "all", split="all").result["summary"]
    all_choice = [r for r in records(benchmark, "all") if r["answer_type"] != "open_text"]
    assert every["accuracy"]["value"] == pytest.approx(
        sum(map(answers_b, test_items)) / len(all_choice), abs=1e-4
    )
    assert every["missing_predictions"] == len(records(benchmark, "all")) - len(test_items)


def test_predictions_with_only_unknown_ids_exit_non_zero_and_say_so(benchmark, tmp_path):
    train_ids = [r["id"] for r in records(benchmark, "train")][:5]
    path = write_predictions(tmp_path / "p.jsonl", {i: "B" for i in [*train_ids, "no-such-id"]})
    result = runner.invoke(
        app, ["evaluate", "--benchmark", str(benchmark), "--predictions", str(path)]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "E804" in result.output and "6 lines have unknown ids" in result.output
    assert train_ids[0][:40] in result.output
    unknown_split = runner.invoke(
        app,
        ["evaluate", "--benchmark", str(benchmark), "--predictions", str(path), "--split", "dev"],
    )
    assert unknown_split.exit_code != 0 and "E801" in unknown_split.output
    assert "no records in split 'dev'" in unknown_split.output


def test_the_report_has_tables_charts_and_the_split(benchmark, tmp_path):
    items = records(benchmark)
    path = write_predictions(tmp_path / "p.jsonl", {r["id"]: "A" for r in items})
    result = evaluate_benchmark(benchmark, path, tmp_path / "eval").result
    tiers = pd.read_csv(tmp_path / "eval" / "tables" / "by_tier.csv", index_col="tier")
    assert list(tiers.index) == list(result["by_tier"])
    for tier, row in tiers.iterrows():
        assert row["accuracy"] == result["by_tier"][tier]["accuracy"]["value"]
        assert [row["ci_low"], row["ci_high"]] == result["by_tier"][tier]["accuracy"]["ci95"]
        assert row["chance"] == result["by_tier"][tier]["chance"]
    subtasks = pd.read_parquet(tmp_path / "eval" / "tables" / "by_subtask.parquet")
    assert len(subtasks) == len(result["by_subtask"])
    for name in ("accuracy_by_tier", "accuracy_by_sequence", "collapse"):
        assert (tmp_path / "eval" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.stem for p in (tmp_path / "eval" / "collapse").glob("*.png")) == sorted(
        result["confusion"]
    )
    report = (tmp_path / "eval" / "report.md").read_text()
    assert "Split `test`" in report and "| chance |" in report


def test_compare_prints_paired_differences_with_mcnemar_p_values(benchmark, tmp_path):
    items = [r for r in records(benchmark) if r["answer_type"] != "open_text"]
    first = write_predictions(tmp_path / "a.jsonl", {r["id"]: "B" for r in items})
    second = write_predictions(tmp_path / "b.jsonl", {r["id"]: "A" for r in items})
    result = runner.invoke(
        app,
        ["compare", str(first), str(second), "--benchmark", str(benchmark)]
        + ["--table", str(tmp_path / "cmp")],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "cmp.csv", index_col=["level", "group"])
    tiers = sorted({r["tier"] for r in items})
    for tier in tiers:
        members = [r for r in items if r["tier"] == tier]
        only_b = sum(1 for r in members if answers_b(r))  # "B" right, "A" wrong
        only_a = sum(1 for r in members if r["answer"] in ("A", ["A"]))
        row = table.loc[("tier", tier)]
        assert (row["only_first_correct"], row["only_second_correct"]) == (only_b, only_a)
        assert row["difference"] == pytest.approx((only_b - only_a) / len(members), abs=1e-4)
        discordant = only_a + only_b
        if discordant < 25:  # exact McNemar: a binomial test on the discordant pairs
            expected = binomtest(only_b, discordant, 0.5).pvalue if discordant else 1.0
        else:  # chi-square with continuity correction, one degree of freedom
            expected = math.erfc(math.sqrt((abs(only_b - only_a) - 1) ** 2 / discordant / 2))
        assert row["p_value"] == pytest.approx(expected, rel=1e-9)
        assert f"tier {tier}: {len(members)} items" in result.output
    assert "McNemar p = " in result.output and "paired permutation p = " in result.output


def test_evaluate_on_a_folder_without_records_is_a_one_line_error(tmp_path):
    result = runner.invoke(
        app, ["evaluate", "--benchmark", str(tmp_path), "--predictions", str(tmp_path / "p.jsonl")]
    )
    assert result.exit_code != 0 and "E801" in result.output and "Traceback" not in result.output
