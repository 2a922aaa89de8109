"""Replace a folder as a whole: written beside it, swapped in when complete.

A killed writer leaves the folder as it was, or as the new one, never a mix.
The new folder is written to ``.NAME.tmp-<pid>`` in the same parent (same file
system, so renames are atomic). On Linux the two folders are exchanged by one
``renameat2(RENAME_EXCHANGE)`` call; elsewhere the old folder is renamed to
``.NAME.old-<pid>`` and the new one renamed in, and the next replacement puts a
lone ``.old`` folder back if a kill fell between the two renames.

Hand-written over ctypes: Python's :mod:`os` has no ``RENAME_EXCHANGE`` and no
library in the stack swaps folders (``atomicwrites`` and the like do single files).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

from qaforge.libs.processes import process_running

T = TypeVar("T")

RENAME_EXCHANGE = 2
"""``linux/fs.h``: swap the two paths atomically."""
AT_FDCWD = -100
"""``fcntl.h``: relative paths are resolved from the working directory."""


def replace_folder(
    target: Path, write: Callable[[Path], T], *, owned: Collection[str] | None = None
) -> T:
    """Write a new version of ``target`` with ``write`` and swap it in once ``write`` returns.

    Args:
        target: The folder to replace (created when missing).
        write: Fills the empty folder it is given; its return value is returned.
            When it raises, ``target`` is untouched and the partial folder removed.
        owned: Top-level names in ``target`` that belong to the writer: an old
            entry with such a name is dropped even if the new folder lacks it.
            Every other old entry the new folder lacks is carried over (hard
            links where possible), so files a user put beside the writer's stay.
            ``None``: every old entry is the writer's (nothing carried over).

    Returns:
        What ``write`` returned.
    """
    target = Path(os.path.abspath(target))  # "." or "out/" name their folder too; links kept
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    temp = _sibling(target, "tmp", os.getpid())
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    try:
        result = write(temp)
        if target.is_dir() and owned is not None:
            _carry_over(target, temp, owned)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _swap_in(temp, target)
    return result


def recover(target: Path) -> None:
    """Undo what a killed :func:`replace_folder` left beside ``target``.

    A ``.old`` folder with no ``target`` is put back (the kill fell between the
    renames); ``.tmp`` and ``.old`` folders of writers no longer running are removed.
    """
    for kind in ("old", "tmp"):
        for leftover in target.parent.glob(f".{target.name}.{kind}-*"):
            pid = leftover.name.rpartition("-")[2]
            if pid.isdigit() and process_running(int(pid)) and int(pid) != os.getpid():
                continue
            if kind == "old" and not target.exists():
                leftover.rename(target)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def temp_folders(target: Path) -> list[Path]:
    """The ``.tmp``/``.old`` folders beside ``target`` (for tests and status)."""
    return sorted(target.parent.glob(f".{target.name}.*-*"))


def _sibling(target: Path, kind: str, pid: int) -> Path:
    return target.parent / f".{target.name}.{kind}-{pid}"


def _carry_over(old: Path, new: Path, owned: Collection[str]) -> None:
    """Link (or copy) every entry of ``old`` that is neither owned nor in ``new``."""
    for entry in old.iterdir():
        if entry.name in owned or (new / entry.name).exists():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, new / entry.name)


def _link_or_copy(source: str | Path, destination: str | Path) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _swap_in(temp: Path, target: Path) -> None:
    """Put ``temp`` at ``target``; the old ``target`` is deleted afterwards."""
    if not target.exists():
        os.rename(temp, target)
        return
    if _exchange(temp, target):
        shutil.rmtree(temp)  # now holds the old folder
        return
    old = _sibling(target, "old", os.getpid())
    os.rename(target, old)
    os.rename(temp, target)
    shutil.rmtree(old)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one ``renameat2`` call; False where the system has none."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # old kernel or a file system without exchange
    raise OSError(code, os.strerror(code), str(second))
