"""run-model against a loopback multimodal server, then evaluate; the majority baseline; bad prediction lines."""

from __future__ import annotations

import json

import pytest
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


def records(benchmark):
    return [
        json.loads(line)
        for path in sorted((benchmark / "data").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_run_model_sends_images_and_its_answers_score(benchmark, tmp_path):
    items = records(benchmark)
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
    expected = sum(
        1 for r in choice if r["id"] not in failing and r["answer"] in ("B", ["B"])
    ) / len(choice)
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
    assert result["summary"]["unparseable"] == 0
    assert 0.2 < result["summary"]["accuracy"]["value"] < 0.8


def test_bad_prediction_lines_are_refused_and_the_rest_scored(benchmark, tmp_path):
    items = records(benchmark)
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


def test_evaluate_on_a_folder_without_records_is_a_one_line_error(tmp_path):
    result = runner.invoke(
        app, ["evaluate", "--benchmark", str(tmp_path), "--predictions", str(tmp_path / "p.jsonl")]
    )
    assert result.exit_code != 0 and "E801" in result.output and "Traceback" not in result.output
