"""Charts for the dataset card and the evaluation report: the one matplotlib module.

Drawn on matplotlib's Agg canvas through the object API (``Figure``), never
``pyplot``: no global figure state, no display needed. Every chart has axes,
axis labels and a layout that keeps long labels inside the picture
(``constrained`` layout, long labels wrapped). The PNG carries no metadata
(no software version, no date), so the same data gives the same bytes with
the same matplotlib.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
LABEL_WIDTH = 32
"""Characters per line of a wrapped axis label."""
BAR_COLOUR = "#4670aa"
GOLD_COLOUR = "#c8a03c"


def bar_chart(title: str, counts: dict[str, int]) -> bytes:
    """A horizontal bar chart as PNG bytes: one bar per key, top to bottom in the given order.

    Args:
        title: The chart's title.
        counts: Label -> count.

    Returns:
        PNG bytes.
    """
    labels = [_wrap(label) for label in counts] or ["(none)"]
    values = list(counts.values()) or [0]
    figure = _figure(7.0, 1.2 + 0.32 * len(labels) + 0.12 * _extra_lines(labels))
    axes = figure.add_subplot()
    positions = range(len(labels))
    bars = axes.barh(positions, values, color=BAR_COLOUR)
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("count")
    axes.set_xlim(0, max(values + [1]) * 1.15)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def accuracy_chart(
    title: str,
    rows: Mapping[str, tuple[float, tuple[float, float] | None]],
    chance: Mapping[str, float] | None = None,
) -> bytes:
    """Accuracy per group with 95 % error bars, and the chance level as a red diamond.

    Args:
        title: The chart's title.
        rows: Group name -> (accuracy, (low, high) or ``None`` without an interval).
        chance: Group name -> chance level, drawn as a tick where given.

    Returns:
        PNG bytes.
    """
    names = list(rows) or ["(none)"]
    values = [rows[name][0] for name in rows] or [0.0]
    errors = [[], []]
    for value, interval in (rows[name] for name in rows):
        low, high = interval if interval is not None else (value, value)
        errors[0].append(value - low)
        errors[1].append(high - value)
    labels = [_wrap(name) for name in names]
    figure = _figure(7.0, 1.4 + 0.34 * len(names) + 0.12 * _extra_lines(labels))
    axes = figure.add_subplot()
    positions = list(range(len(names)))
    axes.barh(positions, values, xerr=errors if rows else None, color=BAR_COLOUR, capsize=3)
    if chance:
        marks = [(i, chance[name]) for i, name in enumerate(names) if chance.get(name) is not None]
        axes.scatter(
            [m[1] for m in marks],
            [m[0] for m in marks],
            marker="D",
            s=28,
            color="#b03030",
            label="chance",
            zorder=3,
        )
        axes.legend(loc="lower right", fontsize=8)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("accuracy (95 % interval)")
    axes.set_title(title, fontsize=10)
    return _png(figure)


def heatmap(title: str, labels: list[str], matrix: list[list[int]]) -> bytes:
    """A confusion matrix as PNG bytes: rows gold, columns predicted, counts in the cells.

    Args:
        title: The chart's title.
        labels: Column labels; the rows are the first ``len(matrix)`` of them.
        matrix: Counts ``[gold][predicted]``.

    Returns:
        PNG bytes.
    """
    wrapped = [_wrap(label, 22) for label in labels]
    size = 2.5 + 0.55 * max(1, len(labels))
    figure = _figure(size + 1.5, size)
    axes = figure.add_subplot()
    image = axes.imshow(matrix or [[0]], cmap="Blues", aspect="auto")
    figure.colorbar(image, ax=axes, shrink=0.8, label="items")
    largest = max((value for row in matrix for value in row), default=0) or 1
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            colour = "white" if value > largest / 2 else "black"
            axes.text(c, r, str(value), ha="center", va="center", color=colour, fontsize=8)
    axes.set_xticks(range(len(labels)), wrapped, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(matrix)), wrapped[: len(matrix)], fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title, fontsize=10)
    return _png(figure)


def collapse_chart(
    title: str, labels: Sequence[str], predicted: Sequence[float], gold: Sequence[float]
) -> bytes:
    """Category collapse: the share of predictions on each option beside its share of gold answers.

    Args:
        title: The chart's title.
        labels: The options (classes).
        predicted: Share of the predictions per option (0..1).
        gold: Share of the gold answers per option (0..1).

    Returns:
        PNG bytes.
    """
    wrapped = [_wrap(label, 18) for label in labels]
    figure = _figure(max(5.0, 1.0 + 0.9 * len(labels)), 4.2)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.bar(
        [p - 0.2 for p in positions], predicted, width=0.4, color=BAR_COLOUR, label="predicted"
    )
    axes.bar([p + 0.2 for p in positions], gold, width=0.4, color=GOLD_COLOUR, label="gold")
    axes.set_xticks(positions, wrapped, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of items")
    axes.legend(fontsize=8)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _wrap(label: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _extra_lines(labels: Sequence[str]) -> int:
    return sum(label.count("\n") for label in labels)
