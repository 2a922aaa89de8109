"""The raw rows of report files, one reader per format, none of which stops on one row.

Each reader turns a file into :class:`RawRow` items: the fields of a row, or
the problem that kept it from having fields (bad JSON, a broken CSV quote, an
unreadable Parquet row group), with its location. Only a file that cannot be
read at all (no header, duplicate columns, not a Parquet file) raises a
:class:`QaforgeError`. Problems name positions and limits, never field values:
report text is PHI.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qaforge.domain.reports import REPORT_FIELDS, UNDECODABLE
from qaforge.errors import QaforgeError
from qaforge.settings import ReportLimits


@dataclass(frozen=True)
class RawRow:
    """One row as read, before validation.

    Attributes:
        location: ``line 7``, ``row 3`` or ``rows 1-5000``.
        fields: The row's fields, or None when it could not be parsed.
        problem: Why the row is refused before validation (None: not refused yet).
        raw: The row's raw text, for the private quarantine store.
    """

    location: str
    fields: dict[str, object] | None
    problem: str | None
    raw: str


def json_depth(value: object) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0, ``{"a": 1}`` is 1), iteratively."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def jsonl_rows(path: Path, limits: ReportLimits) -> Iterator[RawRow]:
    """Every non-blank line of a JSONL file as a row (blank lines separate nothing).

    A line longer than ``max_line_bytes`` is refused without being held in memory
    whole: only its first ``max_line_bytes`` bytes are read, the rest is skipped.
    """
    with path.open("rb") as handle:
        for number, raw_line, size in _bounded_lines(handle, limits.max_line_bytes):
            if number == 1:
                raw_line = raw_line.removeprefix(b"\xef\xbb\xbf")
            if size > limits.max_line_bytes:
                problem = (
                    f"line has {size} bytes, over the limit of {limits.max_line_bytes} "
                    "(QAFORGE_MAX_LINE_BYTES)"
                )
                yield RawRow(f"line {number}", None, problem, raw_line.decode("utf-8", "replace"))
            elif raw_line.strip():
                yield _jsonl_row(f"line {number}", raw_line, limits)


def _bounded_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes, int]]:
    """``(number, first bytes, size)`` of each line, reading at most ``limit + 1`` bytes of one."""
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        size = len(line)
        if size > limit and not line.endswith(b"\n"):
            while chunk := handle.readline(1 << 20):  # skip the rest of the long line
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    break
        yield number, line, size


def _jsonl_row(location: str, raw_line: bytes, limits: ReportLimits) -> RawRow:
    raw = raw_line.decode("utf-8", errors="replace")
    try:
        line = raw_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = (
            f"bytes are not valid UTF-8 (byte 0x{raw_line[exc.start]:02x} at offset {exc.start})"
        )
        return RawRow(location, None, problem, raw)
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return RawRow(location, None, f"not valid JSON ({exc.msg} at column {exc.colno})", line)
    except RecursionError:
        return RawRow(location, None, _too_deep(limits), line)
    except ValueError:
        # int() refuses more than sys.get_int_max_str_digits() digits (CVE-2020-10735)
        problem = f"a number has more than {sys.get_int_max_str_digits()} digits"
        return RawRow(location, None, problem, line)
    if not isinstance(value, dict):
        return RawRow(location, None, f"expected a JSON object, got {type(value).__name__}", line)
    if json_depth(value) > limits.max_json_depth:
        return RawRow(location, None, _too_deep(limits), line)
    return RawRow(location, value, None, line)


def _too_deep(limits: ReportLimits) -> str:
    return f"JSON nested deeper than the limit of {limits.max_json_depth} (QAFORGE_MAX_JSON_DEPTH)"


def header_columns(path: Path, header: list[str]) -> list[str]:
    """The stripped column names of a header, refused if required ones lack (E104) or repeat (E106)."""
    columns = [name.strip() for name in header]
    missing = [name for name in REPORT_FIELDS[:4] if name not in columns]
    if missing:
        raise QaforgeError.of(
            "E104",
            file=path.name,
            missing=", ".join(missing),
            columns=", ".join(columns),
            required=", ".join(REPORT_FIELDS[:4]),
        )
    refuse_repeated_columns(path, columns)
    return columns


def refuse_repeated_columns(path: Path, columns: list[str]) -> None:
    """Raise E106 if a column name appears twice: which one holds the data cannot be guessed."""
    # unnamed columns (a spreadsheet's stray cells) are unknown fields, not duplicates
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise QaforgeError.of("E106", file=path.name, columns=", ".join(repeated))


class _LineFeed:
    """The numbered lines of a text file for ``csv.reader``, able to give a record's lines again.

    Hand-written because the csv module cannot resume after an error: it goes on
    wherever the bad record stopped, so a quote that never closes would take every
    later line with it. Here the lines of the bad record after its first are fed
    again, and only the line where it began is refused.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._source = enumerate(lines, start=1)
        self._pending: deque[tuple[int, str]] = deque()
        self.kept: list[tuple[int, str]] = []
        self.last = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        number, line = self._pending.popleft() if self._pending else next(self._source)
        self.kept.append((number, line))
        self.last = number
        return line

    def start_record(self) -> None:
        self.kept = []

    def feed_again_after_first(self) -> None:
        self._pending.extendleft(reversed(self.kept[1:]))
        self.kept = []


def csv_rows(path: Path, limits: ReportLimits) -> Iterator[RawRow]:
    """Every non-blank record of a CSV file with a header row.

    The reader is strict about quotes: a quote that never closes, text after a
    closing quote, or a field over the limit refuses the line where the record
    began, and reading goes on from the line after it (see :class:`_LineFeed`).
    """
    # field_size_limit is process-wide: only ever raised, so no other reader loses.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_line_bytes))
    # surrogateescape keeps undecodable bytes as lone surrogates, so one bad row
    # is refused on its own instead of failing the whole file.
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        feed = _LineFeed(handle)
        reader = csv.reader(feed, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise QaforgeError.of("E105", kind="CSV", file=path.name, problem=exc) from None
        if header is None:
            return
        columns = header_columns(path, header)
        while True:
            feed.start_record()
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start, first_line = feed.kept[0] if feed.kept else (feed.last, "")
                problem = _csv_problem(exc, start, feed.last)
                yield RawRow(f"line {start}", None, problem, _as_text(first_line))
                feed.feed_again_after_first()
                continue
            if any(v.strip() for v in values):
                yield _csv_row(f"line {feed.kept[0][0]}", columns, values)


def _csv_problem(exc: csv.Error, start: int, end: int) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return (
            f"a field of the record from line {start} is over the limit of "
            f"{csv.field_size_limit()} characters (QAFORGE_MAX_LINE_BYTES); read on from line {start + 1}"
        )
    if "unexpected end of data" in message:
        return f"unterminated quote from line {start} to the end of the file; read on from line {start + 1}"
    return f"bad quoting in the record from line {start} to line {end} ({message}); read on from line {start + 1}"


def _as_text(read: str) -> str:
    """CSV text read with surrogateescape as storable text (undecodable bytes as U+FFFD)."""
    return read.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _csv_row(location: str, columns: list[str], values: list[str]) -> RawRow:
    raw = _as_text(",".join(values))
    fields = dict(zip(columns, values, strict=False))
    if len(values) != len(columns):
        return RawRow(location, fields, f"has {len(values)} fields, header has {len(columns)}", raw)
    bad = [k for k, v in fields.items() if UNDECODABLE.search(v)]
    if bad:
        return RawRow(location, fields, f"bytes are not valid UTF-8 in {', '.join(bad)}", raw)
    return RawRow(location, fields, None, raw)


def open_parquet(path: Path):
    """The ``pyarrow.parquet.ParquetFile`` of a path, or E105 if it is not a readable Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        problem = f"{type(exc).__name__}: not a readable Parquet file"
        raise QaforgeError.of("E105", kind="Parquet", file=path.name, problem=problem) from None


def parquet_rows(path: Path, limits: ReportLimits) -> Iterator[RawRow]:
    """Every row of a Parquet file, read one row group at a time.

    A row group that cannot be read (corrupt pages, a bad column) is one refused
    row naming its row range; the rows of it read before the failure stay, and
    the other row groups go on.
    """
    import pyarrow as pa

    parquet = open_parquet(path)
    refuse_repeated_columns(path, parquet.schema_arrow.names)
    first = 1
    for group in range(parquet.metadata.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        done = 0
        try:
            for batch in parquet.iter_batches(batch_size=4096, row_groups=[group]):
                for fields in batch.to_pylist():
                    raw = json.dumps(fields, default=str, ensure_ascii=False)
                    yield RawRow(f"row {first + done}", fields, None, raw)
                    done += 1
        except (pa.ArrowException, OSError, ValueError) as exc:
            where = f"rows {first + done}-{first + size - 1}"
            problem = f"row group {group} cannot be read ({type(exc).__name__}); {where} lost"
            yield RawRow(where, None, problem, "")
        first += size


def excel_rows(path: Path, limits: ReportLimits) -> Iterator[RawRow]:
    """The first sheet's rows, every cell as text (a spreadsheet as a hospital exports it).

    pandas reads the sheet (with openpyxl); cells stay text so ids such as
    ``00123`` keep their zeros, and empty cells are empty strings, which the
    report contract then refuses or accepts like a CSV's. Locations are
    spreadsheet rows (the header is row 1).
    """
    from qaforge.libs.tables import read_excel_sheet

    try:
        header, rows = read_excel_sheet(path)
    except ValueError as exc:
        raise QaforgeError.of("E105", kind="Excel", file=path.name, problem=exc) from None
    columns = header_columns(path, header)
    for number, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue
        fields = dict(zip(columns, values, strict=True))
        raw = json.dumps(fields, ensure_ascii=False)
        yield RawRow(f"row {number}", fields, None, raw)
