"""Comparing two models on the same items (pure): paired tests per tier and subtask.

- accuracy per tier and per subtask: the difference (first - second) and
  McNemar's test on the discordant items (exact binomial below 25 of them);
- multiple-choice micro F1 and diagnosis macro F1: the difference, its 95 %
  paired BCa bootstrap interval (items resampled with both outcomes) and a
  paired permutation test (each item's two outcomes swapped at random), since
  an F1 is not a mean over items and has no McNemar form.

The tests come from :mod:`qaforge.libs.stats`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qaforge.domain.export import ExportRecord
from qaforge.evaluate.scoring import (
    ScoredItem,
    diagnosis_macro_f1,
    multiple_choice_micro_f1,
    scored_items,
)
from qaforge.libs.stats import (
    EXACT_MCNEMAR_BELOW,
    bca_interval,
    mcnemar_p,
    paired_permutation_p,
)


def compare_scores(
    records: Sequence[ExportRecord | Mapping[str, Any]],
    first: dict[str, str],
    second: dict[str, str],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Paired differences of two models' outputs on the same choice items.

    Args:
        records: The benchmark records scored (one split, or all).
        first: Item id -> the first model's output.
        second: Item id -> the second model's output.
        seed: Seed of the permutation test.

    Returns:
        ``overall``, ``by_tier`` and ``by_subtask`` rows (items, both
        accuracies, difference, discordant counts, McNemar p), and ``f1``
        rows for multiple-choice micro F1 and diagnosis macro F1 (both
        values, difference, permutation p).
    """
    a, b = scored_items(records, first), scored_items(records, second)
    pairs = list(zip(a, b, strict=True))
    result: dict[str, Any] = {"overall": accuracy_row(pairs)}
    for key, field in (("by_tier", "tier"), ("by_subtask", "subtask")):
        groups: dict[str, list[tuple[ScoredItem, ScoredItem]]] = defaultdict(list)
        for pair in pairs:
            groups[getattr(pair[0].record, field)].append(pair)
        result[key] = {name: accuracy_row(members) for name, members in sorted(groups.items())}
    multi = [p for p in pairs if p[0].record.answer_type == "multiple_choice"]
    diagnosis = [
        p
        for p in pairs
        if p[0].record.tier == "diagnosis" and p[0].record.answer_type == "single_choice"
    ]
    result["f1"] = {
        "multiple_choice_micro_f1": f1_row(multi, multiple_choice_micro_f1, seed),
        "diagnosis_macro_f1": f1_row(diagnosis, diagnosis_macro_f1, seed),
    }
    return result


def accuracy_row(pairs: Sequence[tuple[ScoredItem, ScoredItem]]) -> dict[str, Any]:
    """Both accuracies, their difference and McNemar's p over paired items."""
    n = len(pairs)
    only_first = sum(1 for x, y in pairs if x.correct and not y.correct)
    only_second = sum(1 for x, y in pairs if y.correct and not x.correct)
    first = sum(x.correct for x, _ in pairs) / n if n else 0.0
    second = sum(y.correct for _, y in pairs) / n if n else 0.0
    return {
        "items": n,
        "accuracy_first": round(first, 4),
        "accuracy_second": round(second, 4),
        "difference": round(first - second, 4),
        "only_first_correct": only_first,
        "only_second_correct": only_second,
        "p_value": mcnemar_p(only_first, only_second),
        "test": "mcnemar-exact"
        if only_first + only_second < EXACT_MCNEMAR_BELOW
        else "mcnemar-chi2",
    }


def f1_row(
    pairs: Sequence[tuple[ScoredItem, ScoredItem]],
    metric: Callable[[Sequence[ScoredItem]], float],
    seed: int,
) -> dict[str, Any]:
    """Both models' F1 over paired items, the difference with its paired interval and permutation p."""
    n = len(pairs)
    outcomes = [x for x, _ in pairs] + [y for _, y in pairs]

    def difference(xs: Sequence[int], ys: Sequence[int]) -> float:
        return metric([outcomes[i] for i in xs]) - metric([outcomes[i] for i in ys])

    interval = bca_interval(n, lambda ix: difference(ix, [i + n for i in ix]), seed=seed)

    first = metric([x for x, _ in pairs]) if pairs else 0.0
    second = metric([y for _, y in pairs]) if pairs else 0.0
    return {
        "items": len(pairs),
        "first": round(first, 4),
        "second": round(second, 4),
        "difference": round(first - second, 4),
        "difference_ci95": None if interval is None else [round(v, 4) for v in interval],
        "p_value": paired_permutation_p(n, difference, seed=seed),
        "test": "paired-permutation",
    }
