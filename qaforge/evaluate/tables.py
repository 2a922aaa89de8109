"""Evaluation tables as pandas DataFrames (pure), and writing them as CSV and Parquet.

One row per group of a breakdown (tier, sequence, subtask), with the
accuracy, its interval, the chance level and, for single-choice subtasks,
the macro F1; and one row per compared group for ``qaforge compare``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

TABLE_COLUMNS = ["items", "accuracy", "ci_low", "ci_high", "chance", "macro_f1"]


def breakdown_table(breakdown: dict[str, dict[str, Any]], name: str) -> pd.DataFrame:
    """A breakdown of :func:`~qaforge.evaluate.scoring.score` as a DataFrame indexed by ``name``.

    Args:
        breakdown: ``result["by_tier"]`` (or by_sequence, by_subtask).
        name: The index's name (``tier``, ``sequence``, ``subtask``).

    Returns:
        Columns :data:`TABLE_COLUMNS`; missing values (open subtasks, no
        interval) are NaN.
    """
    rows = []
    for group, entry in breakdown.items():
        metric = entry.get("accuracy") or {}
        interval = metric.get("ci95") or (None, None)
        rows.append(
            {
                name: group,
                "items": entry["items"],
                "accuracy": metric.get("value"),
                "ci_low": interval[0],
                "ci_high": interval[1],
                "chance": entry.get("chance"),
                "macro_f1": entry.get("macro_f1"),
            }
        )
    frame = pd.DataFrame(rows, columns=[name, *TABLE_COLUMNS]).set_index(name)
    return frame.astype({column: "float64" for column in TABLE_COLUMNS if column != "items"})


def comparison_table(comparison: dict[str, Any]) -> pd.DataFrame:
    """The accuracy rows of :func:`~qaforge.evaluate.compare.compare_scores`, one per (level, group)."""
    rows = [{"level": "overall", "group": "all", **comparison["overall"]}]
    for key, level in (("by_tier", "tier"), ("by_subtask", "subtask")):
        rows += [{"level": level, "group": g, **row} for g, row in comparison[key].items()]
    return pd.DataFrame(rows).set_index(["level", "group"])


def write_table(frame: pd.DataFrame, path: Path) -> list[Path]:
    """Write ``frame`` as ``path.csv`` and, when pyarrow is installed, ``path.parquet``.

    Returns:
        The files written.
    """
    written = [path.with_suffix(".csv")]
    frame.to_csv(written[0])
    if importlib.util.find_spec("pyarrow") is not None:
        written.append(path.with_suffix(".parquet"))
        frame.to_parquet(written[1])
    return written
