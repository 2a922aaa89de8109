"""Series analysis: cardiac phases and perfusion peaks on the phantoms, windows, thumbnails."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qaforge.images.analysis import (
    THUMBNAIL_SIDE,
    Window,
    apply_window,
    entropy,
    peak_enhancement_frames,
    robust_window,
    thumbnails,
)
from qaforge.sample.cases import SAMPLE_CASES
from qaforge.sample.phantoms import study_params

PERFUSION_STUDIES = [case.study_id for case in SAMPLE_CASES if "perfusion_sax" in case.truth.series]


def _four_d(array: np.ndarray) -> np.ndarray:
    return array.reshape(array.shape + (1,) * (4 - array.ndim))


def test_perfusion_studies_are_checked():
    assert PERFUSION_STUDIES


@pytest.mark.parametrize("study_id", PERFUSION_STUDIES)
def test_peak_enhancement_frames_find_the_phantom_peak_on_every_slice(phantom, study_id):
    drawn = phantom(study_id, "perfusion_sax")
    peaks = peak_enhancement_frames(_four_d(drawn.array))
    assert peaks == (drawn.truth["peak_frame"],) * drawn.array.shape[2]


def test_peak_enhancement_frames_of_a_single_frame_series_are_zero():
    assert peak_enhancement_frames(np.ones((8, 8, 3, 1))) == (0, 0, 0)


def test_peak_enhancement_without_a_myocardial_band_falls_back_to_the_brightest_frame():
    """A flat slice has no enhancing voxels: the frame of highest mean signal is used."""
    dynamics = np.zeros((6, 6, 1, 5), dtype=np.float32)
    dynamics[..., 3] = 1.0
    dynamics[..., 0] = 2.0
    assert peak_enhancement_frames(dynamics) == (0,)


@pytest.mark.parametrize("case", SAMPLE_CASES[:3], ids=lambda case: case.study_id)
def test_phantom_truth_frames_are_the_study_params(phantom, case):
    """The truth compared against above is the study's drawn cycle, shared by its cines."""
    params = study_params(case)
    for key in ("cine_sax", "cine_4ch"):
        truth = phantom(case.study_id, key).truth
        assert (truth["ed_frame"], truth["es_frame"]) == (params.ed_frame, params.es_frame)
        assert phantom(case.study_id, key).array.shape[3] == params.n_frames


def test_robust_window_reads_the_percentiles():
    data = np.arange(1001, dtype=np.float64)
    window = robust_window(data)
    assert window.low == pytest.approx(5.0)
    assert window.high == pytest.approx(995.0)
    assert window.as_record() == {
        "method": "percentile",
        "percentiles": [0.5, 99.5],
        "low": 5.0,
        "high": 995.0,
    }


def test_robust_window_of_a_flat_image_stays_defined():
    window = robust_window(np.full((4, 4), 9, dtype=np.uint8))
    assert (window.low, window.high) == (9.0, 10.0)


def test_robust_window_is_the_same_for_any_layout_of_the_voxels(phantom):
    data = phantom("STU-0001", "cine_sax").array
    assert robust_window(data) == robust_window(data[::-1].copy())


def test_apply_window_maps_low_to_0_high_to_255_and_clips():
    plane = np.array([[0.0, 10.0, 15.0], [20.0, 30.0, -5.0]])
    pixels = apply_window(plane, Window(low=10.0, high=20.0))
    assert pixels.dtype == np.uint8
    assert pixels.flags.c_contiguous
    assert pixels.tolist() == [[0, 0, 128], [255, 255, 0]]


def test_apply_window_of_a_non_contiguous_view_is_contiguous():
    plane = np.arange(16, dtype=np.uint8).reshape(4, 4)[::-1, ::2]
    pixels = apply_window(plane, Window(low=0.0, high=255.0))
    assert pixels.flags.c_contiguous
    assert pixels.tolist() == plane.tolist()


def test_thumbnails_are_block_means_windowed_to_unit_range():
    data = np.zeros((64, 64, 2, 3), dtype=np.uint8)
    data[:4, :4, 1, 2] = 100  # exactly the top-left 4 x 4 block
    data[:, :, 0, 1] = 250  # above the window: clipped to 1
    result = thumbnails(data, Window(low=0.0, high=200.0))
    assert result.shape == (2, 3, THUMBNAIL_SIDE * THUMBNAIL_SIDE)
    assert result.dtype == np.float32
    assert result[1, 2, 0] == pytest.approx(0.5)
    assert np.count_nonzero(result[1, 2]) == 1
    assert np.all(result[0, 1] == 1.0)
    assert np.all(result[0, 0] == 0.0)


def test_thumbnails_keep_the_row_major_block_order():
    """Thumbnail element ``r * 16 + c`` is the block at row r, column c."""
    data = np.zeros((32, 32, 1, 1), dtype=np.float32)
    data[2:4, 30:32] = 1.0  # block row 1, block column 15
    result = thumbnails(data, Window(low=0.0, high=1.0))
    assert np.flatnonzero(result[0, 0]).tolist() == [1 * 16 + 15]


def test_thumbnails_of_small_images_repeat_pixels_up_to_16():
    data = np.array([[0, 100], [100, 0]], dtype=np.float32).reshape(2, 2, 1, 1)
    grid = thumbnails(data, Window(low=0.0, high=100.0))[0, 0].reshape(16, 16)
    assert grid[:8, :8].max() == 0.0
    assert grid[:8, 8:].min() == 1.0
    assert grid[8:, :8].min() == 1.0
    assert grid[8:, 8:].max() == 0.0


def test_entropy_of_constant_and_uniform_values():
    assert entropy(np.full(256, 0.3)) == 0.0
    uniform = (np.arange(256) + 0.5) / 256
    assert entropy(uniform) == pytest.approx(4.0)
    assert entropy(np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_entropy_counts_one_in_the_last_bin():
    """Value 1.0 is binned with the top bin, not past it."""
    assert entropy(np.array([1.0, 0.99])) == 0.0
    assert math.isfinite(entropy(np.array([1.0])))
