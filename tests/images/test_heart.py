"""Cardiac phases, slice order and LV extent from the heart, on phantoms and toy cines."""

from __future__ import annotations

import numpy as np
import pytest

from qaforge.images.heart import (
    affine_slice_order,
    cardiac_phases,
    frame_interval_ms,
    otsu_threshold,
    slice_geometry,
)
from qaforge.sample.cases import SAMPLE_CASES
from qaforge.sample.phantoms import PIXEL_MM

CINE_SERIES = [
    pytest.param(case.study_id, key, id=f"{case.study_id}-{key}")
    for case in SAMPLE_CASES
    for key in case.truth.series
    if key.startswith("cine_")
]


def _four_d(array: np.ndarray) -> np.ndarray:
    return array.reshape(array.shape + (1,) * (4 - array.ndim))


def _cyclic(a: int, b: int, frames: int) -> int:
    return min((a - b) % frames, (b - a) % frames)


def test_every_kind_of_cine_series_is_checked():
    keys = {values.values[1] for values in CINE_SERIES}
    assert keys == {"cine_sax", "cine_2ch", "cine_3ch", "cine_4ch"}


@pytest.mark.parametrize(("study_id", "key"), CINE_SERIES)
def test_cardiac_phases_of_every_phantom_cine(phantom, study_id, key):
    """ED within 1 frame and ES within 2 of the drawn truth (the real-scan tolerance)."""
    drawn = phantom(study_id, key)
    data = _four_d(drawn.array)
    phases = cardiac_phases(data, pixel_mm=PIXEL_MM, view=key.removeprefix("cine_"))
    frames = data.shape[3]
    assert _cyclic(phases.ed_frame, drawn.truth["ed_frame"], frames) <= 1
    assert _cyclic(phases.es_frame, drawn.truth["es_frame"], frames) <= 2
    assert 0.0 <= phases.confidence <= 1.0


def _beating(frames: int, ed: int, *, atrium: bool, offset: int = 0) -> np.ndarray:
    """A toy long-axis cine: a ventricle that empties over 35 % of the cycle after ED, an
    atrium that fills meanwhile, and a bright static ring (chest wall) around them."""
    rows, cols = np.indices((96, 96))
    data = np.full((96, 96, 1, frames), 30.0, dtype=np.float32)
    ring = np.hypot(rows - 48, cols - 48)
    data[(ring > 40) & (ring < 46), 0, :] = 220.0
    systole = max(1, round(0.35 * frames))
    for t in range(frames):
        since = (t - ed) % frames
        if since <= systole:
            filled = 1.0 - since / systole
        else:
            filled = (since - systole) / (frames - systole)
        ventricle = np.hypot((rows - 60) / 1.6, cols - 48) < 8 + 6 * filled
        data[ventricle, 0, t] = 200.0
        if atrium:
            chamber = np.hypot(rows - 30, cols - 48) < 6 + 5 * (1.0 - filled)
            data[chamber, 0, t] = 200.0
    rng = np.random.default_rng(offset)
    return data + rng.normal(0, 3, data.shape).astype(np.float32)


@pytest.mark.parametrize("ed", [0, 3, 17, 21])
def test_long_axis_phases_separate_ventricle_from_a_filling_atrium(ed):
    """The whole-image bright count barely moves here (the atrium fills as the ventricle
    empties); the ventricle signal still finds ED and ES, at any ED frame."""
    cine = _beating(25, ed, atrium=True)
    bright = (cine > 120).sum(axis=(0, 1, 2))
    assert bright.max() < 1.25 * bright.min()
    phases = cardiac_phases(cine, pixel_mm=2.0, view="4ch")
    es = (ed + round(0.35 * 25)) % 25
    assert _cyclic(phases.ed_frame, ed, 25) <= 1
    assert _cyclic(phases.es_frame, es, 25) <= 2


def test_a_known_trigger_frame_is_ed_when_it_lies_on_the_plateau():
    cine = _beating(30, 29, atrium=True)
    gated = cardiac_phases(cine, pixel_mm=2.0, view="4ch", trigger_frame=0)
    assert gated.ed_frame == 0 and gated.method == "ventricle-signal+trigger"
    far = cardiac_phases(cine, pixel_mm=2.0, view="4ch", trigger_frame=10)
    assert far.ed_frame != 10  # a trigger far from the maximum is not believed


def test_single_frame_and_still_cines():
    single = cardiac_phases(np.ones((8, 8, 3, 1)), pixel_mm=2.0, view="sax")
    assert (single.ed_frame, single.es_frame, single.method) == (0, 0, "single-frame")
    still = cardiac_phases(np.ones((8, 8, 3, 5)), pixel_mm=2.0, view="sax")
    assert still.confidence == 0.0


@pytest.mark.parametrize(
    ("spacing", "unit", "expected"),
    [
        (0.01778, "unknown", 17.78),
        (18.0, "msec", 18.0),
        (0.04, "sec", 40.0),
        (1.0, "unknown", None),
        (1.0, "msec", None),
    ],
)
def test_frame_interval_is_believed_only_when_plausible(spacing, unit, expected):
    found = frame_interval_ms(spacing, unit)
    assert found == pytest.approx(expected) if expected else found is None


def test_otsu_splits_two_levels():
    values = np.concatenate([np.full(100, 10.0), np.full(100, 200.0)])
    assert 10.0 < otsu_threshold(values) < 200.0


def _stack(n_slices: int, lv: range, *, reverse: bool) -> np.ndarray:
    """Two frames (ED, ES) of a toy short-axis stack: LV on ``lv`` (shrinking in systole,
    narrower towards the apex), an atrium above the base that fills in systole."""
    rows, cols = np.indices((80, 80))
    distance = np.hypot(rows - 40, cols - 40)
    data = np.full((80, 80, n_slices, 2), 30.0, dtype=np.float32)
    for z in range(n_slices):
        depth = z - lv.start
        for t, scale in ((0, 1.0), (1, 0.6)):
            if z in lv:
                radius = 14 - depth
                data[distance < radius * scale, z, t] = 200.0
                data[(distance >= radius * scale) & (distance < radius + 6), z, t] = 90.0
            elif z < lv.start:
                data[distance < (8 if t == 0 else 13), z, t] = 200.0
    return data[:, :, ::-1] if reverse else data


@pytest.mark.parametrize("reverse", [False, True], ids=["base-first", "apex-first"])
def test_slice_order_and_lv_extent_from_motion(reverse):
    affine = np.diag([2.0, 2.0, 8.0, 1.0])
    stack = _stack(12, range(2, 11), reverse=reverse)
    geometry = slice_geometry(stack, pixel_mm=2.0, affine=affine, ed_frame=0, es_frame=1)
    assert geometry.slice_order == ("apex_first" if reverse else "base_first")
    assert geometry.method == "images"
    first, last = geometry.lv_slices
    expected = (1, 9) if reverse else (2, 10)
    assert abs(first - expected[0]) <= 1 and abs(last - expected[1]) <= 1


def test_slice_order_from_the_affine_without_motion():
    towards_apex = np.eye(4)
    towards_apex[:3, 2] = [-5.0, 5.0, -5.0]  # slice index grows left, anterior, inferior
    assert affine_slice_order(towards_apex) == "base_first"
    towards_base = np.eye(4)
    towards_base[:3, 2] = [5.0, -5.0, 5.0]
    assert affine_slice_order(towards_base) == "apex_first"
    still = slice_geometry(
        np.ones((8, 8, 4, 1)), pixel_mm=2.0, affine=towards_base, ed_frame=0, es_frame=0
    )
    assert (still.slice_order, still.method, still.lv_slices) == ("apex_first", "affine", None)
