"""Charts for the dataset card and the evaluation report, drawn with Pillow (deterministic bytes)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

WIDTH = 640
ROW = 22
LABEL = 220
MARGIN = 12


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
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN, MARGIN), title, fill="black", font=font)
    largest = max(counts.values(), default=0) or 1
    span = WIDTH - LABEL - MARGIN * 2 - 60
    for index, (label, count) in enumerate(counts.items()):
        top = MARGIN * 2 + ROW * (index + 1)
        draw.text((MARGIN, top + 4), label[:34], fill="black", font=font)
        length = round(span * count / largest)
        draw.rectangle((LABEL, top + 3, LABEL + max(length, 1), top + ROW - 3), fill=(70, 110, 170))
        draw.text((LABEL + length + 6, top + 4), str(count), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


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
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text(
        (MARGIN, MARGIN), title + "  (rows: gold, columns: predicted)", fill="black", font=font
    )
    for index, label in enumerate(labels):
        draw.text((left, 28 + 14 * index), f"{index + 1}: {label[:40]}", fill="black", font=font)
    largest = max((value for row in matrix for value in row), default=0) or 1
    for r, row in enumerate(matrix):
        draw.text(
            (MARGIN, top + r * cell + 12), f"{r + 1}: {labels[r][:24]}", fill="black", font=font
        )
        for c, value in enumerate(row):
            shade = 255 - round(200 * value / largest)
            box = (
                left + c * cell,
                top + r * cell,
                left + (c + 1) * cell - 2,
                top + (r + 1) * cell - 2,
            )
            draw.rectangle(box, fill=(shade, shade, 255))
            draw.text((box[0] + 8, box[1] + 12), str(value), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
