"""Bar charts for the dataset card, drawn with Pillow (deterministic bytes for the same counts)."""

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
