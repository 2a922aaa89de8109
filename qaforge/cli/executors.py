"""The ``--executor`` and ``--scheduler`` options of commands whose work is per study."""

from __future__ import annotations

from typing import Annotated

import typer

ExecutorOption = Annotated[
    str,
    typer.Option(
        help="process (worker processes on this machine) or dask (one task per study on "
        "the Dask cluster of --scheduler; docs/distributed.md)."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)."),
]
