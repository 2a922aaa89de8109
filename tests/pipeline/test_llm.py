"""The LLM extractor on the store (SQLite and PostgreSQL) against a fault-injecting server on loopback."""

from __future__ import annotations

import json
from functools import cache

import pytest
from sqlalchemy import select

from qaforge.domain.qa import GenerationConfig
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.extract_llm import extract_database_llm
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports
from qaforge.pipeline.reconcile import reconcile_database
from qaforge.pipeline.review_findings import list_finding_reviews
from qaforge.sample.cases import SAMPLE_CASES
from qaforge.settings import LLMSettings
from qaforge.store.models import (
    ExtractedReport,
    ExtractionRun,
    LLMCacheEntry,
    LLMOutcomeRow,
    Reconciliation,
    RejectedFindingRow,
    ReportVersion,
)
from qaforge.store.models import Finding as FindingRow
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key, stated

FABRICATED = "transmural infarction of the entire LAD territory with aneurysm"
NEAR_MISS = "late gadolinium enhancement in the apical anteroseptal segment"
N_REPORTS = 500


def report_text(index: int) -> str:
    case = SAMPLE_CASES[index % len(SAMPLE_CASES)]
    return f"{case.record()['text']}\nComparison: none available (request {index})."


@cache
def rule_answer(text: str) -> list[dict]:
    """What a good model would say: the rules' findings, quoting their evidence."""
    return stated(_rules().extract(text))


@cache
def _rules() -> RuleExtractor:
    return RuleExtractor()


FAULTS = {
    1: "429 then answer",
    2: "500 then answer",
    3: "500 always",
    4: "hangs",
    5: "malformed JSON",
    6: "schema-invalid JSON",
    7: "fabricated and near-miss quotes",
    8: "code outside the vocabulary",
    9: "connection dropped",
}
FAILING = {3, 4, 5, 6, 9}


def script_for(texts: list[str]) -> dict[str, list[dict]]:
    script = {}
    for index, text in enumerate(texts):
        good = answer(rule_answer(text))
        fault = index % 10
        replies = {
            0: [good],
            1: [{"kind": "status", "status": 429, "headers": {"Retry-After": "0.05"}}, good],
            2: [{"kind": "status", "status": 503}, good],
            3: [{"kind": "status", "status": 500, "body": '{"error": "boom"}'}],
            4: [{"kind": "hang", "seconds": 3}],
            5: [{"kind": "answer", "content": '{"findings": [{"code": "cine.lvef", '}],
            6: [{"kind": "answer", "content": '{"findings": [{"value": "present"}]}'}],
            7: [
                answer(
                    rule_answer(text)
                    + [
                        {
                            "code": "lge.presence",
                            "value": "present",
                            "walls": ["anterior"],
                            "evidence": FABRICATED,
                        },
                        {
                            "code": "lge.presence",
                            "value": "present",
                            "walls": ["anteroseptal"],
                            "evidence": NEAR_MISS,
                        },
                    ]
                )
            ],
            8: [
                answer(
                    rule_answer(text)
                    + [{"code": "lge.sparkle", "value": "yes", "evidence": text[:20]}]
                )
            ],
            9: [{"kind": "drop"}],
        }[fault]
        script[report_key(text)] = replies
    return script


def settings(server: FakeLLMServer, **extra) -> LLMSettings:
    values = {
        "base_url": server.base_url,
        "model": "scripted",
        "concurrency": 32,
        "max_retries": 2,
        "timeout_seconds": 0.5,
        "backoff_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        **extra,
    }
    return LLMSettings(**values)


def ingest(engine, tmp_path, texts: list[str]) -> None:
    source = tmp_path / "reports.jsonl"
    with source.open("w") as handle:
        for index, text in enumerate(texts):
            record = {
                "report_id": f"R{index:04d}",
                "patient_id": f"P{index:04d}",
                "study_id": f"S{index:04d}",
                "text": text,
            }
            handle.write(json.dumps(record) + "\n")
    ingest_reports(engine, source)


def rows(engine, table):
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table.__table__))]


def test_500_reports_with_injected_faults_lose_nothing_and_a_rerun_retries_only_failures(
    engine, tmp_path
):
    texts = [report_text(i) for i in range(N_REPORTS)]
    ingest(engine, tmp_path, texts)
    script = script_for(texts)
    with FakeLLMServer(script) as server:
        first = extract_database_llm(engine, settings(server))
    expected_failed = sum(1 for i in range(N_REPORTS) if i % 10 in FAILING)
    assert first.pending == N_REPORTS
    assert first.extracted + first.failed == N_REPORTS
    assert first.failed == expected_failed and first.extracted == N_REPORTS - expected_failed

    outcomes = {row["report_version_id"]: row for row in rows(engine, LLMOutcomeRow)}
    versions = {row["id"]: row for row in rows(engine, ReportVersion)}
    assert len(outcomes) == N_REPORTS
    failed_texts = set()
    for version_id, outcome in outcomes.items():
        index = int(versions[version_id]["report_id"][1:])
        fault = index % 10
        if fault in FAILING:
            assert outcome["status"] == "failed" and outcome["reason"], (index, outcome)
            failed_texts.add(report_key(texts[index]))
        else:
            assert outcome["status"] == "extracted", (index, outcome["reason"])
    reasons = {o["reason"] for o in outcomes.values() if o["status"] == "failed"}
    assert any("HTTP 500" in r for r in reasons) and any("timed out" in r for r in reasons)
    assert any("malformed JSON" in r for r in reasons) and any("schema" in r for r in reasons)
    assert any("connection" in r for r in reasons)
    raw = [
        o["raw_response"] for o in outcomes.values() if o["reason"] and "malformed" in o["reason"]
    ]
    assert raw and all(r.startswith('{"findings"') for r in raw)

    extracted = {row["report_version_id"] for row in rows(engine, ExtractedReport)}
    assert extracted == {v for v, o in outcomes.items() if o["status"] == "extracted"}

    # no invented evidence: every stored finding quotes its report exactly
    findings = rows(engine, FindingRow)
    assert len(findings) > 1000
    for row in findings:
        text = versions[row["report_version_id"]]["text"]
        assert text[row["evidence_start"] : row["evidence_end"]] == row["evidence_text"]
        assert FABRICATED not in row["evidence_text"] and NEAR_MISS not in row["evidence_text"]
    rejected = rows(engine, RejectedFindingRow)
    by_reason = [r["reason"] for r in rejected]
    assert sum("evidence not found" in r for r in by_reason) == 2 * (N_REPORTS // 10)
    assert sum("unknown finding code 'lge.sparkle'" in r for r in by_reason) == N_REPORTS // 10
    assert len(rows(engine, LLMCacheEntry)) == N_REPORTS - expected_failed

    with FakeLLMServer(script) as server:
        second = extract_database_llm(engine, settings(server))
        asked = server.stats()["by_key"]
    assert second.pending == expected_failed and second.failed == expected_failed
    assert set(asked) == failed_texts
    tries = {row["tries"] for row in rows(engine, LLMOutcomeRow) if row["status"] == "failed"}
    assert tries == {2}


def test_a_failure_that_recovers_is_extracted_on_the_next_run_and_cached_answers_send_no_request(
    engine, tmp_path
):
    texts = [report_text(i) for i in range(6)]
    ingest(engine, tmp_path, texts)
    broken = {report_key(t): [{"kind": "status", "status": 500}] for t in texts[:2]}
    with FakeLLMServer(broken) as server:
        first = extract_database_llm(engine, settings(server, max_retries=0))
    assert first.failed == 2 and first.extracted == 4
    healed = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(healed) as server:
        second = extract_database_llm(engine, settings(server))
        assert server.stats()["total"] == 2
    assert second.extracted == 2 and second.failed == 0

    # the same texts again under other report ids: answered from the cache
    source = tmp_path / "copies.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {"report_id": f"C{i}", "patient_id": f"Q{i}", "study_id": f"T{i}", "text": t}
            )
            + "\n"
            for i, t in enumerate(texts)
        )
    )
    ingest_reports(engine, source)
    with FakeLLMServer(healed) as server:
        third = extract_database_llm(engine, settings(server))
        assert server.stats()["total"] == 0
    assert third.extracted == third.from_cache == 6 and third.requests == 0
    with FakeLLMServer(healed) as server:
        ingest_reports(engine, _rewrite(tmp_path, texts))
        refreshed = extract_database_llm(engine, settings(server), refresh=True)
        assert server.stats()["total"] == refreshed.requests == 6


def _rewrite(tmp_path, texts):
    source = tmp_path / "more.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {"report_id": f"D{i}", "patient_id": f"Q{i}", "study_id": f"U{i}", "text": t}
            )
            + "\n"
            for i, t in enumerate(texts)
        )
    )
    return source


def test_a_refused_json_schema_switches_the_run_to_json_object_once(sqlite_engine, tmp_path):
    """llama.cpp answers 500 to json_schema: the run moves to json_object, no blind retry."""
    texts = [report_text(i) for i in range(3)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script, reject_json_schema=True) as server:
        summary = extract_database_llm(
            sqlite_engine, settings(server, max_retries=5, concurrency=1)
        )
        formats = server.stats()["formats"]
    assert summary.extracted == 3 and summary.failed == 0 and summary.findings > 0
    assert formats == {"json_schema": 1, "json_object": 3}
    assert summary.requests == 4


def test_rules_and_llm_reconcile_into_a_run_that_generate_uses(engine, tmp_path):
    texts = [report_text(i) for i in range(10)]
    ingest(engine, tmp_path, texts)
    rules = extract_database(engine)
    script = {}
    for index, text in enumerate(texts):
        stated = rule_answer(text)
        if index == 0:
            stated = [
                dict(f, value="dilated") if f["code"] == "cine.lv_size" else f for f in stated
            ]
        if index == 1:
            stated = stated[1:]
        script[report_key(text)] = [answer(stated)]
    with FakeLLMServer(script) as server:
        llm = extract_database_llm(engine, settings(server))
    summary = reconcile_database(engine, rules_run_id=rules.run_id, llm_run_id=llm.run_id)
    assert summary.reconciled == 10
    states = summary.states
    assert states["agree"] > 50 and states.get("rules_only", 0) >= 1
    reconciliations = rows(engine, Reconciliation)
    conflicts = [r for r in reconciliations if r["state"] == "conflict"]
    assert rule_answer(texts[0]) and any(
        f["code"] == "cine.lv_size" and f["value"] == "normal" for f in rule_answer(texts[0])
    )
    assert [(r["code"], r["decision"]) for r in conflicts] == [("cine.lv_size", "review")]
    with engine.connect() as connection:
        stored = connection.execute(
            select(FindingRow.extractor, FindingRow.code, FindingRow.doubts).where(
                FindingRow.run_id == summary.run_id
            )
        ).all()
        latest = connection.execute(
            select(ExtractionRun.extractor).where(ExtractionRun.id == summary.run_id)
        ).scalar_one()
    kept = [row.extractor for row in stored if "disputed" not in row.doubts]
    disputed = [(row.extractor, row.code) for row in stored if "disputed" in row.doubts]
    assert latest == "reconciled" and set(kept) == {"rules"} and len(kept) == summary.kept
    # The conflict's two sides are in the run, marked disputed, for a person to settle.
    assert sorted(disputed) == [("llm", "cine.lv_size"), ("rules", "cine.lv_size")]
    assert summary.disputed == 2
    generated = generate_database(engine, config=GenerationConfig(require_series=False))
    assert generated.run_id == summary.run_id and generated.items_active > 0
    assert generated.held_doubts["disputed"] == 2 and generated.findings_held >= 2
    assert generated.subtasks["cine_lv_size"].skipped.get("in_review", 0) >= 1
    disputed_entries = [e for e in list_finding_reviews(engine).entries if "disputed" in e.doubts]
    assert len(disputed_entries) == 2 and {e.code for e in disputed_entries} == {"cine.lv_size"}
    assert all("cine_lv_size" in e.subtasks and e.confidence == 0 for e in disputed_entries)

    again = reconcile_database(engine, rules_run_id=rules.run_id, llm_run_id=llm.run_id)
    assert again.run_id == summary.run_id and again.reconciled == 0


@pytest.fixture
def secret(monkeypatch):
    value = "sk-test-DO-NOT-LEAK-0123456789"
    monkeypatch.setenv("QAFORGE_LLM_API_KEY", value)
    return value


def test_the_api_key_reaches_no_table(engine, tmp_path, secret):
    texts = [report_text(i) for i in range(4)]
    ingest(engine, tmp_path, texts)
    script = {report_key(texts[0]): [{"kind": "status", "status": 500, "body": "nope"}]}
    with FakeLLMServer(script) as server:
        summary = extract_database_llm(engine, LLMSettings(base_url=server.base_url, max_retries=0))
    assert summary.failed == 1
    assert secret not in repr(LLMSettings()) and secret not in str(summary.model_dump())
    for table in (ExtractionRun, LLMOutcomeRow, LLMCacheEntry, RejectedFindingRow):
        assert secret not in json.dumps(rows(engine, table), default=str)
