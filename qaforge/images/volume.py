"""Loading a series' voxels, with the in-plane axes in a consistent orientation.

The voxels are read through :mod:`qaforge.libs.nifti`. Every series
becomes a 4D array ``(rows, cols, slices, frames)``: a 2D image is
``(H, W, 1, 1)``, a 3D stack ``(H, W, Z, 1)``, long-axis cine ``(H, W, 1, T)``.

Orientation: the two in-plane axes are reordered and flipped to the display
convention of the series' view (:mod:`qaforge.images.display`), read from
the affine, so the same anatomy renders the same whatever the storage order.
The slice and time axes keep the file's order, so the ``z`` and ``t`` recorded with every image are indexes into the file as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.analysis import Window, robust_window
from qaforge.images.display import InPlaneOrientation, display_orientation
from qaforge.images.heart import frame_interval_ms
from qaforge.images.voxel_values import refuse_unwindowable, usable_voxels
from qaforge.libs.nifti import NiftiReadError, NotSingleFileNifti, read_voxels

_NOT_NIFTI = "not a single-file NIfTI image with an affine"


@dataclass(frozen=True)
class Volume:
    """A series' voxels as stored, and how to orient its slices.

    Attributes:
        data: ``(rows, cols, slices, frames)`` in the file's dtype and order, or
            a float32 copy when some value was non-finite or extreme
            (:mod:`qaforge.images.voxel_values`).
        orientation: The in-plane reorientation for display.
        affine: The file's 4x4 voxel-to-world matrix.
        window: The series' intensity window, in the units of ``data``, with
            non-finite voxels left out and counted.
        frame_interval_ms: The frame interval when the header gives a plausible
            one (an ECG-gated cine whose frame 0 is the trigger), else None.
    """

    data: np.ndarray
    orientation: InPlaneOrientation
    affine: np.ndarray
    window: Window
    frame_interval_ms: float | None = None

    @property
    def n_slices(self) -> int:
        """Slices (the third axis)."""
        return int(self.data.shape[2])

    @property
    def n_frames(self) -> int:
        """Frames (the fourth axis)."""
        return int(self.data.shape[3])

    def plane(self, z: int, t: int) -> np.ndarray:
        """The displayed 2D image of slice ``z`` at frame ``t`` (a view, not a copy)."""
        return self.orientation.apply(self.data[:, :, z, t])


def load_volume(path: Path, view: str) -> Volume:
    """Read all voxels of a NIfTI file.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.
        view: Its view (``sax``, ``2ch``, ``3ch``, ``4ch``), which sets the display convention.

    Returns:
        The voxels as a 4D array, the affine, and the in-plane orientation
        that shows its slices by the convention (:mod:`qaforge.images.display`).

    Raises:
        UnreadableSeriesError: If the file is missing, truncated, corrupt, not
            NIfTI, has more than four non-trivial axes, no voxel, RGB or complex
            voxels, or no finite voxel.
    """
    try:
        voxels = read_voxels(path)
    except NiftiReadError as exc:
        raise UnreadableSeriesError(_reason(exc)) from None
    except NotSingleFileNifti:
        raise UnreadableSeriesError(_NOT_NIFTI) from None
    if voxels.affine is None:
        raise UnreadableSeriesError(_NOT_NIFTI)
    data = voxels.data
    while data.ndim > 4 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim < 2 or data.ndim > 4:
        raise UnreadableSeriesError(f"expected 2 to 4 axes, found shape {data.shape}")
    data = data.reshape(data.shape + (1,) * (4 - data.ndim))
    if not np.all(np.isfinite(voxels.affine)):
        raise UnreadableSeriesError("the affine has non-finite values")
    if data.size == 0:
        raise UnreadableSeriesError(f"the series has no voxels (shape {data.shape})")
    refuse_unwindowable(data.dtype)
    usable = usable_voxels(data)
    # from the stored values, so the non-finite voxels stay out of the percentiles
    window = replace(
        robust_window(data, scale=usable.scale),
        nonfinite=usable.nonfinite,
        value_scale=usable.scale,
    )
    data = usable.data
    affine = np.asarray(voxels.affine, dtype=float)
    interval = None
    if data.shape[3] > 1 and len(voxels.zooms) > 3:
        interval = frame_interval_ms(voxels.zooms[3], voxels.time_unit)
    return Volume(
        data=data,
        orientation=display_orientation(affine, view),
        affine=affine,
        window=window,
        frame_interval_ms=interval,
    )


def _reason(exc: NiftiReadError) -> str:
    """The user's one-line reason why a file's voxels cannot be read."""
    if exc.missing:
        return "file not found"
    if exc.stream_broken or "ended before" in exc.text or "Expected" in exc.text:
        return f"truncated or corrupt data ({exc.reason})"
    if exc.strerror:
        return f"cannot read the file ({exc.strerror.lower()})"
    return f"cannot read the voxels ({exc.reason})"
