"""A phantom as a file holds it: the stored array, affine and truth, and the ``.nii.gz`` bytes."""

from __future__ import annotations

import gzip
from typing import Any, NamedTuple

import numpy as np

from qaforge.libs.nifti import encode_nifti1
from qaforge.sample.phantoms.phantom import Phantom
from qaforge.sample.phantoms.storage import StorageOrder
from qaforge.sample.phantoms.truth import stored_truth

DESCRIP = b"qaforge synthetic phantom"


class StoredSeries(NamedTuple):
    """A phantom as a file stores it.

    Attributes:
        array: Voxel data in the storage order.
        affine: Its 4x4 voxel-to-world matrix.
        truth: The phantom's truth with slice indices of the file (``slice_order``,
            ``lv_slices``, lesion ``z_ranges``, per-slice radii), the stored
            ``shape`` and ``spacing``, and ``storage`` (the in-plane order).
        storage: The storage order.
    """

    array: np.ndarray
    affine: np.ndarray
    truth: dict[str, Any]
    storage: StorageOrder


def store(phantom: Phantom, storage: StorageOrder) -> StoredSeries:
    """A phantom as a file in a given storage order holds it.

    Args:
        phantom: The drawn phantom.
        storage: The storage order (e.g. ``phantom.storage``, what the sample writer uses).

    Returns:
        The stored array and affine (same world position for every voxel), and
        the truth with the file's slice indices: ``slice_order`` becomes
        ``apex_first`` and ``lv_slices``, lesion ``z_ranges`` and the per-slice
        ``r_endo_px`` / ``r_epi_px`` are re-indexed when the slices are
        reversed; ``shape`` and ``spacing`` are the file's; ``storage`` records
        the in-plane order. Rows, columns and angles stay those of the displayed image.
    """
    array, affine = storage.store(phantom.array, phantom.affine)
    record = stored_truth(phantom.truth, storage, n_slices=phantom.array.shape[2])
    return StoredSeries(array, affine, record, storage)


def encode_nifti_gz(
    phantom: Phantom, *, storage: StorageOrder | None = None, flipped: bool = False
) -> bytes:
    """Serialise a phantom to gzipped NIfTI-1 bytes, byte-identical for the same phantom.

    nibabel's own ``.nii.gz`` writer stamps the gzip header with the current
    time, which would change the file hash on every run; here the gzip
    stream is made with ``mtime=0`` instead.

    Args:
        phantom: The phantom to write.
        storage: The storage order; by default the drawing as drawn (the sample
            writer passes ``phantom.storage``).
        flipped: Store it with the first axis reversed, the same as
            ``storage=StorageOrder(flip_rows=True)``.

    Returns:
        The ``.nii.gz`` file content.

    Raises:
        ValueError: If both ``storage`` and ``flipped`` are given.
    """
    if storage is not None and flipped:
        raise ValueError("give either storage or flipped=True, not both")
    stored = store(phantom, storage or StorageOrder(flip_rows=flipped))
    content = encode_nifti1(
        stored.array,
        stored.affine,
        zooms=tuple(stored.truth["spacing"]),
        time_unit="msec" if stored.array.ndim == 4 else "unknown",
        description=DESCRIP,
    )
    return gzip.compress(content, compresslevel=3, mtime=0)
