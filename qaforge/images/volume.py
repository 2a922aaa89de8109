"""Loading a series' voxels, with the in-plane axes in a consistent orientation.

The only module of :mod:`qaforge.images` that imports nibabel. Every series
becomes a 4D array ``(rows, cols, slices, frames)``: a 2D image is
``(H, W, 1, 1)``, a 3D stack ``(H, W, Z, 1)``, long-axis cine ``(H, W, 1, T)``.

Orientation: the two in-plane axes are reordered and flipped to the display
convention of the series' view (:mod:`qaforge.images.display`), read from
the affine, so the same anatomy renders the same whatever the storage order.
The slice and time axes keep the file's order, so the ``z`` and ``t`` recorded with every image are indexes into the file as stored.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.filebasedimages import ImageFileError
from nibabel.spatialimages import HeaderDataError

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.display import InPlaneOrientation, display_orientation
from qaforge.images.heart import frame_interval_ms

_LOAD_ERRORS = (ImageFileError, HeaderDataError, OSError, EOFError, zlib.error, ValueError)


@dataclass(frozen=True)
class Volume:
    """A series' voxels as stored, and how to orient its slices.

    Attributes:
        data: ``(rows, cols, slices, frames)`` in the file's dtype and order.
        orientation: The in-plane reorientation for display.
        affine: The file's 4x4 voxel-to-world matrix.
        frame_interval_ms: The frame interval when the header gives a plausible
            one (an ECG-gated cine whose frame 0 is the trigger), else None.
    """

    data: np.ndarray
    orientation: InPlaneOrientation
    affine: np.ndarray
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
            NIfTI, or has more than four non-trivial axes.
    """
    try:
        image = nib.load(path)
        data = np.asanyarray(image.dataobj)
    except _LOAD_ERRORS as exc:
        raise UnreadableSeriesError(_reason(exc)) from None
    if not isinstance(image, nib.Nifti1Image) or image.affine is None:
        raise UnreadableSeriesError("not a single-file NIfTI image with an affine")
    while data.ndim > 4 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim < 2 or data.ndim > 4:
        raise UnreadableSeriesError(f"expected 2 to 4 axes, found shape {data.shape}")
    data = data.reshape(data.shape + (1,) * (4 - data.ndim))
    if not np.all(np.isfinite(image.affine)):
        raise UnreadableSeriesError("the affine has non-finite values")
    affine = np.asarray(image.affine, dtype=float)
    interval = None
    if data.shape[3] > 1 and len(image.header.get_zooms()) > 3:
        time_unit = image.header.get_xyzt_units()[1]
        interval = frame_interval_ms(float(image.header.get_zooms()[3]), time_unit)
    return Volume(
        data=data,
        orientation=display_orientation(affine, view),
        affine=affine,
        frame_interval_ms=interval,
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    text = str(exc)
    if isinstance(exc, EOFError | zlib.error) or "ended before" in text or "Expected" in text:
        return f"truncated or corrupt data ({' '.join(str(exc).split()) or type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read the file ({exc.strerror.lower()})"
    message = " ".join(str(exc).split()) or type(exc).__name__
    return f"cannot read the voxels ({message})"
