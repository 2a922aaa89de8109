"""Terminal output: the console, progress bars, and turning user errors into clean exits."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from qaforge.cli.context import database_error, with_db_option
from qaforge.errors import QaforgeError

console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`QaforgeError` as one line plus its hint and exit non-zero.

    No traceback: the user did nothing a traceback would help with, and a
    traceback could carry report text. A statement the database refuses is
    shown as E307 with the driver's first line only, never the values.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            try:
                return command(*args, **kwargs)
            except Exception as exc:
                if (refused := database_error(exc)) is None:
                    raise
                raise refused from None
        except KeyboardInterrupt:
            # Every stage commits whole batches, so what is stored is whole and a re-run resumes.
            error_console.print(
                "interrupted: the batches committed so far are kept; "
                "run the same command again to resume",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        except QaforgeError as exc:
            # plain text: a path or a hint such as qaforge[dask] is not console markup
            message = escape(exc.message)
            error_console.print(f"[bold red]error[/] {exc.code}: {message}", soft_wrap=True)
            if exc.hint:
                hint = escape(with_db_option(exc.hint))
                error_console.print(f"[dim]hint:[/] {hint}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


class RichProgress:
    """A ``qaforge.pipeline.Progress`` drawn with rich on stderr."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._task = None

    def start(self, description: str, total: int | None) -> None:
        self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)


@contextmanager
def progress_bar() -> Iterator[RichProgress]:
    """A progress bar for the duration of the block (hidden when stderr is not a terminal)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=error_console,
        transient=False,
        disable=not error_console.is_terminal,
    )
    with bar:
        yield RichProgress(bar)
