"""Dask distributed: run per-study work units on a cluster, results back in submission order.

The one module that imports ``dask``/``distributed`` (an optional extra,
``pip install 'qaforge[dask]'``): importing it does not need them; choosing
the ``dask`` executor without them is error E013. A unit is one task;
distributed reschedules the tasks of a lost worker by itself, and a task
that keeps killing workers (the scheduler's ``allowed-failures``, default 3)
comes back as a :class:`LostUnit`, so the caller counts that unit as failed
and the others go on. Workers must see the same files as this process (the
series, the images folder): :meth:`DaskCluster.check_folder` checks a folder
on every worker before any work.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from qaforge.errors import QaforgeError

EXECUTORS = ("process", "dask")
CONNECT_TIMEOUT_SECONDS = 10.0

Unit = TypeVar("Unit")
Result = TypeVar("Result")


class ExecutorChoice(BaseModel):
    """Where per-study work runs.

    Attributes:
        kind: ``process`` (worker processes on this machine, the default) or
            ``dask`` (the workers of a Dask distributed scheduler).
        scheduler: The scheduler's address, e.g. ``tcp://10.0.0.5:8786`` (dask only).
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["process", "dask"] = "process"
    scheduler: str | None = None


def executor_choice(kind: str = "process", scheduler: str | None = None) -> ExecutorChoice:
    """The executor the user asked for, checked.

    Args:
        kind: ``process`` or ``dask``.
        scheduler: A Dask scheduler address (needed by, and only used with, ``dask``).

    Returns:
        The checked choice.

    Raises:
        ConfigError: E011 for an unknown kind, E012 for a scheduler missing
            (dask) or given in vain (process), E013 when dask is not installed.
    """
    if kind not in EXECUTORS:
        raise QaforgeError.of("E011", kind=kind, choices=" or ".join(EXECUTORS))
    if kind == "dask" and not scheduler:
        raise QaforgeError.of("E012", problem="--executor dask needs --scheduler ADDRESS")
    if kind == "process" and scheduler:
        raise QaforgeError.of("E012", problem="--scheduler is only used with --executor dask")
    if kind == "dask" and not dask_installed():
        raise QaforgeError.of("E013")
    return ExecutorChoice(kind=kind, scheduler=scheduler)  # type: ignore[arg-type]


def dask_installed() -> bool:
    """Whether ``distributed`` can be imported here."""
    try:
        return importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules counts as absent
        return False


def shown_address(address: str) -> str:
    """A scheduler address fit for messages: any ``user:password@`` part masked."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if "@" not in parts.netloc:
        return address
    return address.replace(parts.netloc, "***@" + parts.netloc.rsplit("@", 1)[1], 1)


@dataclass(frozen=True)
class LostUnit:
    """A unit that did not come back: its task kept killing the workers that ran it.

    Attributes:
        reason: One line for the user (no task data).
    """

    reason: str


class DaskCluster:
    """A connection to a Dask scheduler, used as ``with DaskCluster(address) as cluster:``.

    Args:
        address: The scheduler, e.g. ``tcp://127.0.0.1:8786``.
        timeout: Seconds to wait for the scheduler before E014 (default
            :data:`CONNECT_TIMEOUT_SECONDS`).
    """

    def __init__(self, address: str, *, timeout: float | None = None) -> None:
        self.address = address
        self.timeout = CONNECT_TIMEOUT_SECONDS if timeout is None else timeout
        self._client: Any = None

    def __enter__(self) -> DaskCluster:
        from distributed import Client

        try:
            self._client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise QaforgeError.of(
                "E014",
                address=shown_address(self.address),
                seconds=f"{self.timeout:g}",
                problem=type(error).__name__,
            ) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def check_folder(self, folder: str) -> None:
        """Check that every worker can write into ``folder`` (and imports qaforge).

        Raises:
            ConfigError: E015 naming the first worker that cannot, and why.
        """
        try:
            problems = self._client.run(folder_problem, folder)
        except Exception as error:  # a worker without qaforge cannot even unpickle the check
            raise QaforgeError.of(
                "E015", folder=folder, worker="a worker", problem=type(error).__name__
            ) from None
        if not problems:
            raise QaforgeError.of(
                "E015", folder=folder, worker="the cluster", problem="it has no workers"
            )
        for worker, problem in sorted(problems.items()):
            if problem:
                raise QaforgeError.of("E015", folder=folder, worker=worker, problem=problem)

    def run_in_order(
        self,
        function: Callable[[Unit], Result],
        units: Sequence[Unit],
        labels: Sequence[str],
    ) -> Iterator[Result | LostUnit]:
        """Run ``function`` on every unit, one task each, yielding results in the order of ``units``.

        Every task is submitted at once (the scheduler spreads them); results
        are taken in order, so a caller that stores them in batches sees the
        same sequence as an in-process run.

        Args:
            function: A module-level function (workers import it by name).
            units: Picklable inputs.
            labels: One per unit, the start of its task key (no PHI: keys show
                in the scheduler's dashboard).

        Yields:
            The function's result, or a :class:`LostUnit` for a task that
            kept killing workers. Any other error of a task is raised here.
        """
        from distributed import KilledWorker

        futures = [
            self._client.submit(function, unit, key=f"{label}-{uuid.uuid4().hex}", pure=False)
            for unit, label in zip(units, labels, strict=True)
        ]
        try:
            for index in range(len(futures)):
                future, futures[index] = futures[index], None
                try:
                    yield future.result()
                except KilledWorker:
                    yield LostUnit("its task kept killing the Dask workers that ran it")
                finally:
                    future.release()
        finally:
            self._client.cancel([future for future in futures if future is not None])


def folder_problem(folder: str) -> str:
    """Run on a worker: why it cannot write a file into ``folder`` ("" when it can)."""
    if not os.path.isdir(folder):
        return "the folder does not exist on this worker (workers need a shared filesystem)"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".qaforge-check-"):
            pass
    except OSError as error:
        return (error.strerror or type(error).__name__).lower()
    return ""
