"""Planted report text and secrets never reach output, logs, the quarantine or the run records (issue 22).

A made-up report sentence, an LLM API key and a Label Studio token are planted;
error paths of ingest, LLM extraction, annotation push and export are driven
through the CLI on a real SQLite file, against a scripted LLM server on
loopback that answers with errors and with quotes that are not in the report.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key

PLANTED = "Zebrafinch murmur heard over the quokka valve in Mr Wobbleton"
API_KEY = "sk-planted-api-key-7731"
LS_TOKEN = "ls-planted-token-0424"
runner = CliRunner()


def reports_file(tmp_path):
    good = [
        {"report_id": f"R{i}", "patient_id": f"P{i}", "study_id": f"S{i}", "text": text}
        for i, text in enumerate([PLANTED + ". LVEF 40%.", "LV normal.", PLANTED + " again."])
    ]
    lines = [json.dumps(row) for row in good]
    lines.append(json.dumps({"report_id": "R9", "patient_id": "P9", "text": PLANTED + "\u0000"}))
    lines.append('{"report_id": "R8", "text": "' + PLANTED + '", "x": ' + "[" * 5000 + "]" * 5000)
    lines.append('{"report_id": "R7", "text": "' + PLANTED + '\\ud800"}')
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_error_paths_never_show_planted_text_or_secrets(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("QAFORGE_LLM_API_KEY", API_KEY)
    monkeypatch.setenv("QAFORGE_LS_TOKEN", LS_TOKEN)
    monkeypatch.setenv("QAFORGE_LS_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("QAFORGE_LLM_MAX_RETRIES", "1")
    monkeypatch.setenv("QAFORGE_LLM_BACKOFF_SECONDS", "0.01")
    first, second, third = (PLANTED + ". LVEF 40%.", "LV normal.", PLANTED + " again.")
    script = {
        report_key(first): [{"kind": "status", "status": 500, "body": PLANTED}],
        report_key(second): [answer([{"quote": PLANTED, "finding": "lge.presence"}])],
        report_key(third): [{"kind": "answer", "content": "not json " + PLANTED}],
    }
    outputs = []
    with FakeLLMServer(script) as server:
        monkeypatch.setenv("QAFORGE_LLM_BASE_URL", server.base_url)
        for args in (
            ["init"],
            ["ingest", "reports", str(reports_file(tmp_path))],
            ["extract", "--extractor", "llm"],
            ["extract"],
            ["generate"],
            ["annotate", "push"],
            ["export", "out", "--protocol", "no-such-protocol"],
            ["quarantine"],
            ["extract", "--extractor", "llm", "--base-url", "http://" + PLANTED],
        ):
            result = runner.invoke(app, args)
            outputs.append(result.output + (str(result.exception) if result.exception else ""))
    assert sum("error" in text for text in outputs) >= 2  # the error paths were reached

    seen = "\n".join(outputs) + "\n" + caplog.text
    for secret in (API_KEY, LS_TOKEN):
        assert secret not in seen
    assert PLANTED not in seen
    with sqlite3.connect(tmp_path / "qaforge.db") as connection:
        dump = "\n".join(connection.iterdump())
        refused = connection.execute("select location, reason from quarantine").fetchall()
        runs = connection.execute("select * from ingest_runs").fetchall()
    assert API_KEY not in dump and LS_TOKEN not in dump
    assert len(refused) >= 3
    assert PLANTED not in repr(refused) and PLANTED not in repr(runs)
