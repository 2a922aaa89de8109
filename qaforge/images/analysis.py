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
    """

    low: float
    high: float
    percentiles: tuple[float, float] = WINDOW_PERCENTILES

    def as_record(self) -> dict[str, object]:
        """JSON-ready record for provenance."""
        return {
            "method": "percentile",
            "percentiles": list(self.percentiles),
            "low": round(self.low, 6),
            "high": round(self.high, 6),
        }


def robust_window(data: np.ndarray) -> Window:
    """The percentile window of a whole series.

    Large series are sampled with a fixed stride (deterministic) to at most
    250,000 voxels.

    Args:
        data: Voxels of any shape and numeric dtype.

    Returns:
        The window; ``high`` is at least ``low + 1`` so flat images stay defined.
    """
    sample = _strided_sample(data).astype(np.float64)
    low, high = (float(v) for v in np.percentile(sample, WINDOW_PERCENTILES))
    if not high > low:
        high = low + 1.0
    return Window(low=low, high=high)


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
    scaled = (plane.astype(np.float32) - np.float32(window.low)) * scale
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
    grid = _block_means(_block_means(data.astype(np.float32), axis=0), axis=1)
    scaled = np.clip((grid - window.low) / (window.high - window.low), 0.0, 1.0)
    side = THUMBNAIL_SIDE
    return np.moveaxis(scaled, (2, 3), (0, 1)).reshape(n_slices, n_frames, side * side)


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
