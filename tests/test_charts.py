"""Charts: valid PNGs, the same bytes for the same data, room for every label."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from qaforge.charts import accuracy_chart, bar_chart, collapse_chart, heatmap

LONG = "late gadolinium enhancement distribution across the inferolateral wall"


def decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def test_the_same_data_gives_the_same_bytes():
    counts = {"cine": 12, "lge": 7, LONG: 3}
    assert bar_chart("Items", counts) == bar_chart("Items", counts)
    matrix = [[3, 1, 0], [0, 2, 1]]
    assert heatmap("dx", ["Small", "Normal", "unparseable"], matrix) == heatmap(
        "dx", ["Small", "Normal", "unparseable"], matrix
    )


def test_more_rows_make_a_taller_chart_and_labels_are_not_cut_at_the_left_edge():
    few = decoded(bar_chart("Items", {"a": 1, "b": 2}))
    many = decoded(bar_chart("Items", {f"subtask {i}": i for i in range(20)}))
    assert many.shape[0] > few.shape[0]
    wide = decoded(bar_chart("Items", {LONG: 5, "short": 2}))
    # constrained layout keeps the wrapped label inside: the first pixel column stays white
    assert wide[:, 0].min() > 200


def test_accuracy_chart_with_and_without_intervals_and_a_collapse_chart():
    png = accuracy_chart(
        "Accuracy by tier", {"diagnosis": (0.3, (0.1, 0.6)), "image": (1.0, None)}, {"image": 0.25}
    )
    assert decoded(png).shape[0] > 100
    collapse = decoded(
        collapse_chart("dx", ["Small", "Normal", LONG], [0.8, 0.2, 0.0], [0.3, 0.4, 0.3])
    )
    assert collapse.shape[1] >= 500
    assert decoded(heatmap("empty", [], [])).size > 0
