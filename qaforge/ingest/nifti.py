"""Reading NIfTI files: header facts without the voxels, and a one-pass integrity check.

nibabel is reached through :mod:`qaforge.libs.nifti`, and the gzip stream of a
``.nii.gz`` is inflated by :mod:`qaforge.ingest.gzip_stream`. Problems with a
file (truncated, corrupt, not NIfTI, odd header) raise
:class:`UnreadableSeriesError` with a one-line reason meant for the user;
callers turn it into a quarantine entry.

The integrity pass also keeps a small strided sample of the voxel values as
they stream past (see :class:`VoxelSample`), so that what a file holds can be
judged without reading it a second time.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qaforge.domain.series import SeriesHeader, UnreadableSeriesError
from qaforge.ingest.gzip_stream import GZIP_MAGIC, INFLATE_LIMIT, GzipCounter
from qaforge.libs.nifti import NiftiReadError, NotSingleFileNifti, axis_codes, read_header
from qaforge.settings import SeriesLimits

CHUNK_BYTES = 1 << 20
NIFTI1_HEADER_BYTES = 348
NIFTI2_HEADER_BYTES = 540
MAX_DIMS = 4
# Voxels kept by the integrity pass. 65 536 values take under 512 KiB and are
# plenty to tell an image (hundreds of distinct values) from a label map (a
# handful), whatever the file's size.
VOXEL_SAMPLE_SIZE = 1 << 16


@dataclass(frozen=True)
class NiftiHeader:
    """The header facts plus where the voxel bytes are.

    Attributes:
        series: The facts stored with the series.
        data_offset: Byte offset of the voxel data in the (decompressed) file.
        itemsize: Bytes per voxel on disk.
        voxel_dtype: The voxels' type on disk, byte order included.
    """

    series: SeriesHeader
    data_offset: int
    itemsize: int
    voxel_dtype: np.dtype

    @property
    def data_end(self) -> int:
        """Bytes the (decompressed) file must hold for all its voxels."""
        return self.data_offset + math.prod(self.series.shape) * self.itemsize


@dataclass(frozen=True)
class VoxelSample:
    """What a deterministic strided sample of a file's stored voxel values holds.

    Values are as stored, before the header's ``scl_slope`` / ``scl_inter``:
    a linear scaling changes neither how many distinct values there are nor,
    for a label map, that they are few.

    Attributes:
        size: Voxels sampled (all of them for files of up to
            :data:`VOXEL_SAMPLE_SIZE` voxels).
        distinct: Distinct values among them.
        integral: Whether every sampled value is a finite whole number (always
            true for integer types).
        low: The smallest sampled value.
        high: The largest sampled value.
    """

    size: int
    distinct: int
    integral: bool
    low: float
    high: float


@dataclass(frozen=True)
class FileDigest:
    """What one pass over a file found.

    Attributes:
        sha256: Hex sha256 of the file bytes as stored (compressed for ``.nii.gz``).
        size_bytes: File size as stored.
        voxels: A sample of the voxel values; None for voxel types that are not
            plain numbers (RGB, complex).
    """

    sha256: str
    size_bytes: int
    voxels: VoxelSample | None = None


def is_gzipped_name(path: Path) -> bool:
    """Tell whether a file name says gzip-compressed NIfTI (``.nii.gz``, any case)."""
    return path.name.lower().endswith(".nii.gz")


def read_series_header(path: Path) -> SeriesHeader:
    """Read a NIfTI file's header facts without loading its voxels.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.

    Returns:
        Shape, spacing, slices, frames, orientation, affine, dtype, description.

    Raises:
        UnreadableSeriesError: If the file is not readable NIfTI or its header is unusable.
    """
    return read_nifti_header(path).series


def read_nifti_header(path: Path) -> NiftiHeader:
    """Read a NIfTI file's header facts and data layout without loading its voxels.

    nibabel reads only the header here; the voxels stay on disk behind a lazy
    proxy, so a file whose data part is truncated still gives its header.

    Args:
        path: A ``.nii`` or ``.nii.gz`` file.

    Returns:
        The header facts and where the voxel bytes are.

    Raises:
        UnreadableSeriesError: If the file is not readable NIfTI (with the most
            likely cause: truncated, not gzip, not NIfTI) or its header has a
            shape, spacing or affine qaforge cannot use.
    """
    try:
        header = read_header(path)
    except NiftiReadError as exc:
        raise UnreadableSeriesError(_diagnose_unloadable(path, exc)) from None
    except NotSingleFileNifti as exc:
        raise UnreadableSeriesError(
            f"not a single-file NIfTI image (nibabel read it as {exc.image_class})"
        ) from None
    shape = _usable_shape(header.shape)
    spacing = header.zooms[: len(shape)]
    if not all(math.isfinite(z) for z in spacing) or not all(z > 0 for z in spacing[:3]):
        raise UnreadableSeriesError(
            f"header problem: voxel spacing {_fmt(spacing)} is not finite, or not positive "
            "for a spatial axis"
        )
    affine = header.affine
    if affine is None or not all(math.isfinite(v) for v in affine.flat):
        raise UnreadableSeriesError("header problem: the affine has missing or non-finite values")
    codes = axis_codes(affine)
    if any(code is None for code in codes):
        raise UnreadableSeriesError(
            "header problem: the affine is degenerate (no orientation for some axis)"
        )
    dtype = header.dtype
    series = SeriesHeader(
        shape=shape,
        spacing=spacing,
        n_slices=shape[2] if len(shape) >= 3 else 1,
        n_frames=shape[3] if len(shape) >= 4 else 1,
        orientation="".join(codes),
        affine=affine.tolist(),
        dtype=dtype.name,
        description=_description(header.description),
    )
    return NiftiHeader(
        series=series,
        data_offset=header.data_offset,
        itemsize=dtype.itemsize,
        voxel_dtype=dtype,
    )


def digest_and_verify(
    path: Path, header: NiftiHeader, *, limits: SeriesLimits | None = None
) -> FileDigest:
    """Hash a file, check it holds all its voxel bytes and sample its voxels, in one streamed pass.

    Memory stays constant: the file is read in chunks; for ``.nii.gz`` they are also inflated
    (bounded output per call) only to count the bytes, to check the gzip stream (all members,
    CRCs) ends properly and to pick the sampled voxels as they pass (see :class:`VoxelSample`).

    Args:
        path: The file whose header was read.
        header: Its header, from :func:`read_nifti_header`.
        limits: Size limits (default: from the environment).

    Returns:
        The sha256 of the stored bytes, the stored size and the voxel sample.

    Raises:
        UnreadableSeriesError: If the file cannot be read, its gzip stream is
            truncated or corrupt, or it holds fewer bytes than its header needs.
    """
    digest = hashlib.sha256()
    size = 0
    sampler = _VoxelSampler.for_header(header)
    sink = sampler.feed if sampler is not None else None
    inflater = GzipCounter(sink, inflate_limit=INFLATE_LIMIT) if is_gzipped_name(path) else None
    max_inflated = (limits or SeriesLimits()).max_decompressed_bytes
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                digest.update(chunk)
                if inflater is not None:
                    inflater.feed(chunk, offset=size)
                    if inflater.count > max_inflated:  # a gzip bomb: stop before inflating it all
                        raise UnreadableSeriesError(
                            f"decompressed data over the limit of {max_inflated} bytes "
                            "(QAFORGE_MAX_DECOMPRESSED_BYTES)"
                        )
                elif sink is not None:
                    sink(chunk, size)
                size += len(chunk)
    except OSError as exc:
        raise UnreadableSeriesError(f"cannot read the file ({_os_reason(exc)})") from None
    if inflater is not None:
        inflater.finish(size)
        content_bytes = inflater.count
    else:
        content_bytes = size
    if content_bytes < header.data_end:
        shape = "x".join(str(n) for n in header.series.shape)
        raise UnreadableSeriesError(
            f"truncated: the {'decompressed ' if inflater else ''}file holds {content_bytes} "
            f"bytes but its header needs {header.data_end} (offset {header.data_offset} + "
            f"{shape} voxels of {header.series.dtype})"
        )
    return FileDigest(
        sha256=digest.hexdigest(),
        size_bytes=size,
        voxels=sampler.sample() if sampler is not None else None,
    )


def sample_stride(n_voxels: int, plane: int, limit: int = VOXEL_SAMPLE_SIZE) -> int:
    """The stride, in voxels, of the sample kept from a file of ``n_voxels``.

    The smallest stride that keeps at most ``limit`` voxels and shares no
    factor with ``plane`` (the voxels of one slice): a stride that divided the
    row length would sample one column only, often the empty edge of the field
    of view, and make an image look blank.

    Args:
        n_voxels: Voxels in the file.
        plane: Voxels in one slice (the first two axes).
        limit: Most voxels to keep.

    Returns:
        1 when all voxels fit, else a stride coprime with ``plane``.
    """
    stride = max(1, -(-n_voxels // limit))
    while math.gcd(stride, plane) != 1:
        stride += 1
    return stride


class _VoxelSampler:
    """Picks every ``stride``-th voxel out of the voxel bytes as they stream past.

    Fed consecutive pieces of the (decompressed) file with their offsets; a
    voxel cut between two pieces is put together from the carried tail of the
    previous one.
    """

    def __init__(self, *, data_offset: int, dtype: np.dtype, n_voxels: int, stride: int) -> None:
        self._dtype = dtype
        self._itemsize = dtype.itemsize
        self._first = data_offset
        self._step = stride * dtype.itemsize
        self._count = -(-n_voxels // stride)
        self._end = data_offset + (self._count - 1) * self._step + dtype.itemsize
        self._carry = b""
        self._parts: list[np.ndarray] = []

    @classmethod
    def for_header(cls, header: NiftiHeader) -> _VoxelSampler | None:
        """A sampler for the file's voxels, or None if they are not plain numbers."""
        dtype = header.voxel_dtype
        if dtype.fields is not None or dtype.kind not in "iuf":
            return None
        shape = header.series.shape
        n_voxels = math.prod(shape)
        return cls(
            data_offset=header.data_offset,
            dtype=dtype,
            n_voxels=n_voxels,
            stride=sample_stride(n_voxels, shape[0] * shape[1], VOXEL_SAMPLE_SIZE),
        )

    def feed(self, data: bytes, position: int) -> None:
        """Take the sampled voxels held by ``data``, which starts at byte ``position``."""
        start = position - len(self._carry)
        stop = position + len(data)
        kept = self._itemsize - 1
        if stop <= self._first or start >= self._end:
            self._carry = (self._carry + data[-kept:])[-kept:] if kept else b""
            return
        buffer = self._carry + data if self._carry else data
        self._carry = buffer[-kept:] if kept else b""
        low = max(0, -(-(start - self._first) // self._step))
        high = min(self._count - 1, (stop - self._itemsize - self._first) // self._step)
        if high < low:
            return
        offsets = self._first + np.arange(low, high + 1) * self._step - start
        raw = np.frombuffer(buffer, np.uint8)[offsets[:, None] + np.arange(self._itemsize)]
        self._parts.append(np.frombuffer(raw.tobytes(), self._dtype))

    def sample(self) -> VoxelSample | None:
        """What the sampled voxels hold; None if the file held none of them."""
        if not self._parts:
            return None
        values = np.concatenate(self._parts).astype(self._dtype.newbyteorder("="))
        if values.dtype.kind == "f":
            finite = np.isfinite(values)
            integral = bool(finite.all() and (values == np.floor(values)).all())
            shown = values[finite] if finite.any() else values
        else:
            integral, shown = True, values
        return VoxelSample(
            size=int(values.size),
            distinct=int(np.unique(values).size),
            integral=integral,
            low=float(shown.min()),
            high=float(shown.max()),
        )


def _usable_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Drop trailing length-1 axes beyond the 4th; refuse shapes qaforge cannot use."""
    trimmed = shape
    while len(trimmed) > MAX_DIMS and trimmed[-1] == 1:
        trimmed = trimmed[:-1]
    if len(trimmed) > MAX_DIMS:
        raise UnreadableSeriesError(
            f"header problem: shape {_fmt(shape)} has {len(shape)} dimensions with a 5th or "
            "later axis longer than 1; expected 2D, 3D (x, y, slices) or 4D (x, y, slices, time)"
        )
    if len(trimmed) < 2:
        raise UnreadableSeriesError(
            f"header problem: shape {_fmt(shape)} has {len(shape)} dimension(s); expected 2 to 4"
        )
    if any(n < 1 for n in trimmed):
        raise UnreadableSeriesError(f"header problem: shape {_fmt(shape)} has an empty axis")
    return trimmed


def _description(raw: bytes) -> str:
    """The ``descrip`` field as printable text (up to its first NUL)."""
    text = raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()


def _diagnose_unloadable(path: Path, exc: NiftiReadError) -> str:
    """Name the likely cause when nibabel cannot open a file."""
    if exc.strerror:
        return f"cannot read the file ({exc.strerror.lower()})"
    try:
        head, stream_ended = _read_head(path)
    except UnreadableSeriesError as problem:
        return problem.reason
    gzipped = is_gzipped_name(path)
    if not _has_nifti_signature(head):
        if gzipped and not stream_ended and len(head) < NIFTI1_HEADER_BYTES:
            return (
                f"truncated: the gzip stream stops after {len(head)} bytes, "
                f"inside the {NIFTI1_HEADER_BYTES}-byte NIfTI header"
            )
        if not head:
            return "empty file" if not gzipped else "empty gzip stream"
        if len(head) < NIFTI1_HEADER_BYTES and _looks_like_nifti_start(head):
            return (
                f"truncated: only {len(head)} bytes, shorter than a "
                f"{NIFTI1_HEADER_BYTES}-byte NIfTI header"
            )
        return "not a NIfTI file (no NIfTI-1 or NIfTI-2 signature in the header)"
    return f"header cannot be read ({exc.reason})"


def _read_head(path: Path) -> tuple[bytes, bool]:
    """The first NIfTI-2-header's worth of (decompressed) bytes, and whether the stream ended."""
    want = NIFTI2_HEADER_BYTES
    try:
        with path.open("rb") as handle:
            if not is_gzipped_name(path):
                return handle.read(want), True
            raw = handle.read(CHUNK_BYTES)
            if not raw:
                raise UnreadableSeriesError("empty file")
            if not raw.startswith(GZIP_MAGIC[: len(raw)]):
                raise UnreadableSeriesError("not a gzip file (the gzip signature is missing)")
            inflater = zlib.decompressobj(wbits=31)
            head = b""
            while raw and len(head) < want:
                head += inflater.decompress(raw, want - len(head))
                raw = inflater.unconsumed_tail or handle.read(CHUNK_BYTES)
                if inflater.eof:
                    break
            return head, inflater.eof
    except zlib.error as exc:
        raise UnreadableSeriesError(f"corrupt gzip data ({exc})") from None
    except OSError as exc:
        raise UnreadableSeriesError(f"cannot read the file ({_os_reason(exc)})") from None


def _has_nifti_signature(head: bytes) -> bool:
    return head[344:348] in (b"n+1\0", b"ni1\0") or head[4:12] in (
        b"n+2\0\r\n\x1a\n",
        b"ni2\0\r\n\x1a\n",
    )


def _looks_like_nifti_start(head: bytes) -> bool:
    """Whether the first 4 bytes are a NIfTI ``sizeof_hdr`` (either byte order)."""
    if len(head) < 4:
        return False
    sizes = {struct.unpack("<i", head[:4])[0], struct.unpack(">i", head[:4])[0]}
    return bool(sizes & {NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES})


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _fmt(values: tuple[float, ...] | tuple[int, ...]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"
