"""Inflating a ``.nii.gz`` file's gzip stream chunk by chunk, to count and check its bytes.

Used by the integrity pass of :mod:`qaforge.ingest.nifti`: memory stays
constant however large the file, the stream is checked to its end (all
members, their CRCs), and the inflated bytes can be handed on as they pass.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from qaforge.domain.series import UnreadableSeriesError

GZIP_MAGIC = b"\x1f\x8b"
# Caps the output of one decompress call: a 1 MiB chunk of an almost empty
# image can inflate to gigabytes.
INFLATE_LIMIT = 1 << 20


class GzipCounter:
    """Inflates a gzip stream chunk by chunk, keeping only the byte count.

    Args:
        sink: Called with each piece of inflated output and its offset in the
            decompressed stream, if given.
        inflate_limit: Most bytes one decompress call may give.

    Attributes:
        count: Bytes inflated so far.
        members: Gzip members that ended so far.
    """

    def __init__(
        self,
        sink: Callable[[bytes, int], None] | None = None,
        *,
        inflate_limit: int = INFLATE_LIMIT,
    ) -> None:
        self._sink = sink
        self._limit = inflate_limit
        self.count = 0
        self.members = 0
        self._inflater = zlib.decompressobj(wbits=31)
        self._started = False
        self._pending = False

    def feed(self, chunk: bytes, *, offset: int) -> None:
        """Inflate the next compressed bytes, which start at byte ``offset`` of the file.

        Raises:
            UnreadableSeriesError: The bytes are not gzip, or corrupt.
        """
        data = self._next_member(chunk) if self._inflater.eof else chunk
        # A full output buffer may leave output pending inside zlib even when
        # all input was taken, so keep asking until a call returns less.
        while data or self._pending:
            position = offset + len(chunk) - len(data)
            try:
                out = self._inflater.decompress(data, self._limit)
            except zlib.error as exc:
                raise UnreadableSeriesError(self._corrupt_reason(exc, data, position)) from None
            self._started = True
            if self._sink is not None and out:
                self._sink(out, self.count)
            self.count += len(out)
            if self._inflater.eof:
                self.members += 1
                self._pending = False
                data = self._next_member(self._inflater.unused_data)
            else:
                data = self._inflater.unconsumed_tail
                self._pending = len(out) == self._limit

    def _next_member(self, data: bytes) -> bytes:
        # Like gzip.open: zero padding after a member is allowed, and anything
        # else must be the next member.
        data = data.lstrip(b"\0")
        if data:
            self._inflater = zlib.decompressobj(wbits=31)
            self._started = False
        return data

    def finish(self, size: int) -> None:
        """Check the stream ended where the file did.

        Args:
            size: Bytes in the file.

        Raises:
            UnreadableSeriesError: The file is empty or the stream stops before its end.
        """
        if size == 0:
            raise UnreadableSeriesError("empty file")
        if self._started and not self._inflater.eof:
            raise UnreadableSeriesError(
                f"truncated: the gzip stream stops before its end (file is {size} bytes, "
                f"{self.count} bytes decompressed)"
            )

    def _corrupt_reason(self, exc: zlib.error, data: bytes, position: int) -> str:
        problem = str(exc).removeprefix("Error -3 while decompressing data: ")
        if not self._started and not data.startswith(GZIP_MAGIC):
            if self.members:
                return f"unexpected bytes after the end of the gzip stream at byte {position}"
            return "not a gzip file (the gzip signature is missing)"
        return f"corrupt gzip data ({problem})"
