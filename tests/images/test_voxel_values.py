"""Voxel values made safe to window: extremes scaled, non-finite set aside, RGB and complex refused."""

from __future__ import annotations

import numpy as np
import pytest

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.analysis import apply_window, robust_window
from qaforge.images.voxel_values import SAFE_MAGNITUDE, usable_voxels


@pytest.mark.filterwarnings("error")
def test_a_flat_image_at_the_float64_limit_gets_a_finite_window_and_renders():
    data = np.full((4, 4, 1, 1), 1e308)
    usable = usable_voxels(data)
    assert usable.scale < 1.0 and np.abs(usable.data).max() < SAFE_MAGNITUDE
    window = robust_window(data, scale=usable.scale)
    assert np.isfinite([window.low, window.high]).all() and window.high > window.low
    assert apply_window(usable.data[:, :, 0, 0], window).max() == 0


@pytest.mark.filterwarnings("error")
def test_ordinary_voxels_are_returned_as_the_same_array():
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    usable = usable_voxels(data)
    assert usable.data is data and usable.nonfinite == 0 and usable.scale == 1.0


@pytest.mark.filterwarnings("error")
def test_non_finite_voxels_are_replaced_by_the_finite_extremes_and_counted():
    data = np.array([1.0, np.nan, 5.0, np.inf, -np.inf, 3.0], dtype=np.float32).reshape(6, 1, 1, 1)
    usable = usable_voxels(data)
    assert usable.nonfinite == 3
    assert usable.data.ravel().tolist() == [1.0, 1.0, 5.0, 5.0, 1.0, 3.0]


@pytest.mark.parametrize(
    "data",
    [
        np.zeros((2, 2, 1, 1), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")]),
        np.zeros((2, 2, 1, 1), dtype=np.complex64),
        np.full((2, 2, 1, 1), np.nan),
    ],
)
def test_voxels_without_a_finite_intensity_are_refused(data):
    with pytest.raises(UnreadableSeriesError):
        usable_voxels(data)
