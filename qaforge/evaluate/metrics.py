"""Metrics (pure): accuracy, multi-label P/R/F1, macro-F1, confusion, category collapse, chance level.

Formulas (docs/evaluation.md):

- accuracy = correct / items (an unparseable answer is wrong);
- multiple choice, per item with gold set G and predicted set P:
  exact match = [P == G]; micro P = sum|P∩G| / sum|P|, micro R = sum|P∩G| / sum|G|,
  F1 = 2PR / (P + R); macro = the mean of per-item P, R, F1 (an empty P has P = 0);
- macro-F1 over classes (single choice, diagnosis): the mean over gold classes
  of the per-class F1 (one-vs-rest);
- category collapse per subtask: the most predicted class, its share among
  predictions and among gold answers, and the Jensen-Shannon divergence
  (base 2, 0..1) between the predicted and gold class distributions;
- chance level of an item with k options: 1/k for single choice; for multiple
  choice the exact-match score of a uniformly random non-empty option set,
  1/(2^k - 1).

Intervals are not computed here: :mod:`qaforge.libs.stats` gives them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def accuracy(correct: Sequence[bool]) -> float:
    """Share of correct items (0 for none)."""
    return sum(correct) / len(correct) if correct else 0.0


def set_scores(
    gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str] | None]
) -> dict[str, float]:
    """Exact match and micro / macro precision, recall and F1 over option sets."""
    overlap = chosen = wanted = 0
    per_item = []
    exact = 0
    for g, p in zip(gold, predicted, strict=True):
        p = p or frozenset()
        hit = len(g & p)
        overlap += hit
        chosen += len(p)
        wanted += len(g)
        exact += p == g
        precision = hit / len(p) if p else 0.0
        recall = hit / len(g) if g else 0.0
        per_item.append((precision, recall, _f1(precision, recall)))
    micro_p = overlap / chosen if chosen else 0.0
    micro_r = overlap / wanted if wanted else 0.0
    n = len(per_item) or 1
    return {
        "exact_match": exact / n if per_item else 0.0,
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": _f1(micro_p, micro_r),
        "macro_precision": sum(x[0] for x in per_item) / n,
        "macro_recall": sum(x[1] for x in per_item) / n,
        "macro_f1": sum(x[2] for x in per_item) / n,
    }


def macro_f1(gold: Sequence[str], predicted: Sequence[str | None]) -> float:
    """Mean one-vs-rest F1 over the gold classes."""
    classes = sorted(set(gold))
    if not classes:
        return 0.0
    scores = []
    for cls in classes:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == cls and p == cls)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != cls and p == cls)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(_f1(precision, recall))
    return sum(scores) / len(scores)


def confusion(
    gold: Sequence[str], predicted: Sequence[str | None]
) -> tuple[list[str], list[list[int]]]:
    """Labels (gold classes, then other predictions, then ``unparseable``) and counts [gold][predicted]."""
    labels = sorted(set(gold))
    labels += sorted({p for p in predicted if p is not None} - set(labels))
    if any(p is None for p in predicted):
        labels.append("unparseable")
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p if p is not None else "unparseable"]] += 1
    return labels, matrix


def category_collapse(gold: Sequence[str], predicted: Sequence[str | None]) -> dict[str, object]:
    """How far predictions pile onto one class, against the gold distribution."""
    shown = [p if p is not None else "unparseable" for p in predicted]
    top, count = Counter(shown).most_common(1)[0] if shown else ("", 0)
    n = len(shown) or 1
    classes = sorted(set(gold) | set(shown))
    pred_dist = [shown.count(c) / n for c in classes]
    gold_dist = [list(gold).count(c) / n for c in classes]
    return {
        "top_predicted": top,
        "predicted_share": count / n,
        "gold_share": list(gold).count(top) / n,
        "js_divergence": jensen_shannon(pred_dist, gold_dist),
    }


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen-Shannon divergence in bits (0 equal, 1 disjoint)."""
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]

    def kl(x: Sequence[float], y: Sequence[float]) -> float:
        return sum(a * math.log2(a / b) for a, b in zip(x, y, strict=True) if a > 0)

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def chance_score(options: int, multiple: bool) -> float:
    """Expected accuracy of a uniformly random answer to an item with ``options`` options.

    Single choice: 1/k. Multiple choice (scored by exact set match): one of the
    2^k - 1 non-empty option sets is right, so 1/(2^k - 1).
    """
    if options < 1:
        return 0.0
    return 1 / (2**options - 1) if multiple else 1 / options


def token_f1(prediction: str, reference: str) -> float:
    """Unigram overlap F1 of lower-case words (a ROUGE-1-like text score)."""
    import re

    p = Counter(re.findall(r"[a-z0-9]+", prediction.lower()))
    r = Counter(re.findall(r"[a-z0-9]+", reference.lower()))
    overlap = sum((p & r).values())
    if not overlap:
        return 0.0
    return _f1(overlap / sum(p.values()), overlap / sum(r.values()))


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
