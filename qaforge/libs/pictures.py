"""The one Pillow module: PNG encoding, resizing and simple drawing, with deterministic bytes.

Pixels go in and out as numpy arrays (2D uint8 for grey, ``(H, W, 3)`` uint8
for colour). The same pixels and options always give the same PNG bytes:
exported images are named and checked by their hash.
"""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Colour = str | int | tuple[int, int, int]
"""A colour as Pillow names it: ``"white"``, a grey level, or ``(r, g, b)``."""


def encode_png(
    pixels: np.ndarray, *, compress_level: int, size: tuple[int, int] | None = None
) -> bytes:
    """Encode pixels as PNG, resized first when asked.

    Args:
        pixels: 2D uint8 (grey) or ``(H, W, 3)`` uint8 (colour).
        compress_level: zlib level, 0 (none) to 9 (smallest).
        size: ``(width, height)`` to resize to (bilinear) before encoding.

    Returns:
        The PNG bytes.
    """
    image = Image.fromarray(pixels)
    if size is not None:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return _png(image, compress_level)


def resized(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize pixels (bilinear).

    Args:
        pixels: 2D uint8 (grey) or ``(H, W, 3)`` uint8 (colour).
        size: ``(width, height)`` wanted.

    Returns:
        The resized pixels, of shape ``(height, width[, 3])``.
    """
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR))


class Canvas:
    """A blank picture to draw text, boxes and images on, then encode as PNG.

    Text is drawn in Pillow's default font.

    Args:
        width: Pixels across.
        height: Pixels down.
        mode: ``"L"`` (grey) or ``"RGB"`` (colour).
        background: The colour it starts as.
    """

    def __init__(
        self, width: int, height: int, *, mode: Literal["L", "RGB"], background: Colour
    ) -> None:
        self._image = Image.new(mode, (width, height), color=background)
        self._draw = ImageDraw.Draw(self._image)
        self._font = ImageFont.load_default()

    def text(self, xy: tuple[int, int], text: str, *, fill: Colour) -> None:
        """Write one line of text with its top left corner at ``xy`` ``(x, y)``."""
        self._draw.text(xy, text, fill=fill, font=self._font)

    def rectangle(self, box: tuple[int, int, int, int], *, fill: Colour) -> None:
        """Fill the box ``(left, top, right, bottom)``, edges included."""
        self._draw.rectangle(box, fill=fill)

    def paste(self, pixels: np.ndarray, xy: tuple[int, int]) -> None:
        """Copy pixels onto the canvas with their top left corner at ``xy`` ``(x, y)``."""
        self._image.paste(Image.fromarray(pixels), xy)

    def png(self, *, compress_level: int) -> bytes:
        """The picture as PNG bytes (``compress_level`` 0 to 9)."""
        return _png(self._image, compress_level)

    def jpeg(self, *, quality: int) -> bytes:
        """The picture as baseline JPEG bytes (``quality`` 1 to 95); the same picture, the same bytes."""
        buffer = io.BytesIO()
        self._image.save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()


def _png(image: Image.Image, compress_level: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()
