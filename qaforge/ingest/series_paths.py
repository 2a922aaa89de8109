"""Which found paths may be opened: checks on a file's name and kind before any read.

A scanned folder may hold what no reader should open: a name that is not
valid UTF-8 (it cannot be stored or printed), a FIFO or device that would
block a read forever, a symlink that leads outside the folder or around in a
loop. Each is refused with a one-line reason, before it is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from qaforge.ingest.refusal import Refusal
from qaforge.ingest.text_checks import has_surrogates

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def printable_path(text: str) -> str:
    """A path as text that can be stored and printed: undecodable bytes as ``\\xff`` escapes."""
    if not has_surrogates(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte gives (a bad escape)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def file_refusal(path: Path, root: Path, *, what: str = "file") -> Refusal | None:
    """Why a found path must not be opened, or None if it is a regular file inside ``root``.

    Args:
        path: The path, under ``root``.
        root: The scanned folder; symlinks must resolve inside it.
        what: What the path is, for the reason (``file``, ``sidecar x.json``).

    Returns:
        None, or why: a name that is not valid UTF-8, a broken symlink, a
        symlink loop, a symlink outside the folder, not a regular file.
    """
    if has_surrogates(str(path.relative_to(root))):
        return Refusal(f"{what} name is not valid UTF-8; rename it")
    try:
        if path.is_symlink():
            refused = _symlink_refusal(path, root, what)
            if refused is not None:
                return refused
        mode = path.stat().st_mode
    except OSError as exc:
        return Refusal(f"{what} cannot be read ({(exc.strerror or type(exc).__name__).lower()})")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        return Refusal(f"{what} is not a regular file ({kind}); not opened")
    return None


def _symlink_refusal(path: Path, root: Path, what: str) -> Refusal | None:
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Refusal(f"{what} is a symlink loop; not followed")
        if exc.errno == errno.ENOENT:
            return Refusal(f"{what} is a broken symlink (its target does not exist)")
        raise
    if not target.is_relative_to(Path(os.path.realpath(root))):
        return Refusal(f"{what} is a symlink to outside the folder; not followed")
    return None
