"""PNG encoding, content-addressed storage and contact sheets."""

from __future__ import annotations

import hashlib
import io
import shutil

import numpy as np
import pytest
from PIL import Image

from qaforge.images.render import (
    SHEET_COLUMNS,
    SHEET_LABEL_HEIGHT,
    SHEET_TILE,
    contact_sheet,
    encode_png,
    store_image,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _ramp(rows: int, cols: int) -> np.ndarray:
    return (np.add.outer(np.arange(rows) * 3, np.arange(cols) * 5) % 256).astype(np.uint8)


def _decode(content: bytes, image_format: str = "PNG") -> np.ndarray:
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        assert image.format == image_format
        assert image.mode == "L"
        return np.asarray(image).astype(int)


def _sheet(tiles, labels) -> np.ndarray:
    return _decode(contact_sheet(tiles, labels), "JPEG")


def test_encode_png_round_trips_the_pixels_without_resizing():
    pixels = _ramp(20, 30)
    png = encode_png(pixels)
    assert png.startswith(PNG_SIGNATURE)
    np.testing.assert_array_equal(_decode(png), pixels)


def test_encode_png_gives_the_same_bytes_every_time():
    pixels = _ramp(33, 17)
    assert encode_png(pixels) == encode_png(pixels.copy())
    assert encode_png(pixels, size=100) == encode_png(pixels.copy(), size=100)
    assert encode_png(pixels) != encode_png(pixels, size=100)


def test_encode_png_of_a_non_contiguous_view_matches_its_copy():
    pixels = _ramp(40, 40)[::-1, ::2]
    assert encode_png(pixels) == encode_png(np.ascontiguousarray(pixels))


@pytest.mark.parametrize(
    ("shape", "size", "expected"),
    [
        ((32, 64), 128, (128, 256)),
        ((64, 32), 128, (256, 128)),
        ((64, 64), 32, (64, 64)),  # never shrunk
        ((30, 100), 50, (50, 167)),
        ((64, 20), 100, (320, 100)),
        ((256, 300), 256, (256, 300)),  # at the size already: as stored
        ((208, 210), 256, (256, 258)),
    ],
)
def test_encode_png_enlarges_the_short_side_to_size_keeping_the_aspect_ratio(shape, size, expected):
    decoded = _decode(encode_png(_ramp(*shape), size=size))
    assert decoded.shape == expected


def test_encode_png_at_or_above_the_size_is_not_resampled():
    pixels = _ramp(24, 48)
    assert encode_png(pixels, size=24) == encode_png(pixels)
    assert encode_png(pixels, size=10) == encode_png(pixels)


def test_encode_png_resizing_keeps_a_flat_image_flat():
    decoded = _decode(encode_png(np.full((10, 20), 77, dtype=np.uint8), size=100))
    assert decoded.shape == (100, 200)
    assert np.all(decoded == 77)


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((4, 4), dtype=np.float32), np.zeros((4, 4, 3), dtype=np.uint8)],
    ids=["float", "rgb"],
)
def test_encode_png_rejects_anything_but_2d_uint8(pixels):
    with pytest.raises(ValueError, match="expected 2D uint8 pixels"):
        encode_png(pixels)


def test_store_image_names_the_file_by_its_content_hash(tmp_path):
    png = encode_png(_ramp(8, 8))
    digest = hashlib.sha256(png).hexdigest()
    stored = store_image(png, tmp_path)
    assert stored.sha256 == digest
    assert stored.path == f"{digest[:2]}/{digest}.png"
    assert stored.created
    assert (tmp_path / stored.path).read_bytes() == png
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{digest}.png"]


def test_store_image_twice_writes_once(tmp_path):
    png = encode_png(_ramp(8, 8))
    first = store_image(png, tmp_path)
    second = store_image(png, tmp_path)
    assert first.created
    assert not second.created
    assert (second.path, second.sha256) == (first.path, first.sha256)
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_store_image_of_different_images_gives_different_files(tmp_path):
    one = store_image(encode_png(_ramp(8, 8)), tmp_path)
    other = store_image(encode_png(_ramp(8, 9)), tmp_path)
    assert one.path != other.path
    assert other.created


def test_store_image_creates_missing_folders(tmp_path):
    images_dir = tmp_path / "deep" / "images"
    stored = store_image(encode_png(_ramp(5, 5)), images_dir)
    assert (images_dir / stored.path).is_file()


def test_store_image_writes_again_after_the_images_folder_was_removed(tmp_path):
    """A cleared images folder is written anew, not assumed to exist (same process)."""
    images_dir = tmp_path / "images"
    png = encode_png(_ramp(6, 7))
    store_image(png, images_dir)
    shutil.rmtree(images_dir)
    again = store_image(png, images_dir)
    assert again.created
    assert (images_dir / again.path).read_bytes() == png


@pytest.mark.parametrize(("count", "columns", "rows"), [(1, 1, 1), (3, 3, 1), (4, 4, 1), (9, 4, 3)])
def test_contact_sheet_is_a_jpeg_grid_of_the_expected_size(count, columns, rows):
    tiles = [np.full((64, 32), 40 * i % 256, dtype=np.uint8) for i in range(count)]
    labels = [f"{i + 1} cine sax z{i} t0" for i in range(count)]
    with Image.open(io.BytesIO(contact_sheet(tiles, labels))) as sheet:
        sheet.load()
        assert sheet.format == "JPEG"
        assert sheet.mode == "L"
        assert sheet.size == (columns * SHEET_TILE, rows * (SHEET_TILE + SHEET_LABEL_HEIGHT))
    assert min(count, SHEET_COLUMNS) == columns


def test_contact_sheet_places_scaled_tiles_in_rank_order():
    """Tile k sits in column k % 4, row k // 4, scaled so its longer side fills the tile."""
    tiles = [np.full((32, 16), value, dtype=np.uint8) for value in (50, 100, 150, 200, 250)]
    pixels = _sheet(tiles, [""] * 5)
    cell_h = SHEET_TILE + SHEET_LABEL_HEIGHT
    for index, value in enumerate((50, 100, 150, 200, 250)):
        top, left = (index // SHEET_COLUMNS) * cell_h, (index % SHEET_COLUMNS) * SHEET_TILE
        block = pixels[top : top + SHEET_TILE, left : left + SHEET_TILE]
        # JPEG: flat 8x8 blocks come back within a few grey levels (values are 50 apart)
        assert np.all(np.abs(block[:, : SHEET_TILE // 2] - value) <= 3), index
        assert np.all(block[:, SHEET_TILE // 2 :] <= 3), index


def test_contact_sheet_writes_the_labels_under_the_tiles():
    tiles = [np.zeros((16, 16), dtype=np.uint8)]
    blank = _sheet(tiles, [""])
    labelled = _sheet(tiles, ["1 lge sax z3 t0"])
    assert blank.max() <= 3
    assert labelled[:SHEET_TILE].max() <= 3  # the caption's 8x8 blocks start below the tile
    assert labelled[SHEET_TILE:].max() > 200  # white (antialiased) text


def test_contact_sheet_is_deterministic_and_needs_one_label_per_tile():
    tiles = [_ramp(20, 20), _ramp(10, 30)]
    assert contact_sheet(tiles, ["a", "b"]) == contact_sheet(tiles, ["a", "b"])
    with pytest.raises(ValueError):
        contact_sheet(tiles, ["a"])


def test_store_image_rewrites_a_file_cut_short_by_a_killed_run(tmp_path):
    png = encode_png(_ramp(9, 9))
    stored = store_image(png, tmp_path)
    (tmp_path / stored.path).write_bytes(png[: len(png) // 2])
    again = store_image(png, tmp_path)
    assert again.created and again.path == stored.path
    assert (tmp_path / stored.path).read_bytes() == png
