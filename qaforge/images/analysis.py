"""What the protocols need to know about a series, read from its voxels (pure numpy).

- Cardiac phases, slice order and LV extent live in :mod:`qaforge.images.heart`.
- Peak myocardial enhancement of first-pass perfusion, per slice: voxels
  whose peak enhancement over baseline is between 30 % and 70 % of the
  slice's near-maximal enhancement (blood enhances most, the myocardium about
  half as much); the frame where their median enhancement is highest.
- Intensity window: robust percentiles of the series.
- Thumbnails for the data-driven protocol: block means on a 16 x 16 grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_PERCENTILES = (0.5, 99.5)
MAX_WINDOW_SAMPLES = 250_000
THUMBNAIL_SIDE = 16
BASELINE_FRAMES = 2
MYOCARDIUM_BAND = (0.3, 0.7)


@dataclass(frozen=True)
class Window:
    """A linear intensity window: ``low`` maps to 0 and ``high`` to 255.

    Attributes:
        low: Intensity at the low percentile.
        high: Intensity at the high percentile (always above ``low``).
        percentiles: The percentiles they were read at.
        nonfinite: Voxels of the series that were NaN or infinite (left out of
            the percentiles; shown as the darkest, or for +inf the brightest, value).
        value_scale: ``low`` and ``high`` are in stored units times this (a power
            of two other than 1 only for values near the float limits).
    """

    low: float
    high: float
    percentiles: tuple[float, float] = WINDOW_PERCENTILES
    nonfinite: int = 0
    value_scale: float = 1.0

    def as_record(self) -> dict[str, object]:
        """JSON-ready record for provenance (the flags only when they apply)."""
        record: dict[str, object] = {
            "method": "percentile",
            "percentiles": list(self.percentiles),
            "low": round(self.low, 6),
            "high": round(self.high, 6),
        }
        if self.nonfinite:
            record["nonfinite_voxels"] = self.nonfinite
        if self.value_scale != 1.0:
            record["value_scale"] = self.value_scale
        return record


def robust_window(data: np.ndarray, *, scale: float = 1.0) -> Window:
    """The percentile window of a whole series, finite voxels only.

    Large series are sampled with a fixed stride (deterministic) to at most
    250,000 voxels; NaN and infinite voxels are left out.

    Args:
        data: Voxels of any shape and real numeric dtype, with a finite value somewhere.
        scale: Multiply the values by this first (see ``UsableVoxels.scale``).

    Returns:
        The window; ``high`` exceeds ``low`` by a usable margin (at least 1 for
        a flat image), so a flat image stays defined.

    Raises:
        ValueError: If no voxel is finite.
    """
    sample = _strided_sample(data).astype(np.float64)
    sample = sample[np.isfinite(sample)]
    if not sample.size:
        sample = np.asarray(data[np.isfinite(data)], dtype=np.float64)
    if not sample.size:
        raise ValueError("no finite voxel to window")
    sample *= scale
    # halved so the percentiles' interpolation cannot overflow near the float64 limit
    halved = bool(np.abs(sample).max() > 2.0**1000)
    if halved:
        sample *= 0.5
    low, high = (float(v) for v in np.percentile(sample, WINDOW_PERCENTILES))
    if halved:
        low, high = low * 2.0, high * 2.0
    return Window(*_widened(low, high))


def _widened(low: float, high: float) -> tuple[float, float]:
    """The window bounds, set apart when they are (nearly) equal."""
    span = max(abs(low), abs(high))
    if high - low > max(span * 2.0**-40, 1e-30):
        return low, high
    width = max(1.0, span * 1e-6)
    if low + width < float(np.finfo(np.float64).max):
        return low, low + width
    return low - width, low


def _strided_sample(data: np.ndarray, limit: int = MAX_WINDOW_SAMPLES) -> np.ndarray:
    """Every k-th voxel, k chosen so at most ``limit`` remain (deterministic)."""
    flat = data.ravel(order="K")  # memory order: no copy for Fortran-ordered NIfTI data
    return flat[:: max(1, -(-flat.size // limit))]


def apply_window(plane: np.ndarray, window: Window) -> np.ndarray:
    """Map a 2D image through a window to 8-bit.

    Args:
        plane: Any numeric 2D array.
        window: The series' window.

    Returns:
        A C-contiguous uint8 array of the same shape.
    """
    scale = np.float32(255.0 / (window.high - window.low))
    low, high = np.float32(window.low), np.float32(window.high)
    # clipped to the window first, so the product stays within 0..255 for any window
    scaled = (np.clip(plane.astype(np.float32), low, high) - low) * scale
    np.clip(scaled, 0.0, 255.0, out=scaled)
    return np.ascontiguousarray(np.rint(scaled).astype(np.uint8))


def peak_enhancement_frames(perfusion: np.ndarray) -> tuple[int, ...]:
    """The frame of peak myocardial enhancement of each slice of a perfusion series.

    Args:
        perfusion: ``(rows, cols, slices, frames)`` dynamics.

    Returns:
        One frame per slice. A slice with no voxels in the myocardial band
        falls back to the frame of highest mean signal.
    """
    n_frames = perfusion.shape[3]
    if n_frames < 2:
        return tuple(0 for _ in range(perfusion.shape[2]))
    peaks = []
    for z in range(perfusion.shape[2]):
        dynamics = perfusion[:, :, z, :].astype(np.float32).reshape(-1, n_frames)
        baseline = dynamics[:, : min(BASELINE_FRAMES, n_frames)].mean(axis=1, keepdims=True)
        enhancement = dynamics - baseline
        peak = enhancement.max(axis=1)
        reference = float(np.percentile(peak, 99.0))
        low, high = MYOCARDIUM_BAND
        band = (peak >= low * reference) & (peak <= high * reference)
        if reference > 0 and band.any():
            curve = np.median(enhancement[band], axis=0)
        else:
            curve = dynamics.mean(axis=0)
        peaks.append(int(np.argmax(curve)))
    return tuple(peaks)


def thumbnails(data: np.ndarray, window: Window) -> np.ndarray:
    """A 16 x 16 block-mean thumbnail of every (slice, frame), windowed to [0, 1].

    Args:
        data: ``(rows, cols, slices, frames)`` in display orientation; every
            pixel falls in exactly one block (blocks differ by at most one
            pixel in size), and images smaller than 16 pixels on a side are
            repeated up to it.
        window: The series' window.

    Returns:
        Array ``(slices, frames, 256)`` of float32.
    """
    n_slices, n_frames = data.shape[2], data.shape[3]
    side = THUMBNAIL_SIDE
    found = np.empty((n_slices, n_frames, side * side), dtype=np.float32)
    low, high = np.float32(window.low), np.float32(window.high)
    for z in range(n_slices):  # one slice at a time: no float32 copy of the whole series
        grid = _block_means(_block_means(data[:, :, z, :].astype(np.float32), axis=0), axis=1)
        grid = np.clip(grid, low, high)  # so the quotient below stays within 0..1
        scaled = np.clip((grid - window.low) / (window.high - window.low), 0.0, 1.0)
        found[z] = np.moveaxis(scaled, 2, 0).reshape(n_frames, side * side)
    return found


def _block_means(values: np.ndarray, axis: int) -> np.ndarray:
    """Means of ``THUMBNAIL_SIDE`` near-equal consecutive blocks along an axis."""
    length, side = values.shape[axis], THUMBNAIL_SIDE
    if length < side:
        values = np.take(values, np.arange(side) * length // side, axis=axis)
        length = side
    bins = np.arange(length) * side // length
    starts = np.searchsorted(bins, np.arange(side))
    counts = np.diff(np.append(starts, length)).astype(np.float32)
    shape = [1] * values.ndim
    shape[axis] = side
    return np.add.reduceat(values, starts, axis=axis) / counts.reshape(shape)


def entropy(values: np.ndarray, bins: int = 16) -> float:
    """Shannon entropy (bits) of values in [0, 1], over ``bins`` equal bins."""
    counts = np.bincount(np.minimum((values * bins).astype(int), bins - 1), minlength=bins)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())
