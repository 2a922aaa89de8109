"""Score the rule extractor on the gold sets: the old one and the real-style dev and held-back parts.

    .venv/bin/python benchmarks/gold_scores.py [--worst 8]

For each set it prints (code, value) precision, recall and F1, location F1,
and the codes with the lowest (code, value) F1. Do not tune rules on the
``heldout`` part of the real-style set: look only at its figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qaforge.domain.vocabulary import Finding  # noqa: E402
from qaforge.extract.gold_scoring import (  # noqa: E402
    ExtractionScore,
    read_findings_jsonl,
    score_extraction,
)
from qaforge.extract.rules.extractor import RuleExtractor  # noqa: E402

GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold"
SETS = (
    ("old gold set", "reports.jsonl", "gold.jsonl", None),
    ("real-style dev", "real_style_reports.jsonl", "real_style_gold.jsonl", "dev"),
    ("real-style heldout", "real_style_reports.jsonl", "real_style_gold.jsonl", "heldout"),
)


def load_set(
    reports_name: str, gold_name: str, split: str | None
) -> tuple[dict[str, str], dict[str, list[Finding]]]:
    """One set's (one split's) report texts and gold findings, by report id."""
    lines = (GOLD_DIR / reports_name).read_text(encoding="utf-8").splitlines()
    reports = [json.loads(line) for line in lines if line.strip()]
    texts = {r["report_id"]: r["text"] for r in reports if split is None or r.get("split") == split}
    gold_file = read_findings_jsonl(GOLD_DIR / gold_name)
    if gold_file.problems:
        raise SystemExit(f"{gold_name}: invalid lines {gold_file.problems}")
    gold = {key: gold_file.reports.get(key, []) for key in texts}
    return texts, gold


def score_set(
    extractor: RuleExtractor, reports_name: str, gold_name: str, split: str | None
) -> tuple[int, ExtractionScore]:
    """Extract the reports of one set (one split) and score them against its gold.

    Returns:
        The number of reports scored and the score.
    """
    texts, gold = load_set(reports_name, gold_name, split)
    pred = {report_id: extractor.extract(text) for report_id, text in texts.items()}
    return len(texts), score_extraction(gold, pred)


def print_score(name: str, count: int, score: ExtractionScore, worst: int) -> None:
    """Print one set's micro figures and its worst codes by (code, value) F1."""
    values, locations = score.values.micro, score.locations.micro
    print(f"\n{name}: {count} reports, {values.tp + values.fn} gold findings")
    print(
        f"  (code, value)  P {values.precision:.3f}  R {values.recall:.3f}  F1 {values.f1:.3f}"
        f"   locations F1 {locations.f1:.3f}"
    )
    rows = sorted(score.values.per_code.items(), key=lambda item: (item[1].f1, item[0]))
    print(f"  {'worst codes':30} {'tp':>4} {'fp':>4} {'fn':>4} {'f1':>6}")
    for code, counts in rows[:worst]:
        print(f"  {code:30} {counts.tp:4} {counts.fp:4} {counts.fn:4} {counts.f1:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worst", type=int, default=8, help="codes to list per set")
    args = parser.parse_args()
    extractor = RuleExtractor()
    for name, reports_name, gold_name, split in SETS:
        count, score = score_set(extractor, reports_name, gold_name, split)
        print_score(name, count, score, args.worst)


if __name__ == "__main__":
    main()
