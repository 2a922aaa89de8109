"""Consistency of the real-style gold set (tests/data/gold/real_style_*).

Reports written in our own words in the style of case reports, figure
legends and teaching files, split into ``dev`` and ``heldout``. No F1
threshold here: ``benchmarks/gold_scores.py`` reports the figures, and rules
are not tuned on the held-back part.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from qaforge.domain.vocabulary import Finding
from qaforge.extract.gold_scoring import read_findings_jsonl

GOLD_DIR = Path(__file__).resolve().parents[1] / "data" / "gold"


@pytest.fixture(scope="module")
def real_style():
    lines = (GOLD_DIR / "real_style_reports.jsonl").read_text(encoding="utf-8").splitlines()
    reports = [json.loads(line) for line in lines if line.strip()]
    gold_lines = (GOLD_DIR / "real_style_gold.jsonl").read_text(encoding="utf-8").splitlines()
    gold_records = [json.loads(line) for line in gold_lines if line.strip()]
    return reports, gold_records, read_findings_jsonl(GOLD_DIR / "real_style_gold.jsonl")


def test_the_set_is_large_enough_with_a_held_back_part(real_style):
    reports, _, _ = real_style
    splits = [r["split"] for r in reports]
    assert set(splits) <= {"dev", "heldout"}
    assert len(reports) >= 90
    assert splits.count("heldout") >= 30
    assert splits.count("dev") >= 30


def test_ids_are_unique_and_match_between_files(real_style):
    reports, gold_records, _ = real_style
    ids = [r["report_id"] for r in reports]
    assert len(ids) == len(set(ids))
    assert [g["report_id"] for g in gold_records] == ids
    assert [g["split"] for g in gold_records] == [r["split"] for r in reports]
    assert not any(i.startswith("g") for i in ids), "ids must not clash with the old set"


def test_every_finding_validates_and_its_evidence_is_in_the_text(real_style):
    reports, _, gold = real_style
    assert not gold.problems, gold.problems
    texts = {r["report_id"]: r["text"] for r in reports}
    assert set(gold.reports) == set(texts)
    for report_id, findings in gold.reports.items():
        assert findings, report_id
        for finding in findings:
            assert isinstance(finding, Finding)
            span = texts[report_id][finding.evidence.start : finding.evidence.end]
            assert span == finding.evidence.text, (report_id, finding.code)


def test_the_jsonl_files_are_built_from_the_current_source():
    spec = importlib.util.spec_from_file_location("build_gold", GOLD_DIR / "build_gold.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    reports, golds = builder.records("real_style_source.txt", prefix="R")
    hint = "run tests/data/gold/build_gold.py after editing real_style_source.txt"
    built = (GOLD_DIR / "real_style_reports.jsonl").read_text(encoding="utf-8")
    assert builder.to_jsonl(reports) == built, hint
    assert builder.to_jsonl(golds) == (GOLD_DIR / "real_style_gold.jsonl").read_text(
        encoding="utf-8"
    ), hint
