"""`qaforge extract --extractor llm|both` as a user runs it, against a scripted server on loopback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key
from qaforge.testing.fake_llm_server import stated as stated_findings

runner = CliRunner()
SECRET = "sk-cli-secret-never-printed-42"
TEXTS = [
    "LV size normal. LVEF 58%. No late gadolinium enhancement.",
    "Dilated LV with LVEF 30%. Midwall LGE in the basal septum.",
    "Small pericardial effusion.",
]


def stated(text: str) -> list[dict]:
    return stated_findings(RuleExtractor().extract(text))


@pytest.fixture
def reports(tmp_path):
    path = tmp_path / "reports.jsonl"
    lines = [
        json.dumps({"report_id": f"R{i}", "patient_id": f"P{i}", "study_id": f"S{i}", "text": t})
        for i, t in enumerate(TEXTS)
    ]
    path.write_text("\n".join(lines) + "\n{broken json\n")
    return path


@pytest.fixture
def server(monkeypatch):
    script = {report_key(t): [answer(stated(t))] for t in TEXTS[:2]}
    script[report_key(TEXTS[2])] = [{"kind": "status", "status": 500}]
    with FakeLLMServer(script) as running:
        monkeypatch.setenv("QAFORGE_LLM_BASE_URL", running.base_url)
        monkeypatch.setenv("QAFORGE_LLM_API_KEY", SECRET)
        monkeypatch.setenv("QAFORGE_LLM_MAX_RETRIES", "1")
        monkeypatch.setenv("QAFORGE_LLM_BACKOFF_SECONDS", "0.01")
        yield running


def test_stateless_llm_extraction_writes_findings_failures_and_quarantine(
    reports, server, tmp_path
):
    output = tmp_path / "findings.jsonl"
    result = runner.invoke(
        app, ["extract", "--input", str(reports), "--output", str(output), "--extractor", "llm"]
    )
    assert result.exit_code == 1, result.output
    assert "2 reports extracted (0 from the cache), 1 failed" in result.output
    assert "HTTP 500" in result.output and "run the same command again" not in result.output
    assert "findings.jsonl.failures.jsonl" in result.output
    assert "asks again for every report" in result.output
    assert SECRET not in result.output
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["report_id"] for line in lines] == ["R0", "R1"]
    for line, text in zip(lines, TEXTS, strict=False):
        assert line["findings"] and all(f["extractor"] == "llm" for f in line["findings"])
        for finding in line["findings"]:
            evidence = finding["evidence"]
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]
    failures = [
        json.loads(line)
        for line in (tmp_path / "findings.jsonl.failures.jsonl").read_text().splitlines()
    ]
    url = f"{server.base_url}/chat/completions"
    assert failures == [{"report_id": "R2", "reason": f"HTTP 500 from {url}: {{}}"}]
    assert (tmp_path / "findings.jsonl.quarantine.jsonl").exists()


def test_stateless_both_reports_reconciliation_states(reports, server, tmp_path):
    output = tmp_path / "both.jsonl"
    result = runner.invoke(
        app, ["extract", "--input", str(reports), "--output", str(output), "--extractor", "both"]
    )
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    states = {entry["state"] for line in lines for entry in line["reconciliation"]}
    assert states == {"agree"}
    assert all(f["extractor"] == "rules" for line in lines for f in line["findings"])


def test_database_llm_extraction_then_rerun_asks_only_for_the_failure(reports, server):
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "reports", str(reports)]).exit_code == 0
    first = runner.invoke(app, ["extract", "--extractor", "both"])
    assert first.exit_code == 1, first.output
    assert "(new)" in first.output and "2 reports extracted" in first.output
    assert "reconcile: run" in first.output and "2 report versions" in first.output
    before = server.stats()["total"]
    second = runner.invoke(app, ["extract", "--extractor", "llm"])
    assert second.exit_code == 1 and "(known)" in second.output
    assert "0 reports extracted (0 from the cache), 1 failed, 2 requests" in second.output
    assert server.stats()["total"] - before == 2
    assert SECRET not in first.output + second.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--extractor", "gpt"], "E004"),
        (["--extractor", "llm", "--response-format", "xml"], "E006"),
        (["--extractor", "llm", "--server-kind", "tgi"], "E006"),
        (["--extractor", "both", "--policy", "conflict=maybe"], "E007"),
    ],
)
def test_bad_llm_options_are_one_line_errors(args, code, reports, tmp_path):
    result = runner.invoke(
        app, ["extract", "--input", str(reports), "--output", str(tmp_path / "o.jsonl"), *args]
    )
    assert result.exit_code != 0 and code in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["localhost:8000", "http://", "ftp://x", "http://a b/v1", " "])
def test_a_bad_base_url_is_one_line_with_a_hint_before_any_request(url, reports, tmp_path):
    """These gave tracebacks from the HTTP client once reports were there to send (issue 22)."""
    out = tmp_path / "o.jsonl"
    result = runner.invoke(
        app,
        ["extract", "--input", str(reports), "--output", str(out), "--extractor", "llm"]
        + ["--base-url", url],
    )
    assert result.exit_code == 2, result.output
    assert "E006" in result.output and "base_url" in result.output
    assert "http://HOST:PORT/v1" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert TEXTS[0] not in result.output
