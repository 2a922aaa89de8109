"""The one nibabel module: NIfTI headers read lazily, voxels read whole, images encoded.

What a header *means* for qaforge (which shapes, spacings and affines are
usable, the messages a user sees, display orientation) is decided by the
callers in :mod:`qaforge.ingest` and :mod:`qaforge.images`; here are only
the library calls, with plain numpy values in and out. nibabel's own errors
become :class:`NiftiReadError`, which keeps the facts a caller needs to
name the cause.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from isal import igzip, igzip_lib
from nibabel.arrayproxy import ArrayProxy
from nibabel.filebasedimages import ImageFileError
from nibabel.spatialimages import HeaderDataError

_STREAM_ERRORS = (EOFError, zlib.error, igzip_lib.IsalError)
_READ_ERRORS = (ImageFileError, HeaderDataError, OSError, ValueError, *_STREAM_ERRORS)


class NiftiReadError(Exception):
    """nibabel could not read a file (its header, or its voxels).

    Args:
        error: What nibabel (or the OS, or zlib) raised.

    Attributes:
        text: The error's message as raised.
        reason: The message on one line, or the error's type name when it has none.
        strerror: The operating system's reason for an OS error (``No such
            file or directory``), else None.
        missing: The file does not exist.
        stream_broken: The compressed stream or the data ended early or is corrupt.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.text = str(error)
        self.reason = " ".join(self.text.split()) or type(error).__name__
        self.strerror = error.strerror if isinstance(error, OSError) else None
        self.missing = isinstance(error, FileNotFoundError)
        self.stream_broken = isinstance(error, _STREAM_ERRORS)


class NotSingleFileNifti(Exception):
    """The file opened, but as another format (or not as one ``.nii`` file with its voxels).

    Attributes:
        image_class: What nibabel read it as, e.g. ``MGHImage``.
    """

    def __init__(self, image_class: str) -> None:
        super().__init__(f"nibabel read it as {image_class}")
        self.image_class = image_class


@dataclass(frozen=True)
class NiftiHeaderFields:
    """A NIfTI header's raw fields, read without the voxels.

    Attributes:
        shape: The data shape, all axes as stored.
        zooms: Voxel size per axis (spatial axes in the header's space unit,
            the 4th in its time unit).
        affine: The voxel-to-world matrix nibabel picked (sform, else qform, else
            from the zooms); None if it has none.
        dtype: The voxels' type on disk, byte order included.
        description: The ``descrip`` field's raw 80 bytes.
        data_offset: Byte offset of the voxels in the (decompressed) file.
    """

    shape: tuple[int, ...]
    zooms: tuple[float, ...]
    affine: np.ndarray | None
    dtype: np.dtype
    description: bytes
    data_offset: int


@dataclass(frozen=True)
class NiftiVoxels:
    """All voxels of a NIfTI file and the header fields that place them.

    Attributes:
        data: The voxels as stored (the file's dtype and axis order, scaling applied
            as nibabel applies ``scl_slope`` / ``scl_inter``).
        affine: The voxel-to-world matrix; None if it has none.
        zooms: Voxel size per axis.
        time_unit: The header's time unit (``msec``, ``sec``, ``usec`` or ``unknown``).
    """

    data: np.ndarray
    affine: np.ndarray | None
    zooms: tuple[float, ...]
    time_unit: str


def read_header(path: Path) -> NiftiHeaderFields:
    """Read a NIfTI file's header; the voxels stay on disk behind a lazy proxy.

    A file whose data part is truncated still gives its header.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.

    Returns:
        The header's fields.

    Raises:
        NiftiReadError: nibabel cannot open the file.
        NotSingleFileNifti: It opened as another format, or its voxels are not
            in the same file.
    """
    try:
        image = nib.load(path)
    except _READ_ERRORS as error:
        raise NiftiReadError(error) from None
    if not isinstance(image, nib.Nifti1Image) or not isinstance(image.dataobj, ArrayProxy):
        raise NotSingleFileNifti(type(image).__name__)
    header = image.header
    return NiftiHeaderFields(
        shape=tuple(int(n) for n in header.get_data_shape()),
        zooms=tuple(float(z) for z in header.get_zooms()),
        affine=image.affine,
        dtype=header.get_data_dtype(),
        description=header["descrip"].item(),
        data_offset=int(image.dataobj.offset),
    )


def read_voxels(path: Path) -> NiftiVoxels:
    """Read all voxels of a NIfTI file.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.

    Returns:
        The voxels and their placing.

    Raises:
        NiftiReadError: nibabel cannot open the file or read its voxels.
        NotSingleFileNifti: It opened as another format.
    """
    try:
        image = nib.load(path)
        if not isinstance(image, nib.Nifti1Image):
            raise NotSingleFileNifti(type(image).__name__)
        data = _gzip_voxels(path) if _gzipped(image) else np.asanyarray(image.dataobj)
    except _READ_ERRORS as error:
        raise NiftiReadError(error) from None
    header = image.header
    return NiftiVoxels(
        data=data,
        affine=image.affine,
        zooms=tuple(float(z) for z in header.get_zooms()),
        time_unit=str(header.get_xyzt_units()[1]),
    )


def _gzipped(image: nib.Nifti1Image) -> bool:
    """Whether nibabel would inflate this image's voxels with Python's gzip."""
    proxy = image.dataobj
    return isinstance(proxy, ArrayProxy) and str(proxy.file_like).lower().endswith(".gz")


def _gzip_voxels(path: Path) -> np.ndarray:
    """The voxels of a gzipped single-file NIfTI, inflated by ISA-L.

    nibabel inflates with Python's gzip module; ISA-L's drop-in ``igzip``
    does the same about twice as fast, and inflating is most of reading a
    compressed series. nibabel still parses the header and scales the
    voxels, from the ISA-L stream.
    """
    with igzip.open(path, "rb") as stream:
        return np.asanyarray(nib.Nifti1Image.from_stream(stream).dataobj)


def axis_codes(affine: np.ndarray) -> tuple[str | None, ...]:
    """The world direction (RAS+ letters) each voxel axis points to most.

    Args:
        affine: A 4x4 voxel-to-world matrix with finite values.

    Returns:
        One letter per spatial axis (``L``/``R``, ``P``/``A``, ``I``/``S``), None
        for an axis the matrix gives no direction.
    """
    return tuple(nib.aff2axcodes(affine))


def encode_nifti1(
    array: np.ndarray,
    affine: np.ndarray,
    *,
    zooms: tuple[float, ...],
    time_unit: str,
    description: bytes,
) -> bytes:
    """Serialise an image to (uncompressed) single-file NIfTI-1 bytes.

    Args:
        array: The voxels; their dtype is the file's.
        affine: The 4x4 voxel-to-world matrix, stored as both qform and sform
            with code 1 (scanner coordinates).
        zooms: Voxel size per axis (mm, then the time unit for a 4th axis).
        time_unit: ``msec``, ``sec``, ``usec`` or ``unknown``; space is in mm.
        description: The ``descrip`` field (at most 80 bytes).

    Returns:
        The file content; the same arguments always give the same bytes.
    """
    image = nib.Nifti1Image(array, affine)
    header = image.header
    header.set_data_dtype(array.dtype)
    header.set_zooms(zooms)
    header.set_xyzt_units(xyz="mm", t=time_unit)
    header["descrip"] = description
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    return image.to_bytes()
