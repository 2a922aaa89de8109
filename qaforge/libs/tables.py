"""Spreadsheets read with pandas: the one module of qaforge that imports it for input files."""

from __future__ import annotations

import zipfile
from pathlib import Path


def read_excel_sheet(path: Path) -> tuple[list[str], list[list[str]]]:
    """The first sheet of an ``.xlsx`` file as a header and rows of text cells.

    Args:
        path: The workbook.

    Returns:
        The header row's names and every following row, each cell as a string
        (an empty cell is ``""``), as wide as the header.

    Raises:
        ValueError: The file is not a readable workbook (the message says why,
            without any cell's content).
    """
    import pandas as pd

    try:
        # header=None: the header row is read as data, so a repeated column name
        # stays repeated (pandas would rename it "text.1") and can be refused.
        frame = pd.read_excel(
            path, sheet_name=0, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(f"{type(exc).__name__}: not a readable .xlsx workbook") from None
    cells = [
        ["" if cell is None else str(cell) for cell in row] for row in frame.itertuples(index=False)
    ]
    if not cells:
        return [], []
    return cells[0], cells[1:]
