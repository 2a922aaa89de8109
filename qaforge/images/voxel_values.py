"""Voxel values a window can map: RGB and complex refused, non-finite and extreme values set aside.

A NIfTI file may hold any dtype: RGB (a structured type with fields R, G,
B), complex numbers, or floats that are NaN, infinite or near the float64
limit. Windowing and the heart analysis need real, finite intensities whose
squares and sums stay finite in float32. :func:`usable_voxels` checks the
values frame by frame (a whole-volume mask would cost a copy of the volume)
and returns the voxels unchanged whenever they are fine, which is nearly
always: only a series with a non-finite or extreme value gets a float32
copy, with non-finite voxels replaced and the values scaled by a power of two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qaforge.domain.series import UnreadableSeriesError

SAFE_MAGNITUDE = 2.0**50
"""Largest magnitude left as stored: float32 squares summed over many frames stay finite."""
_NUMERIC_KINDS = "biuf"


@dataclass(frozen=True)
class UsableVoxels:
    """Voxels ready for windowing and analysis.

    Attributes:
        data: ``(rows, cols, slices, frames)``: the stored array itself when every
            value is finite and moderate, else a float32 copy.
        nonfinite: Voxels that were NaN or infinite (NaN and -inf now hold the
            smallest finite value, +inf the largest).
        scale: ``data = stored value * scale``; a power of two, 1.0 unless some
            magnitude reached :data:`SAFE_MAGNITUDE`.
        finite_low: Smallest finite stored value.
        finite_high: Largest finite stored value.
    """

    data: np.ndarray
    nonfinite: int
    scale: float
    finite_low: float
    finite_high: float


def refuse_unwindowable(dtype: np.dtype) -> None:
    """Raise for a voxel type that has no single intensity per voxel.

    Raises:
        UnreadableSeriesError: For a structured (RGB) or complex dtype, or any
            non-numeric one.
    """
    if dtype.names:
        fields = ", ".join(dtype.names)
        raise UnreadableSeriesError(
            f"colour voxels (fields {fields}) have no single intensity to window"
        )
    if dtype.kind == "c":
        raise UnreadableSeriesError(f"complex voxels ({dtype.name}) have no intensity to window")
    if dtype.kind not in _NUMERIC_KINDS:
        raise UnreadableSeriesError(f"voxels of type {dtype.str} are not numbers")


def usable_voxels(data: np.ndarray) -> UsableVoxels:
    """Check a 4D series' values and make them safe to window.

    Args:
        data: ``(rows, cols, slices, frames)`` of a numeric dtype.

    Returns:
        The voxels (the same array when nothing needed changing) and what was done.

    Raises:
        UnreadableSeriesError: When the dtype has no intensity, or no voxel is finite.
    """
    refuse_unwindowable(data.dtype)
    if data.dtype.kind in "bu" or (data.dtype.kind == "i" and data.dtype.itemsize < 8):
        return UsableVoxels(data, 0, 1.0, *_range_of_ints(data))
    nonfinite, low, high = _finite_range(data)
    magnitude = max(abs(low), abs(high))
    scale = 1.0
    if magnitude >= SAFE_MAGNITUDE:
        _, exponent = math.frexp(magnitude)  # magnitude < 2**exponent
        scale = math.ldexp(1.0, 49 - exponent)
    if not nonfinite and scale == 1.0:
        return UsableVoxels(data, 0, 1.0, low, high)
    cleaned = np.empty_like(data, dtype=np.float32)
    for t in range(data.shape[3]):
        frame = data[:, :, :, t].astype(np.float64) * scale
        np.nan_to_num(frame, copy=False, nan=low * scale, posinf=high * scale, neginf=low * scale)
        cleaned[:, :, :, t] = frame
    return UsableVoxels(cleaned, nonfinite, scale, low, high)


def _range_of_ints(data: np.ndarray) -> tuple[float, float]:
    if data.size == 0:
        return 0.0, 0.0
    return float(data.min()), float(data.max())


def _finite_range(data: np.ndarray) -> tuple[int, float, float]:
    """Count of non-finite voxels and the finite minimum and maximum, one frame at a time."""
    nonfinite, low, high = 0, math.inf, -math.inf
    for t in range(data.shape[3]):
        frame = data[:, :, :, t]
        if frame.dtype.kind == "f":
            finite = np.isfinite(frame)
            count = int(np.count_nonzero(finite))
            nonfinite += frame.size - count
            if count == 0:
                continue
            if count < frame.size:
                frame = frame[finite]
        if frame.size:
            low, high = min(low, float(frame.min())), max(high, float(frame.max()))
    if low > high:
        raise UnreadableSeriesError("no voxel has a finite value (all are NaN or infinite)")
    return nonfinite, low, high
