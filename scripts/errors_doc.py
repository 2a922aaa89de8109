"""Rewrite the table of docs/errors.md from the table of error codes.

.venv/bin/python scripts/errors_doc.py

The table (from its ``| code | meaning |`` header to its last row) is
replaced by :func:`qaforge.error_codes.errors_doc_table`; the text around it
is kept. tests/test_errors.py fails until the doc matches.
"""

from __future__ import annotations

from pathlib import Path

from qaforge.error_codes import errors_doc_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
HEADER = "| code | meaning |"


def rewrite_table(doc: str, table: str) -> str:
    """``doc`` with its error table replaced by ``table``.

    Args:
        doc: The text of docs/errors.md.
        table: The rendered table, ending in a newline.

    Returns:
        The new text.

    Raises:
        ValueError: If ``doc`` has no line ``| code | meaning |``.
    """
    lines = doc.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == HEADER), None)
    if start is None:
        raise ValueError(f"{DOC} has no line {HEADER!r}")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "".join(lines[:start]) + table + "".join(lines[end:])


def main() -> None:
    """Rewrite docs/errors.md in place."""
    DOC.write_text(rewrite_table(DOC.read_text(encoding="utf-8"), errors_doc_table()), "utf-8")


if __name__ == "__main__":
    main()
