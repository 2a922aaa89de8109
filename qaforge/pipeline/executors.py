"""Where per-study work runs: the executor choice of ``select`` and ``extract``, checked early.

Commands check ``--executor``/``--scheduler`` with :func:`checked_executor`
before they open the database, so a bad choice is the first error shown.
"""

from __future__ import annotations

from qaforge.libs.dask_executor import ExecutorChoice, executor_choice


def checked_executor(kind: str, scheduler: str | None) -> ExecutorChoice:
    """The executor asked for, checked (see :func:`qaforge.libs.dask_executor.executor_choice`).

    Args:
        kind: ``process`` or ``dask``.
        scheduler: The Dask scheduler address (dask only).

    Returns:
        The choice.

    Raises:
        ConfigError: E011 unknown kind, E012 scheduler missing or in vain,
            E013 dask not installed.
    """
    return executor_choice(kind, scheduler)
