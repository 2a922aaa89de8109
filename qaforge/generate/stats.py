"""Counts and answer distributions per subtask (``qaforge stats``), from item rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from qaforge.generate.balance import chi_square_uniform_p


@dataclass
class SubtaskStats:
    """One subtask's items.

    Attributes:
        answers: Active items per answer key (open items are not counted).
        positions: Active single-choice items per letter position (0 = A),
            over items with ``option_count`` options.
        option_count: How many options its single-choice items have (0 if mixed or none).
    """

    subtask_id: str
    tier: str
    sequence: str
    answer_type: str
    statuses: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    positions: Counter[int] = field(default_factory=Counter)
    option_count: int = 0

    @property
    def active(self) -> int:
        return self.statuses["active"]

    @property
    def majority_share(self) -> float | None:
        """Share of the most frequent answer among active items (None for open items)."""
        total = sum(self.answers.values())
        return max(self.answers.values()) / total if total else None

    @property
    def position_p_value(self) -> float | None:
        """Chi-square p-value that answer letters are uniform (single choice only)."""
        if self.answer_type != "single_choice" or not self.option_count or not self.positions:
            return None
        return chi_square_uniform_p([self.positions[i] for i in range(self.option_count)])


def subtask_statistics(rows: Iterable[Any]) -> list[SubtaskStats]:
    """Fold item rows into per-subtask statistics.

    Args:
        rows: Objects with ``subtask_id, tier, sequence, status, answer_type,
            answer, answer_key, options`` (e.g. store rows).

    Returns:
        One entry per subtask, ordered by tier then subtask id.
    """
    by_subtask: dict[str, SubtaskStats] = {}
    option_counts: dict[str, set[int]] = {}
    for row in rows:
        stats = by_subtask.get(row.subtask_id)
        if stats is None:
            stats = SubtaskStats(row.subtask_id, row.tier, row.sequence, row.answer_type)
            by_subtask[row.subtask_id] = stats
        stats.statuses[row.status] += 1
        if row.status != "active" or row.answer_key is None:
            continue
        stats.answers[row.answer_key] += 1
        if row.answer_type == "single_choice" and isinstance(row.answer, str):
            stats.positions[ord(row.answer) - ord("A")] += 1
            option_counts.setdefault(row.subtask_id, set()).add(len(row.options or {}))
    for subtask_id, counts in option_counts.items():
        if len(counts) == 1:
            by_subtask[subtask_id].option_count = counts.pop()
    return sorted(by_subtask.values(), key=lambda stats: (stats.tier, stats.subtask_id))
