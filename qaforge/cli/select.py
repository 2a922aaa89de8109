"""``qaforge select``: pick and render the slices each item shows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.context import app_state
from qaforge.cli.executors import ExecutorOption, SchedulerOption

DEFAULT_IMAGES_DIR = Path("images")
DEFAULT_SIZE = 256

WorkersOption = Annotated[
    int | None,
    typer.Option(min=1, max=1024, help="Worker processes; default: one per core. 1 runs inline."),
]


# The options of `select`, named once so the command's signature stays readable.
ProtocolOption = Annotated[
    list[str] | None,
    typer.Option(
        help="random, clinical or data-driven (repeat for several); default clinical.",
    ),
]
BudgetOption = Annotated[
    list[int] | None,
    typer.Option(help="Images per item, K (repeat for several); default 16."),
]
ImagesDirOption = Annotated[
    Path,
    typer.Option(help="Where the PNGs and contact sheets go (content-addressed names)."),
]
SizeOption = Annotated[
    int,
    typer.Option(
        help="Enlarge slices whose short side is smaller to this many pixels "
        "(larger slices keep their matrix); 0 keeps every stored matrix."
    ),
]


@user_errors
def select_command(
    ctx: typer.Context,
    protocol: ProtocolOption = None,
    budget: BudgetOption = None,
    images_dir: ImagesDirOption = DEFAULT_IMAGES_DIR,
    size: SizeOption = DEFAULT_SIZE,
    seed: Annotated[int, typer.Option(help="Seed of the random protocol.")] = 0,
    workers: WorkersOption = None,
    executor: ExecutorOption = "process",
    scheduler: SchedulerOption = None,
) -> None:
    """Route each active item to its study's series and pick K slices to show.

    The subtask's views (primary first, then fallbacks) choose the series;
    the protocol chooses the slices (docs/images.md): 'random' (seeded),
    'clinical' (end-diastole of every slice first, LGE/T2 base to apex,
    perfusion at peak enhancement) or 'data-driven' (most diverse frames).
    Every image row records series, slice, frame, protocol, budget, rank and
    windowing, with a contact sheet per item. Re-running redoes only what changed.

    A series that cannot be read or windowed (corrupt, RGB, complex, no
    finite voxel, any other failure) is quarantined with path and reason and
    the others go on; NaN/inf voxels are left out of the window and counted.
    With --executor dask --scheduler tcp://HOST:8786 each study is one task
    on a Dask cluster whose workers see the series and --images-dir at the
    same paths (docs/distributed.md).

    Exits 0 when the run finished, quarantined series included; 1 when no
    selection has an image because every routed series was quarantined.
    """
    from qaforge.pipeline.executors import checked_executor
    from qaforge.pipeline.select import select_images

    checked_executor(executor, scheduler)
    state = app_state(ctx)
    with progress_bar() as progress:
        summary = select_images(
            state.engine(),
            protocols=protocol or ["clinical"],  # type: ignore[arg-type]
            budgets=budget or [16],
            images_dir=images_dir,
            seed=seed,
            size=size or None,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            progress=progress,
        )
    print_selection_summary(summary)
    raise typer.Exit(selection_exit_code(summary))


def selection_exit_code(summary) -> int:
    """1 when no selection has an image because every routed series was quarantined, else 0."""
    return 1 if summary.unreadable and not (summary.selected or summary.unchanged) else 0


def print_selection_summary(summary) -> None:
    """The counts of a select run, and every unreadable series with its reason."""
    table = Table(title="select", title_justify="left")
    for column in ("selected", "no series", "unreadable", "unchanged", "images", "files written"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.selected),
        str(summary.no_series),
        str(summary.unreadable),
        str(summary.unchanged),
        str(summary.images),
        str(summary.written),
    )
    console.print(table)
    for problem in summary.unreadable_series:
        console.print(f"[yellow]unreadable series[/] {problem.path}: {problem.reason}")
    console.print(
        f"select: {', '.join(summary.protocols)} at K={', '.join(map(str, summary.budgets))}: "
        f"{summary.items} active items, "
        f"{summary.selected + summary.no_series + summary.unreadable} selections made "
        f"({summary.no_series} not answerable from images, {summary.unreadable} with no "
        f"readable series), {summary.unchanged} unchanged; {summary.images} images, "
        f"{summary.written} files written (PNG slices, JPEG contact sheets) to {summary.images_dir}"
        + (
            f"; {len(summary.unreadable_series)} unreadable series quarantined "
            "(see 'qaforge quarantine --stage select')"
            if summary.unreadable_series
            else ""
        )
    )
