"""Scoring a model's outputs against exported records (pure; the extractor is passed in).

Choice items are scored on the option *texts* behind the letters, since
letters are shuffled per item: a confusion matrix row is a gold option text.
An item without a prediction line (missing) and one whose output cannot be
parsed (unparseable) both count as wrong, and are counted apart.

Intervals (docs/evaluation.md): Wilson for accuracies, BCa bootstrap for F1s
and means (:mod:`qaforge.libs.stats`); an interval that cannot be computed
(fewer than two items, every resample equal) is ``None`` with a ``ci_note``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from qaforge.domain.export import ExportRecord
from qaforge.evaluate.metrics import (
    accuracy,
    category_collapse,
    chance_score,
    confusion,
    macro_f1,
    set_scores,
    token_f1,
)
from qaforge.evaluate.parsing import parse_choice
from qaforge.libs.stats import bca_interval, proportion_interval

FindingsOf = Callable[[str], set[tuple[str, str]]]
BREAKDOWNS = (("by_tier", "tier"), ("by_sequence", "sequence"), ("by_subtask", "subtask"))
"""Result key and record field of each accuracy breakdown."""
NO_PREDICTION = "no prediction"
"""The predicted class of an item without a prediction line (confusion, collapse)."""
NO_INTERVAL = "no interval: fewer than two items, or every resample gives the same value"


class ScoringRecord(BaseModel):
    """The fields of an exported record that scoring reads.

    Made from an :class:`~qaforge.domain.export.ExportRecord` or from a JSON
    object with these keys (other keys are ignored).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    id: str
    tier: str
    sequence: str
    subtask: str
    options: dict[str, str]
    answer: list[str] | str
    answer_text: str = ""
    answer_type: Literal["single_choice", "multiple_choice", "open_text"]

    @property
    def gold(self) -> frozenset[str]:
        """The answer's option letters (a choice item's)."""
        return frozenset(self.answer if isinstance(self.answer, list) else [self.answer])


@dataclass(frozen=True)
class ScoredItem:
    """One choice item's outcome."""

    record: ScoringRecord
    output: str | None
    predicted: frozenset[str] | None
    correct: bool

    @property
    def missing(self) -> bool:
        """Whether the item had no prediction line."""
        return self.output is None

    @property
    def unparseable(self) -> bool:
        """Whether the item had a prediction whose output names no option."""
        return self.output is not None and self.predicted is None


def score(
    records: Sequence[ExportRecord | Mapping[str, Any]],
    outputs: dict[str, str],
    findings_of: FindingsOf,
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Every metric of docs/evaluation.md, over the records given (one split, or all).

    Args:
        records: Exported benchmark records (models, or their JSON objects).
        outputs: Item id -> the model's raw output.
        findings_of: Text -> set of (code, value) findings (the rule extractor).
        seed: Bootstrap seed.

    Returns:
        A JSON-ready dict: ``summary``, ``by_tier``, ``by_sequence``,
        ``by_subtask`` (each with a ``chance`` level), ``multiple_choice``,
        ``diagnosis``, ``report_generation``, ``confusion``, ``collapse``.
    """
    items = [ScoringRecord.model_validate(record) for record in records]
    choice = scored_items(items, outputs)
    open_items = [(r, outputs.get(r.id)) for r in items if r.answer_type == "open_text"]
    result: dict[str, Any] = {
        "summary": {
            "items": len(items),
            "choice_items": len(choice),
            "open_items": len(open_items),
            "missing_predictions": sum(1 for r in items if r.id not in outputs),
            "unparseable": sum(1 for s in choice if s.unparseable),
            "accuracy": accuracy_metric([s.correct for s in choice]),
        }
    }
    for key, field in BREAKDOWNS:
        result[key] = _accuracy_by(choice, field)
    for record, _ in open_items:
        entry = result["by_subtask"].setdefault(
            record.subtask, {"items": 0, "accuracy": None, "chance": None}
        )
        entry["items"] += 1
    result["by_subtask"] = dict(sorted(result["by_subtask"].items()))
    result["multiple_choice"] = _multiple_choice_scores(choice, seed)
    diagnosis = [s for s in choice if s.record.tier == "diagnosis"]
    result["diagnosis"] = {
        "items": len(diagnosis),
        "accuracy": accuracy_metric([s.correct for s in diagnosis]),
        "macro_f1": bca_metric(diagnosis, diagnosis_macro_f1, seed),
    }
    result["report_generation"] = _open_scores(open_items, findings_of, seed)
    result["confusion"], result["collapse"] = {}, {}
    for subtask, members in _single_choice_by_subtask(choice).items():
        gold, predicted = _classes(members)
        labels, matrix = confusion(gold, predicted)
        result["confusion"][subtask] = {"labels": labels, "matrix": matrix}
        result["collapse"][subtask] = {
            k: (round(v, 4) if isinstance(v, float) else v)
            for k, v in category_collapse(gold, predicted).items()
        }
        result["by_subtask"][subtask]["macro_f1"] = round(macro_f1(gold, predicted), 4)
    return result


def scored_items(
    records: Sequence[ScoringRecord | ExportRecord | Mapping[str, Any]], outputs: dict[str, str]
) -> list[ScoredItem]:
    """The choice items of ``records`` with their parsed outputs, in the order given."""
    items = [ScoringRecord.model_validate(record) for record in records]
    return [_scored(r, outputs.get(r.id)) for r in items if r.answer_type != "open_text"]


def _scored(record: ScoringRecord, output: str | None) -> ScoredItem:
    """Parse a choice item's output and compare the letters with the answer's."""
    multiple = record.answer_type == "multiple_choice"
    letters = parse_choice(output or "", record.options, multiple=multiple)
    predicted = frozenset(letters) if letters else None
    return ScoredItem(record, output, predicted, predicted == record.gold)


def _accuracy_by(choice: Sequence[ScoredItem], field: str) -> dict[str, Any]:
    """Items, accuracy and chance level per value of a record field (tier, sequence, subtask)."""
    groups: dict[str, list[ScoredItem]] = defaultdict(list)
    for s in choice:
        groups[getattr(s.record, field)].append(s)
    return {
        name: {
            "items": len(members),
            "accuracy": accuracy_metric([s.correct for s in members]),
            "chance": round(
                sum(
                    chance_score(len(s.record.options), s.record.answer_type == "multiple_choice")
                    for s in members
                )
                / len(members),
                4,
            ),
        }
        for name, members in sorted(groups.items())
    }


def _multiple_choice_scores(choice: Sequence[ScoredItem], seed: int) -> dict[str, Any]:
    """Exact match and micro / macro P, R, F1 of the multiple-choice items, micro F1's interval."""
    multi = [s for s in choice if s.record.answer_type == "multiple_choice"]
    return {
        "items": len(multi),
        **{
            k: round(v, 4)
            for k, v in set_scores(
                [s.record.gold for s in multi], [s.predicted for s in multi]
            ).items()
        },
        "micro_f1_ci": bca_metric(multi, multiple_choice_micro_f1, seed)["ci95"],
    }


def multiple_choice_micro_f1(items: Sequence[ScoredItem]) -> float:
    """Micro F1 of the chosen option sets against the gold sets."""
    return set_scores([s.record.gold for s in items], [s.predicted for s in items])["micro_f1"]


def _single_choice_by_subtask(choice: Sequence[ScoredItem]) -> dict[str, list[ScoredItem]]:
    """The single-choice items per subtask, sorted by subtask."""
    singles: dict[str, list[ScoredItem]] = defaultdict(list)
    for s in choice:
        if s.record.answer_type == "single_choice":
            singles[s.record.subtask].append(s)
    return dict(sorted(singles.items()))


def _classes(members: Sequence[ScoredItem]) -> tuple[list[str], list[str | None]]:
    """Gold and predicted option texts; ``None`` unparseable, :data:`NO_PREDICTION` missing."""
    gold = [s.record.options[next(iter(s.record.gold))] for s in members]
    predicted = [
        s.record.options.get(next(iter(s.predicted)))
        if s.predicted
        else (NO_PREDICTION if s.missing else None)
        for s in members
    ]
    return gold, predicted


def diagnosis_macro_f1(members: Sequence[ScoredItem]) -> float:
    """Macro F1 over the gold option texts of single-choice items."""
    gold, predicted = _classes(members)
    return macro_f1(gold, predicted)


def _open_scores(
    open_items: Sequence[tuple[ScoringRecord, str | None]], findings_of: FindingsOf, seed: int
) -> dict[str, Any]:
    """Findings P / R / F1 (micro, with F1's interval) and token F1 of the open items."""
    per_item = []
    overlap = predicted_total = gold_total = 0
    for record, output in open_items:
        reference = record.answer_text
        gold = findings_of(reference)
        found = findings_of(output or "")
        hit = len(gold & found)
        overlap += hit
        predicted_total += len(found)
        gold_total += len(gold)
        per_item.append((hit, len(found), len(gold), token_f1(output or "", reference)))
    precision = overlap / predicted_total if predicted_total else 0.0
    recall = overlap / gold_total if gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def micro(xs: list) -> float:
        o, p, g = sum(x[0] for x in xs), sum(x[1] for x in xs), sum(x[2] for x in xs)
        pr, rc = (o / p if p else 0.0), (o / g if g else 0.0)
        return 2 * pr * rc / (pr + rc) if pr + rc else 0.0

    return {
        "items": len(open_items),
        "findings_precision": round(precision, 4),
        "findings_recall": round(recall, 4),
        "findings_f1": {**bca_metric(per_item, micro, seed), "value": round(f1, 4)},
        "token_f1": bca_metric(
            [x[3] for x in per_item], lambda xs: sum(xs) / len(xs) if xs else 0.0, seed
        ),
    }


def accuracy_metric(correct: Sequence[bool]) -> dict[str, Any]:
    """Accuracy with its 95 % Wilson interval (``None`` for no items)."""
    interval = proportion_interval(sum(correct), len(correct))
    return {"value": round(accuracy(correct), 4), **_interval(interval, "wilson")}


def bca_metric(values: Sequence, metric: Callable[[list], float], seed: int) -> dict[str, Any]:
    """``metric(values)`` with its 95 % BCa bootstrap interval over the values (items)."""
    items = list(values)
    interval = bca_interval(len(items), lambda ix: metric([items[i] for i in ix]), seed=seed)
    return {"value": round(metric(items), 4), **_interval(interval, "bca")}


def _interval(interval: tuple[float, float] | None, method: str) -> dict[str, Any]:
    if interval is None:
        return {"ci95": None, "ci_method": method, "ci_note": NO_INTERVAL}
    return {"ci95": [round(interval[0], 4), round(interval[1], 4)], "ci_method": method}
