"""Lost Dask workers on cue, for tests: a worker plugin that kills its own worker.

Registered on a cluster, :class:`KillWorkerOnTask` kills (SIGKILL, no
cleanup) the worker that starts a task whose key begins with ``prefix``, as
long as fewer than ``times`` kills are recorded in ``marker_dir``: one marker
file per kill, shared by every worker (the cluster runs on this machine), so
``times=1`` loses one worker once and a large ``times`` kills every worker
that tries the task. Imported only by tests; it is why ``distributed`` has a
second owner in the import contracts.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin


class KillWorkerOnTask(WorkerPlugin):
    """See the module docstring.

    Args:
        prefix: Start of the task keys to kill on.
        marker_dir: A folder every worker sees; holds one file per kill.
        times: Most kills.
    """

    name = "qaforge-kill-worker-on-task"

    def __init__(self, prefix: str, marker_dir: str, times: int = 1) -> None:
        self.prefix = prefix
        self.marker_dir = marker_dir
        self.times = times

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        """Kill this worker as it starts executing a matching task (while kills remain)."""
        if finish != "executing" or not str(key).startswith(self.prefix):
            return
        # markers 0..times-1, each made by one worker only (O_EXCL): two workers
        # starting such tasks at once never take the same kill
        for number in range(self.times):
            try:
                marker = os.open(
                    Path(self.marker_dir) / str(number), os.O_CREAT | os.O_EXCL | os.O_WRONLY
                )
            except FileExistsError:
                continue
            os.close(marker)
            os.kill(os.getpid(), signal.SIGKILL)


def kills(marker_dir: Path) -> int:
    """How many workers the plugin killed so far."""
    return len(list(marker_dir.iterdir()))
