"""Benchmark: assertion status on the NegEx test set, beside NegEx and ConText.

Reads ``../shared/negex/Annotations-1-120.txt`` in place (the public gold set
NegEx was evaluated on: 2,376 clinical sentences, each with a condition and
Affirmed / Negated). The target is the condition's first occurrence in the
sentence, case-insensitive, whitespace-flexible; a target is predicted
negated when :func:`qaforge.extract.assertion_status` says ``negated`` (any
other status counts as not negated, as in the published figures). Prints
negation precision, recall, F1 and accuracy next to the published anchors,
then the errors by kind and by deciding trigger, so one can see what is left.

    .venv/bin/python benchmarks/run.py negex [--negex-file PATH]
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qaforge.extract.rules.assertion import AssertionAnalyzer, sentence_bounds

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared" / "negex" / "Annotations-1-120.txt"

# Published on the same set, target = the condition's first occurrence (README of the set).
ANCHORS = {"NegEx (Chapman et al.)": (0.931, 0.972), "medspacy ConText": (0.930, 0.970)}


@dataclass(frozen=True)
class Case:
    """One row: the sentence, the target span in it, and whether gold says negated."""

    sentence: str
    start: int
    end: int
    negated: bool


def read_cases(path: Path) -> tuple[list[Case], int]:
    """The rows of the set whose condition occurs in its sentence, and how many did not.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    cases: list[Case] = []
    missing = 0
    with path.open(encoding="latin-1", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows, None)  # header
        for row in rows:
            if len(row) < 4:
                continue
            condition, sentence, gold = row[1], row[2], row[3].strip().lower()
            words = condition.split()
            match = re.search(r"\s+".join(map(re.escape, words)), sentence, re.IGNORECASE)
            if not words or match is None:
                missing += 1
                continue
            cases.append(Case(sentence, match.start(), match.end(), gold == "negated"))
    return cases, missing


def score(cases: list[Case], analyzer: AssertionAnalyzer) -> tuple[Counter, Counter]:
    """Confusion counts (tp, fp, fn, tn) and the errors by kind and deciding trigger."""
    counts: Counter = Counter()
    errors: Counter = Counter()
    for case in cases:
        a, b = sentence_bounds(case.sentence, case.start, case.end)
        found = analyzer.assess(
            analyzer.sentence_triggers(case.sentence, a, b), case.start, case.end
        )
        predicted = found.status == "negated"
        if predicted and case.negated:
            counts["tp"] += 1
        elif predicted:
            counts["fp"] += 1
            errors[f"false negation by {(found.trigger or '').lower()!r}"] += 1
        elif case.negated:
            counts["fn"] += 1
            by = f" by {found.trigger.lower()!r}" if found.trigger else ""
            errors[f"missed negation: {found.status}{by}"] += 1
        else:
            counts["tn"] += 1
    return counts, errors


def _figures(counts: Counter) -> tuple[float, float, float, float]:
    tp, fp, fn, tn = (counts[k] for k in ("tp", "fp", "fn", "tn"))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, (tp + tn) / max(1, tp + fp + fn + tn)


def run(path: Path | None = None, top: int = 15) -> None:
    path = path or DEFAULT_FILE
    if not path.is_file():
        print(
            f"negex: the NegEx test set is not at {path}. Put Annotations-1-120.txt there "
            "(it is read in place, never copied into the repository) or pass --negex-file.",
            file=sys.stderr,
        )
        return
    cases, missing = read_cases(path)
    counts, errors = score(cases, AssertionAnalyzer())
    precision, recall, f1, accuracy = _figures(counts)
    print(f"\nnegation on the NegEx test set: {len(cases):,} sentences ({missing} without target)")
    print(f"  {'':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'accuracy':>8}")
    print(f"  {'qaforge assertion':<24} {precision:9.3f} {recall:7.3f} {f1:6.3f} {accuracy:8.3f}")
    for name, (anchor_f1, anchor_accuracy) in ANCHORS.items():
        print(f"  {name:<24} {'':>9} {'':>7} {anchor_f1:6.3f} {anchor_accuracy:8.3f}  (published)")
    print("  counts: " + ", ".join(f"{k} {counts[k]}" for k in ("tp", "fp", "fn", "tn")))
    print("  errors by kind:")
    for kind, n in errors.most_common(top):
        print(f"    {n:4d}  {kind}")
