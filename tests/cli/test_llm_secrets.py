"""A server that echoes the API key: the key reaches no table, output file or console line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.store.models.base import Base
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key

runner = CliRunner()
KEY = "sk-echoed-key-0123456789abcdef"
TEXTS = [
    "LV size normal. LVEF 58%. No late gadolinium enhancement.",
    "Dilated LV with LVEF 30%. Midwall LGE in the basal septum.",
    "Small pericardial effusion.",
    "Normal RV size and function.",
    "No myocardial edema.",
    "Mild mitral regurgitation.",
]


def echoing_script() -> dict[str, list[dict]]:
    """Every way a server text can carry the key: error bodies, answers, cut answers."""
    echo = f"invalid key {KEY}; header was Authorization: Bearer {KEY}"
    body = json.dumps({"error": {"message": echo}})
    quote = {"code": "lge.presence", "value": "present", "evidence": f"token {KEY}"}
    replies = [
        {"kind": "status", "status": 500, "body": body},
        {"kind": "status", "status": 401, "body": body},
        answer([quote]),  # a refused finding quoting the key; the answer is cached
        {"kind": "answer", "content": f'{{"findings": [{{"evidence": "{KEY}'},
        {"kind": "answer", "content": f'{{"findings": ["{KEY}', "finish_reason": "length"},
        answer([{"code": "lge.sparkle", "value": KEY, "evidence": "No myocardial edema."}]),
    ]
    return {report_key(text): [reply] for text, reply in zip(TEXTS, replies, strict=True)}


@pytest.fixture
def echoing_server(monkeypatch):
    with FakeLLMServer(echoing_script()) as running:
        monkeypatch.setenv("QAFORGE_LLM_BASE_URL", running.base_url)
        monkeypatch.setenv("QAFORGE_LLM_API_KEY", KEY)
        monkeypatch.setenv("QAFORGE_LLM_MAX_RETRIES", "0")
        yield running


@pytest.fixture
def reports(tmp_path):
    path = tmp_path / "reports.jsonl"
    rows = [
        {"report_id": f"R{i}", "patient_id": f"P{i}", "study_id": f"S{i}", "text": text}
        for i, text in enumerate(TEXTS)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def every_table_as_text(engine) -> str:
    with engine.connect() as connection:
        return json.dumps(
            {
                table.name: [list(row) for row in connection.execute(select(table))]
                for table in Base.metadata.sorted_tables
            },
            default=str,
        )


def test_an_echoed_key_is_in_no_table_file_or_output(
    engine, db_url, reports, echoing_server, tmp_path
):
    assert runner.invoke(app, ["--db", db_url, "ingest", "reports", str(reports)]).exit_code == 0
    stored = runner.invoke(app, ["--db", db_url, "extract", "--extractor", "llm"])
    output = tmp_path / "out" / "findings.jsonl"
    stateless = runner.invoke(
        app, ["extract", "--extractor", "llm", "--input", str(reports), "--output", str(output)]
    )
    assert stored.exit_code == 1 and stateless.exit_code == 1, stored.output + stateless.output
    assert echoing_server.stats()["total"] == 2 * len(TEXTS)
    dump = every_table_as_text(engine)
    assert "[redacted]" in dump and "llm_outcomes" in dump
    assert KEY not in dump
    files = {path.name: path.read_text() for path in output.parent.iterdir()}
    assert "findings.jsonl.failures.jsonl" in files and "findings.jsonl.rejected.jsonl" in files
    assert all(KEY not in text for text in files.values())
    assert KEY not in stored.output + stateless.output
    assert "[redacted]" in stored.output, stored.output
