"""Encoding images: 8-bit PNGs with content-addressed names, and contact sheets.

Pillow does the encoding and drawing (:mod:`qaforge.libs.pictures`). File names are
the SHA-256 of the bytes (``ab/abcdef....png``), so the same image is
written once however many items show it, and a name says what it holds.
The slices items show are lossless PNGs; contact sheets, which only people
look at to review a selection, are JPEGs (``.jpg``): at their size a JPEG
encodes about ten times faster than a PNG, and a sheet costs as much to
encode as all its slices together.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qaforge.libs.pictures import Canvas, resized
from qaforge.libs.pictures import encode_png as _encode

PNG_COMPRESS_LEVEL = 6
SHEET_JPEG_QUALITY = 90
SHEET_TILE = 128
SHEET_COLUMNS = 4
SHEET_LABEL_HEIGHT = 14
# Folders this process has made: one mkdir per folder, not per image.
_MADE_FOLDERS: set[str] = set()


@dataclass(frozen=True)
class StoredImage:
    """A PNG written under the images folder.

    Attributes:
        path: Path relative to the images folder, POSIX separators.
        sha256: Hex SHA-256 of the PNG bytes (also its name).
        created: Whether this call wrote it (``False``: it was there already).
    """

    path: str
    sha256: str
    created: bool


def display_scale(shape: tuple[int, ...], size: int | None) -> float:
    """The factor a slice of this shape is enlarged by so its short side has ``size`` pixels.

    Args:
        shape: ``(rows, cols)`` of the displayed slice.
        size: The smallest short side wanted; None keeps the stored matrix.

    Returns:
        1.0 when the slice is already at least that large (never shrunk), else the factor.
    """
    if not size or min(shape) >= size:
        return 1.0
    return size / min(shape)


def encode_png(pixels: np.ndarray, *, size: int | None = None) -> bytes:
    """Encode an 8-bit image as PNG, enlarged when smaller than a reader can use.

    Args:
        pixels: 2D uint8 array (rows, cols).
        size: When given, a slice whose short side is smaller is enlarged
            (bilinear, aspect kept) so its short side is ``size`` pixels; a
            larger slice keeps its stored matrix.

    Returns:
        The PNG bytes; the same pixels and size always give the same bytes.
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError(f"expected 2D uint8 pixels, got {pixels.ndim}D {pixels.dtype}")
    height, width = pixels.shape
    scale = display_scale(pixels.shape, size)
    new_size = None
    if scale != 1.0:
        new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return _encode(pixels, compress_level=PNG_COMPRESS_LEVEL, size=new_size)


def store_image(content: bytes, images_dir: Path, *, suffix: str = "png") -> StoredImage:
    """Write image bytes under their content hash, unless that file is there already.

    A file under the right name but of the wrong size (left by a killed run)
    is written again: the name fixes the content, so the size tells a
    complete file from a cut one without reading it.

    Args:
        content: The PNG (or JPEG) bytes.
        images_dir: The images folder.
        suffix: The file name's suffix (``png``, or ``jpg`` for a contact sheet).

    Returns:
        Where it is and whether it was written now.
    """
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{digest[:2]}/{digest}.{suffix}"
    folder = os.path.join(images_dir, digest[:2])
    target = os.path.join(folder, f"{digest}.{suffix}")
    try:
        if os.stat(target).st_size == len(content):
            return StoredImage(relative, digest, created=False)
    except FileNotFoundError:
        pass
    if folder not in _MADE_FOLDERS:
        os.makedirs(folder, exist_ok=True)
        _MADE_FOLDERS.add(folder)
    try:
        _write(target, content)
    except FileNotFoundError:  # the folder was removed since this process made it
        os.makedirs(folder, exist_ok=True)
        _write(target, content)
    return StoredImage(relative, digest, created=True)


def _write(path: str, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)


def contact_sheet(tiles: Sequence[np.ndarray], labels: Sequence[str]) -> bytes:
    """A grid of labelled thumbnails, for reviewing an item's images at a glance.

    Args:
        tiles: 2D uint8 images, in rank order.
        labels: One short caption per tile (e.g. ``"1 cine sax z3 t7"``).

    Returns:
        JPEG bytes of a grid ``SHEET_COLUMNS`` wide, tiles scaled to fit
        ``SHEET_TILE`` pixels with the caption under each.
    """
    columns = max(1, min(SHEET_COLUMNS, len(tiles)))
    rows = max(1, -(-len(tiles) // columns))
    cell_h = SHEET_TILE + SHEET_LABEL_HEIGHT
    sheet = Canvas(columns * SHEET_TILE, rows * cell_h, mode="L", background=0)
    for index, (pixels, label) in enumerate(zip(tiles, labels, strict=True)):
        height, width = pixels.shape[:2]
        scale = SHEET_TILE / max(width, height)
        tile = resized(pixels, (max(1, round(width * scale)), max(1, round(height * scale))))
        left, top = (index % columns) * SHEET_TILE, (index // columns) * cell_h
        sheet.paste(tile, (left, top))
        sheet.text((left + 2, top + SHEET_TILE), label, fill=255)
    return sheet.jpeg(quality=SHEET_JPEG_QUALITY)
