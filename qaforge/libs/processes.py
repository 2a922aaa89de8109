"""Is a process still running? (Who owns a run or a half-written folder.)"""

from __future__ import annotations

import os
import socket


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
