"""Charts for the dataset card and the evaluation report, drawn with Pillow (deterministic bytes).

The drawing goes through :mod:`qaforge.libs.pictures`.
"""

from __future__ import annotations

from qaforge.libs.pictures import Canvas

WIDTH = 640
ROW = 22
LABEL = 220
MARGIN = 12
PNG_COMPRESS_LEVEL = 6


def bar_chart(title: str, counts: dict[str, int]) -> bytes:
    """A horizontal bar chart as PNG bytes: one bar per key, in the given order, with its count.

    Args:
        title: Drawn at the top.
        counts: Label -> count.

    Returns:
        PNG bytes.
    """
    rows = max(1, len(counts))
    height = MARGIN * 3 + ROW * (rows + 1)
    image = Canvas(WIDTH, height, mode="RGB", background="white")
    image.text((MARGIN, MARGIN), title, fill="black")
    largest = max(counts.values(), default=0) or 1
    span = WIDTH - LABEL - MARGIN * 2 - 60
    for index, (label, count) in enumerate(counts.items()):
        top = MARGIN * 2 + ROW * (index + 1)
        image.text((MARGIN, top + 4), label[:34], fill="black")
        length = round(span * count / largest)
        image.rectangle(
            (LABEL, top + 3, LABEL + max(length, 1), top + ROW - 3), fill=(70, 110, 170)
        )
        image.text((LABEL + length + 6, top + 4), str(count), fill="black")
    return image.png(compress_level=PNG_COMPRESS_LEVEL)


def heatmap(title: str, labels: list[str], matrix: list[list[int]]) -> bytes:
    """A confusion matrix as PNG bytes: rows gold, columns predicted, darker is more.

    Args:
        title: Drawn at the top.
        labels: Row and column labels (rows are the first ``len(matrix)``).
        matrix: Counts ``[gold][predicted]``.

    Returns:
        PNG bytes.
    """
    cell = 36
    left = 190
    top = 40 + 14 * max(1, len(labels))
    size = (left + cell * len(labels) + MARGIN, top + cell * len(matrix) + MARGIN)
    image = Canvas(*size, mode="RGB", background="white")
    image.text((MARGIN, MARGIN), title + "  (rows: gold, columns: predicted)", fill="black")
    for index, label in enumerate(labels):
        image.text((left, 28 + 14 * index), f"{index + 1}: {label[:40]}", fill="black")
    largest = max((value for row in matrix for value in row), default=0) or 1
    for r, row in enumerate(matrix):
        image.text((MARGIN, top + r * cell + 12), f"{r + 1}: {labels[r][:24]}", fill="black")
        for c, value in enumerate(row):
            shade = 255 - round(200 * value / largest)
            box = (
                left + c * cell,
                top + r * cell,
                left + (c + 1) * cell - 2,
                top + (r + 1) * cell - 2,
            )
            image.rectangle(box, fill=(shade, shade, 255))
            image.text((box[0] + 8, box[1] + 12), str(value), fill="black")
    return image.png(compress_level=PNG_COMPRESS_LEVEL)
