"""Grounding over HTTP on the whole gold set: a loopback server states what the gold says, and lies.

The fake server (a real OpenAI-compatible HTTP server on loopback) answers
each gold report with its gold findings (every other quote with case or
whitespace changed) in one run, and with one invented quote and one
near-miss per kind (negation removed, place swapped, grade changed, number
changed, word deleted) in another. The stateless extraction
(``extract --extractor llm --input/--output``) runs for real against it.
The near-miss builders are those of the pure test
(tests/extract/llm/test_grounding_gold.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from qaforge.extract.llm.answer import LLMFinding
from qaforge.pipeline.extract_llm_file import extract_file_llm
from qaforge.settings import LLMSettings
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key
from tests.extract.llm.test_grounding_gold import (
    INVENTED,
    gold_reports,
    near_misses,
    stated,
    varied,
)


def as_json(findings: list[LLMFinding]) -> list[dict]:
    return [finding.model_dump(mode="json") for finding in findings]


def run(tmp_path: Path, name: str, script: dict, texts: list[str]):
    source = tmp_path / f"{name}.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {"report_id": f"R{i}", "patient_id": f"P{i}", "study_id": f"S{i}", "text": text}
            )
            + "\n"
            for i, text in enumerate(texts)
        )
    )
    output = tmp_path / f"{name}.out.jsonl"
    with FakeLLMServer(script) as server:
        settings = LLMSettings(base_url=server.base_url, model="gold", max_retries=0)
        summary = extract_file_llm(source, output, settings)
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    return summary, {line["report_id"]: line["findings"] for line in lines}


def test_no_invented_or_near_miss_finding_is_stored_and_genuine_ones_are(tmp_path):
    reports = gold_reports()
    texts = [text for text, _ in reports]
    genuine_script, lying_script = {}, {}
    lies = 0
    for text, findings in reports:
        genuine = [stated(f, varied(f.evidence.text, i)) for i, f in enumerate(findings)]
        lying = [stated(findings[0], INVENTED)]
        lying += [m for missed in near_misses(text, findings).values() for m in missed]
        lies += len(lying)
        genuine_script[report_key(text)] = [answer(as_json(genuine))]
        lying_script[report_key(text)] = [answer(as_json(lying))]

    lied, lied_findings = run(tmp_path, "lying", lying_script, texts)
    assert lied.extracted == len(texts) and lied.failed == 0
    assert lied.findings == 0 and sum(map(len, lied_findings.values())) == 0
    assert lied.rejected == lies
    reasons = [
        json.loads(line)["reason"]
        for line in (tmp_path / "lying.out.jsonl.rejected.jsonl").read_text().splitlines()
    ]
    assert len(reasons) == lies and all(reasons)

    told, told_findings = run(tmp_path, "genuine", genuine_script, texts)
    assert told.extracted == len(texts) and told.failed == 0
    stated_count = sum(len(findings) for _, findings in reports)
    # Duplicates merge, so compare against the gold findings distinct per report.
    distinct = sum(
        len({(f.code, str(f.value), f.levels, f.walls, f.segments) for f in findings})
        for _, findings in reports
    )
    assert told.findings + told.rejected >= distinct and told.rejected <= 0.05 * stated_count
    for index, (text, _) in enumerate(reports):
        for finding in told_findings[f"R{index}"]:
            evidence = finding["evidence"]
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]
