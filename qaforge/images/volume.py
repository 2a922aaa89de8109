"""Loading a series' voxels, with the in-plane axes in a consistent orientation.

The only module of :mod:`qaforge.images` that imports nibabel. Every series
becomes a 4D array ``(rows, cols, slices, frames)``: a 2D image is
``(H, W, 1, 1)``, a 3D stack ``(H, W, Z, 1)``, long-axis cine ``(H, W, 1, T)``.

Orientation: the two in-plane axes are reordered and flipped to the closest
canonical (RAS) orientation of their world directions, read from the affine,
so a study saved with a reversed x axis renders exactly like one that was
not. The slice and time axes keep the file's order, so the ``z`` and ``t``
recorded with every image are indexes into the file as stored.
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

_LOAD_ERRORS = (ImageFileError, HeaderDataError, OSError, EOFError, zlib.error, ValueError)


@dataclass(frozen=True)
class InPlaneOrientation:
    """How to turn a stored slice into the displayed one.

    Attributes:
        transpose: Swap rows and columns first.
        flip_rows: Then reverse the row axis.
        flip_cols: Then reverse the column axis.
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False

    def apply(self, plane: np.ndarray) -> np.ndarray:
        """Reorient an array whose first two axes are the stored rows and columns (a view)."""
        if self.transpose:
            plane = np.swapaxes(plane, 0, 1)
        if self.flip_rows:
            plane = plane[::-1]
        if self.flip_cols:
            plane = plane[:, ::-1]
        return plane

    def describe(self) -> str:
        """Short text for provenance, e.g. ``"flip_rows"`` or ``"none"``."""
        steps = [name for name in ("transpose", "flip_rows", "flip_cols") if getattr(self, name)]
        return "+".join(steps) or "none"


@dataclass(frozen=True)
class Volume:
    """A series' voxels as stored, and how to orient its slices.

    Attributes:
        data: ``(rows, cols, slices, frames)`` in the file's dtype and order.
        orientation: The in-plane reorientation for display.
    """

    data: np.ndarray
    orientation: InPlaneOrientation

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


def in_plane_orientation(affine: np.ndarray) -> InPlaneOrientation:
    """The reorientation that brings the in-plane axes to their closest canonical directions.

    Args:
        affine: The 4x4 voxel-to-world matrix.

    Returns:
        Rows become the in-plane axis nearer to the lower world axis (x before
        y before z), and both point towards increasing world coordinates.
    """
    codes = nib.io_orientation(np.asarray(affine, dtype=float))
    (world_row, sign_row), (world_col, sign_col) = codes[0], codes[1]
    if world_row > world_col:
        return InPlaneOrientation(True, bool(sign_col < 0), bool(sign_row < 0))
    return InPlaneOrientation(False, bool(sign_row < 0), bool(sign_col < 0))


def load_volume(path: Path) -> Volume:
    """Read all voxels of a NIfTI file.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.

    Returns:
        The voxels as a 4D array and the in-plane orientation from its affine.

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
    return Volume(data=data, orientation=in_plane_orientation(image.affine))


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
