"""Items from extracted findings against items from gold findings, on the whole gold set.

Every report of the gold sets (tests/data/gold: the old set and the
real-style set, both splits) is read by the rule extractor; items are
generated from its findings and from the gold findings with the default
generation settings (doubtful findings held for review), and compared per
study and subtask (:mod:`qaforge.testing.gold_items`). The figures per set
and per threshold: ``benchmarks/run.py confidence``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from qaforge.domain.qa import GenerationConfig
from qaforge.domain.vocabulary import Evidence, Finding
from qaforge.extract.gold_scoring import read_findings_jsonl
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.generate.catalogue import load_catalogue
from qaforge.testing.gold_items import compare_items

GOLD_DIR = Path(__file__).resolve().parents[1] / "data" / "gold"
SETS = (("reports.jsonl", "gold.jsonl"), ("real_style_reports.jsonl", "real_style_gold.jsonl"))
CATALOGUE = load_catalogue()
NO_SERIES = GenerationConfig(require_series=False, majority_cap=1.0)


@functools.cache
def gold_and_extracted() -> tuple[dict[str, list[Finding]], dict[str, list[Finding]]]:
    """Report id -> gold findings, and -> the rules' findings, over both gold sets."""
    extractor = RuleExtractor()
    gold: dict[str, list[Finding]] = {}
    extracted: dict[str, list[Finding]] = {}
    for reports_name, gold_name in SETS:
        gold_file = read_findings_jsonl(GOLD_DIR / gold_name)
        assert not gold_file.problems
        for line in (GOLD_DIR / reports_name).read_text(encoding="utf-8").splitlines():
            report = json.loads(line)
            key = f"{reports_name}:{report['report_id']}"
            gold[key] = gold_file.reports.get(report["report_id"], [])
            extracted[key] = extractor.extract(report["text"])
    return gold, extracted


def test_items_from_extracted_findings_rarely_contradict_or_outrun_the_gold():
    gold, extracted = gold_and_extracted()
    assert len(gold) >= 200
    result = compare_items(gold, extracted, CATALOGUE, NO_SERIES)
    assert result.items > 1500
    shown = "\n".join(str(d) for d in result.differences[:20])
    assert result.contradicting_share <= 0.005, f"{result.contradicting} contradicting:\n{shown}"
    assert result.unsupported_share <= 0.01, f"{result.unsupported} unsupported:\n{shown}"


def test_the_held_findings_are_the_doubtful_ones():
    gold, extracted = gold_and_extracted()
    held = compare_items(gold, extracted, CATALOGUE, NO_SERIES)
    off = compare_items(
        gold, extracted, CATALOGUE, NO_SERIES.model_copy(update={"min_confidence": 0.0})
    )
    doubtful = sum(
        1 for found in extracted.values() for f in found if f.confidence < NO_SERIES.min_confidence
    )
    assert doubtful > 0 and held.held > 0 and off.held == 0
    # Holding only takes items away: never adds one or changes an answer.
    assert held.items < off.items
    assert held.contradicting <= off.contradicting and held.unsupported <= off.unsupported


def finding(code: str, value, **places) -> Finding:
    return Finding(
        code=code,
        value=value,
        evidence=Evidence(start=0, end=1, text="x"),
        extractor="test",
        **places,
    )


@pytest.mark.parametrize(
    ("extracted", "counts"),
    [
        ([finding("cine.lv_size", "dilated")], (1, 0, 0, 0)),
        ([finding("cine.lv_size", "normal")], (1, 1, 0, 0)),
        ([finding("cine.lv_size", "dilated"), finding("lge.presence", "absent")], (2, 0, 1, 0)),
        ([], (0, 0, 0, 1)),
    ],
)
def test_the_comparison_counts_what_it_says(extracted, counts):
    gold = {"S1": [finding("cine.lv_size", "dilated")]}
    result = compare_items(gold, {"S1": extracted}, CATALOGUE, NO_SERIES)
    assert (result.items, result.contradicting, result.unsupported, result.missed) == counts
    assert len(result.differences) == result.contradicting + result.unsupported
