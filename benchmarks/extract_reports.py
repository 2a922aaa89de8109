"""Benchmark: the rule extractor against spaCy's tokenizer alone, over the same texts.

The texts are the bundled sample reports and the gold development set
(tests/data/gold), cycled with their numbers varied, up to ``--reports``.
The baseline is ``nlp.make_doc`` of ``spacy.blank("en")`` (the first step of
our pipeline); the extractor adds sections, sentences, the lexicon's
PhraseMatcher, assertion and the recognizers. Then the extractor again with
``--workers N`` processes.

    .venv/bin/python benchmarks/run.py extract [--reports 10000] [--workers 2]
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import spacy

from benchmarks.common import Measurement, print_side_by_side, timed
from qaforge.extract.rules.batch import extract_texts
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.sample.cases import SAMPLE_CASES

GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold"


def report_texts(count: int, seed: int = 0) -> list[str]:
    """``count`` report texts: the sample and gold reports, cycled, numbers varied."""
    pool = [case.text for case in SAMPLE_CASES]
    for path in sorted(GOLD_DIR.glob("reports*.jsonl")):
        pool.extend(
            json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()
        )
    rng = random.Random(seed)

    def vary(match: re.Match) -> str:
        return str(max(1, int(match.group()) + rng.randint(-3, 3)))

    return [re.sub(r"\b\d{2}\b", vary, pool[n % len(pool)]) for n in range(count)]


def run(reports: int = 10_000, workers: int | None = None) -> None:
    workers = workers or max(2, os.cpu_count() or 2)
    texts = report_texts(reports)
    characters = sum(map(len, texts))
    nlp = spacy.blank("en")
    extractor = RuleExtractor()
    extractor.extract(texts[0])  # build lazily created state outside the timing
    tokenizer, _ = timed("spaCy make_doc", reports, lambda: [nlp.make_doc(t) for t in texts])
    ours, findings = timed(
        "rule extractor, 1 process", reports, lambda: list(extractor.extract_many(texts))
    )
    parallel, parallel_findings = timed(
        f"rule extractor, {workers} workers",
        reports,
        lambda: list(extract_texts(texts, workers=workers)),
    )
    assert parallel_findings == findings, "workers changed the output"
    n_findings = sum(map(len, findings))
    print(
        f"\n{reports:,} reports, {characters / reports:,.0f} characters each on average, "
        f"{n_findings:,} findings ({n_findings / reports:.1f} per report)"
    )
    print_side_by_side("rule extractor vs spaCy tokenizer (one core)", "reports", ours, tokenizer)
    print_side_by_side(f"--workers {workers} vs 1 process", "reports", parallel, ours)
    print(f"  (this machine has {os.cpu_count()} cores)")


__all__ = ["run", "report_texts", "Measurement"]
