"""Callbacks that check the shape of path options before a command does any work.

A file given where a folder is written (or a folder where a file is written)
would otherwise fail deep inside a stage with a traceback, after work was
done. Typer's ``file_okay``/``dir_okay`` do not see ``""`` (it names the
working folder) nor a file standing in the middle of a folder path, so these
look at the path as it will be used.
"""

from __future__ import annotations

from pathlib import Path

import typer


def output_file(value: Path | None) -> Path | None:
    """Refuse a file option that names an existing folder (``""`` names the working folder).

    Args:
        value: The option's path, or ``None`` when it was not given.

    Returns:
        ``value`` unchanged.

    Raises:
        typer.BadParameter: The path is a folder, or a file stands where a folder of it should be.
    """
    if value is None:
        return None
    if value.is_dir():
        raise typer.BadParameter(f"{_shown(value)} is a folder; give a file path")
    _refuse_file_in_path(value.parent)
    return value


def output_folder(value: Path | None) -> Path | None:
    """Refuse a folder option that names an existing file, or lies under one.

    Args:
        value: The option's path, or ``None`` when it was not given.

    Returns:
        ``value`` unchanged.

    Raises:
        typer.BadParameter: The path, or one of its parents, is a file.
    """
    if value is None:
        return None
    _refuse_file_in_path(value)
    return value


def replaced_folder(value: Path) -> Path:
    """Refuse a folder that a command replaces as a whole when it holds the working folder.

    ``export`` swaps its folder for a new one: given ``""`` (the working
    folder) or one of its parents, the user's own files and database would
    be swapped out with it.

    Args:
        value: The folder argument.

    Returns:
        ``value`` unchanged.

    Raises:
        typer.BadParameter: The path is a file (or lies under one), or the
            working folder lies in it.
    """
    _refuse_file_in_path(value)
    working = Path.cwd().resolve()
    target = value.resolve()
    if target == working or target in working.parents:
        raise typer.BadParameter(
            f"{_shown(value)} holds the working folder, and the export replaces its folder "
            "as a whole; give a folder of its own"
        )
    return value


def _refuse_file_in_path(folder: Path) -> None:
    """BadParameter when ``folder`` or its nearest existing parent is not a folder."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise typer.BadParameter(
                    f"{_shown(candidate)} is a file, not a folder; give a folder path"
                )
            return


def _shown(path: Path) -> str:
    return "the working folder" if str(path) == "." else str(path)
