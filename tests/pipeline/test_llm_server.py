"""Server behaviour against the loopback server: cut answers, permanent errors,
refused formats, a single-slot server, connection errors. Reasons and request
counts are asserted from what the server received."""

from __future__ import annotations

import json

import pytest

from qaforge.extract.llm.extractor import LLMExtractor, LLMReport
from qaforge.pipeline.extract_llm import extract_database_llm
from qaforge.settings import LLMSettings
from qaforge.store.models import LLMCacheEntry, LLMOutcomeRow
from qaforge.testing.fake_llm_server import FakeLLMServer, _free_port, answer, report_key
from tests.pipeline.test_llm import ingest, report_text, rows, rule_answer, settings

CUT = {
    "kind": "answer",
    "content": '{"findings": [{"code": "cine.lvef", "value": "',
    "finish_reason": "length",
}


def outcomes_by_report(engine) -> dict[int, dict]:
    return {row["report_version_id"]: row for row in rows(engine, LLMOutcomeRow)}


def test_a_cut_answer_names_its_budget_and_is_not_retried_without_a_larger_one(
    sqlite_engine, tmp_path
):
    texts = [report_text(i) for i in range(2)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(texts[0]): [CUT], report_key(texts[1]): [answer(rule_answer(texts[1]))]}
    with FakeLLMServer(script) as server:
        summary = extract_database_llm(sqlite_engine, settings(server, max_retries=3))
        stats = server.stats()
    assert summary.failed == 1 and summary.extracted == 1
    assert summary.failures[0][1] == "answer cut at 1024 tokens; raise QAFORGE_LLM_MAX_TOKENS"
    assert stats["by_key"][report_key(texts[0])] == 1 and stats["total"] == 2
    (failed,) = [r for r in outcomes_by_report(sqlite_engine).values() if r["status"] == "failed"]
    assert "malformed" not in failed["reason"] and failed["attempts"] == 1
    assert failed["raw_response"] == CUT["content"]


def test_a_cut_answer_is_tried_once_more_with_the_larger_budget(sqlite_engine, tmp_path):
    texts = [report_text(i) for i in range(3)]
    ingest(sqlite_engine, tmp_path, texts)
    good = [answer(rule_answer(t)) for t in texts]
    script = {
        report_key(texts[0]): [CUT, good[0]],
        report_key(texts[1]): [CUT],
        report_key(texts[2]): [good[2]],
    }
    with FakeLLMServer(script) as server:
        summary = extract_database_llm(
            sqlite_engine, settings(server, max_retries=3, max_tokens_retry=4096)
        )
        stats = server.stats()
    assert summary.extracted == 2 and summary.failed == 1
    assert summary.failures[0][1] == "answer cut at 4096 tokens; raise QAFORGE_LLM_MAX_TOKENS"
    assert stats["max_tokens"] == {"1024": 3, "4096": 2}
    assert [stats["by_key"][report_key(t)] for t in texts] == [2, 2, 1]


def test_permanent_errors_are_not_retried_and_keep_the_server_body(sqlite_engine, tmp_path):
    texts = [report_text(i) for i in range(5)]
    ingest(sqlite_engine, tmp_path, texts)
    good = [answer(rule_answer(t)) for t in texts]
    body = json.dumps({"error": {"message": "model 'scripted' does not exist"}})
    script = {
        report_key(texts[0]): [{"kind": "status", "status": 400, "body": body}],
        report_key(texts[1]): [{"kind": "status", "status": 401, "body": body}],
        report_key(texts[2]): [{"kind": "status", "status": 404, "body": body}],
        report_key(texts[3]): [{"kind": "status", "status": 408}, good[3]],
        report_key(texts[4]): [{"kind": "status", "status": 429}, good[4]],
    }
    with FakeLLMServer(script) as server:
        summary = extract_database_llm(sqlite_engine, settings(server, max_retries=3))
        stats = server.stats()
        url = f"{server.base_url}/chat/completions"
    assert summary.failed == 3 and summary.extracted == 2
    assert [stats["by_key"][report_key(t)] for t in texts] == [1, 1, 1, 2, 2]
    failed = sorted(
        (r for r in outcomes_by_report(sqlite_engine).values() if r["status"] == "failed"),
        key=lambda r: r["report_version_id"],
    )
    for row, status in zip(failed, (400, 401, 404), strict=True):
        assert row["reason"].startswith(f"HTTP {status} from {url}: ")
        assert "model 'scripted' does not exist" in row["reason"]
        assert row["raw_response"] == body and row["attempts"] == 1


def test_a_connection_error_names_the_url_that_failed(sqlite_engine, tmp_path):
    ingest(sqlite_engine, tmp_path, [report_text(0)])
    url = f"http://127.0.0.1:{_free_port()}/v1"
    values = {"base_url": url, "max_retries": 0, "server_kind": "openai"}
    summary = extract_database_llm(sqlite_engine, LLMSettings(**values))
    assert summary.failed == 1
    assert summary.failures[0][1].startswith(f"connection to {url}/chat/completions failed (")


def test_the_default_url_is_not_label_studios_port(monkeypatch):
    monkeypatch.delenv("QAFORGE_LLM_BASE_URL", raising=False)
    assert LLMSettings().base_url == "http://127.0.0.1:8000/v1"


def test_a_single_slot_server_overloaded_by_default_and_served_as_llamacpp(sqlite_engine, tmp_path):
    texts = [report_text(i) for i in range(10)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script, slots=1, latency=0.05, reject_json_schema=True) as server:
        openai_like = settings(server, server_kind="openai", concurrency=4, max_retries=0)
        overloaded = extract_database_llm(sqlite_engine, openai_like)
        assert server.stats()["busy"] > 0 and overloaded.failed > 0
    with FakeLLMServer(script, slots=1, latency=0.05, reject_json_schema=True) as server:
        llamacpp = LLMSettings(base_url=server.base_url, model="scripted", server_kind="llamacpp")
        assert llamacpp.concurrency == 1 and llamacpp.response_format == "json_object"
        summary = extract_database_llm(sqlite_engine, llamacpp)
        stats = server.stats()
    # what the first run got after it fell back to json_object is in the cache
    asked = 10 - overloaded.extracted
    assert summary.extracted == 10 and summary.failed == 0 and summary.requests == asked
    assert stats["total"] == asked and stats["busy"] == 0 and stats["most_in_flight"] == 1
    assert stats["formats"] == {"json_object": asked}


@pytest.mark.parametrize("owned_by", ["llamacpp", "library"])  # library: Ollama
def test_the_server_kind_is_detected_from_the_model_list(sqlite_engine, tmp_path, owned_by):
    texts = [report_text(i) for i in range(4)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script, slots=1, owned_by=owned_by, latency=0.05) as server:
        summary = extract_database_llm(
            sqlite_engine, LLMSettings(base_url=server.base_url, model="scripted")
        )
        stats = server.stats()
    assert summary.extracted == 4 and stats["total"] == 4 and stats["busy"] == 0
    assert stats["formats"] == {"json_object": 4}


def test_a_format_refused_in_every_form_is_tried_once_per_format_then_fails(
    sqlite_engine, tmp_path
):
    texts = [report_text(i) for i in range(3)]
    ingest(sqlite_engine, tmp_path, texts)
    refusal = {"kind": "status", "status": 400, "body": '{"error": "response_format unsupported"}'}
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    script[report_key(texts[0])] = [refusal]
    with FakeLLMServer(script) as server:
        summary = extract_database_llm(
            sqlite_engine, settings(server, max_retries=5, concurrency=1)
        )
        stats = server.stats()
    assert summary.failed == 1 and summary.extracted == 2
    assert "response_format unsupported" in summary.failures[0][1]
    assert stats["by_key"][report_key(texts[0])] == 3  # json_schema, json_object, none
    # refused in every format: not the format's fault, so the run keeps json_schema
    assert stats["formats"] == {"json_schema": 3, "json_object": 1, "none": 1}


def test_a_refused_format_is_asked_once_per_run_and_answers_are_keyed_by_the_format_used(
    sqlite_engine, tmp_path
):
    texts = [report_text(i) for i in range(6)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script, reject_json_schema=True) as server:
        # json_schema, the default
        configured = settings(server, concurrency=1, server_kind="openai")
        summary = extract_database_llm(sqlite_engine, configured, batch_size=2)
        stats = server.stats()
    assert summary.extracted == 6
    # three batches, one refusal: later batches start from the format the run got to
    assert stats["formats"] == {"json_schema": 1, "json_object": 6}

    extractor = LLMExtractor(configured)
    cached = {row["key"]: row["content"] for row in rows(sqlite_engine, LLMCacheEntry)}
    assert set(cached) == {extractor.cache_key(t, "json_object") for t in texts}
    assert not set(cached) & {extractor.cache_key(t) for t in texts}
    # a later extraction finds them, whether configured for json_schema or json_object
    for response_format in ("json_schema", "json_object"):
        again = LLMExtractor(configured.model_copy(update={"response_format": response_format}))
        outcomes = again.extract([LLMReport(str(i), t) for i, t in enumerate(texts)], cached=cached)
        assert all(o.from_cache and o.status == "extracted" for o in outcomes)


def test_a_busy_server_lowers_the_runs_concurrency_to_what_it_serves(sqlite_engine, tmp_path):
    texts = [report_text(i) for i in range(12)]
    ingest(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script, slots=1, latency=0.05) as server:
        # an unknown server: the configured concurrency, and enough retries
        unknown = settings(server, server_kind="openai", concurrency=4, max_retries=8)
        extractor = LLMExtractor(unknown)
        outcomes = extractor.extract([LLMReport(str(i), t) for i, t in enumerate(texts)])
        stats = server.stats()
    assert all(o.status == "extracted" for o in outcomes)
    assert stats["busy"] > 0  # it had to learn
    assert extractor.concurrency == 1
    # every report was served once (503s are not counted as served)
    assert stats["total"] == len(texts)
