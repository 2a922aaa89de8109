"""Processes: is one still running (who owns a run or a half-written folder), and worker processes
that leave Ctrl-C to the parent and run their numeric libraries on one thread."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Iterator

# Read by OpenBLAS, MKL and OpenMP when they load (the set Dask's nanny gives its workers).
ONE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def this_host() -> str:
    """The name of this machine, stored beside a pid (a pid means nothing on another host)."""
    return socket.gethostname()


def process_running(pid: int) -> bool:
    """Whether a process with this id exists on this machine (signal 0 checks, sends nothing).

    A reused pid reads as running: the caller then waits for a later run to tell.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by another user
    return True


def owner_gone(pid: int | None, host: str | None) -> bool:
    """Whether the process recorded as ``pid`` on ``host`` has certainly ended.

    No pid (a row from before owners were recorded) counts as ended; a process
    on another host is never declared ended from here.
    """
    if pid is None:
        return True
    if host != this_host():
        return False
    return pid != os.getpid() and not process_running(pid)


@contextlib.contextmanager
def children_ignore_interrupts() -> Iterator[None]:
    """While inside, SIGINT is ignored, so worker processes started here inherit that.

    Ctrl-C reaches the whole process group; the parent alone turns it into one
    line and a clean stop, while workers that took it would each print a
    traceback. An ignored signal stays ignored across exec, and Python does
    not install its KeyboardInterrupt handler over it.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_interrupts() -> None:
    """A worker initializer: leave Ctrl-C to the parent (see :func:`children_ignore_interrupts`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_worker() -> None:
    """A worker initializer: leave Ctrl-C to the parent, and one thread per numeric library.

    Each worker is one of as many processes as there are cores; OpenBLAS
    would give each of them a thread per core as well, and those threads
    spin against each other's processes: two select workers on two cores ran
    their matrix products five times slower than one. Libraries loaded
    already are limited through threadpoolctl, later ones by the variables
    they read when they load.
    """
    # imported here: only worker processes need it, and every command imports this module
    from threadpoolctl import threadpool_limits

    ignore_interrupts()
    for name in ONE_THREAD_VARIABLES:
        os.environ[name] = "1"
    threadpool_limits(limits=1)
