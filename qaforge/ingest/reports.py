"""Reading report files (JSONL, CSV, Parquet) into validated records.

Pure of the database: :func:`read_report_file` turns a file into a stream of
:class:`LocatedReport` (good rows, with where they came from) and
:class:`QuarantineEntry` (bad rows, with why and where). Nothing is dropped:
every input row comes out as exactly one of the two.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from qaforge.domain.quarantine import QuarantineEntry, excerpt
from qaforge.domain.reports import REPORT_FIELDS, UNDECODABLE, ReportRecord
from qaforge.errors import QaforgeError

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".xlsx": "excel",
}
STAGE = "ingest_reports"


@dataclass(frozen=True)
class LocatedReport:
    """A valid report and where it was read."""

    record: ReportRecord
    location: str


@dataclass(frozen=True)
class _RawRow:
    location: str
    fields: dict[str, object] | None
    problem: str | None
    raw: str


def report_file_format(path: Path) -> str:
    """Name the format of a report file from its suffix.

    Raises:
        InputFileError: If the file is missing, not a file, or of an unknown kind.
    """
    if not path.exists():
        raise QaforgeError.of("E101", path=path)
    if not path.is_file():
        raise QaforgeError.of("E102", path=path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QaforgeError.of(
            "E103", file=path.name, suffix=path.suffix, formats=", ".join(sorted(FORMATS))
        )
    return fmt


def count_report_rows(path: Path) -> int:
    """Count the rows of a report file cheaply, for a progress bar (an estimate for CSV)."""
    fmt = report_file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "excel":
        return 0  # unknown until read: the whole sheet is read at once anyway
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return lines if fmt == "jsonl" else max(lines - 1, 0)


def read_report_file(path: Path) -> Iterator[LocatedReport | QuarantineEntry]:
    """Read and validate every row of a report file.

    Rows are checked against the report input contract (``ReportRecord``);
    a ``report_id`` seen earlier in the same file is a duplicate and is refused
    (the first one wins).

    Args:
        path: A ``.jsonl``/``.ndjson``, ``.csv``, ``.parquet`` or ``.xlsx`` file
            (the first sheet, a header row naming the columns).

    Yields:
        One ``LocatedReport`` or ``QuarantineEntry`` per input row, in file order.

    Raises:
        InputFileError: If the file as a whole cannot be read.
    """
    fmt = report_file_format(path)
    readers = {
        "jsonl": _jsonl_rows,
        "csv": _csv_rows,
        "parquet": _parquet_rows,
        "excel": _excel_rows,
    }
    rows = readers[fmt](path)
    first_seen: dict[str, str] = {}
    source = str(path)
    for row in rows:
        claimed_id = _claimed_id(row.fields)
        if row.problem is not None:
            yield _refuse(source, row, row.problem, claimed_id)
            continue
        assert row.fields is not None
        try:
            record = ReportRecord.model_validate(row.fields)
        except ValidationError as exc:
            yield _refuse(source, row, _describe_validation_error(exc), claimed_id)
            continue
        if record.report_id in first_seen:
            reason = (
                f"duplicate report_id {record.report_id!r} in this file "
                f"(first at {first_seen[record.report_id]})"
            )
            yield _refuse(source, row, reason, record.report_id)
            continue
        first_seen[record.report_id] = row.location
        yield LocatedReport(record=record, location=row.location)


def _refuse(source: str, row: _RawRow, reason: str, claimed_id: str | None) -> QuarantineEntry:
    return QuarantineEntry(
        stage=STAGE,
        source=source,
        location=row.location,
        reason=reason,
        record_key=claimed_id,
        raw=excerpt(row.raw),
    )


def _claimed_id(fields: dict[str, object] | None) -> str | None:
    if not fields:
        return None
    value = fields.get("report_id")
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200]
    return None


def _describe_validation_error(exc: ValidationError) -> str:
    """One line naming each bad field, without echoing field values (they may be PHI)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "row"
        if error["type"] == "missing":
            parts.append(f"missing {field}")
        else:
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"{field}: {message}")
    return "; ".join(parts)


def _jsonl_rows(path: Path) -> Iterator[_RawRow]:
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            location = f"line {number}"
            if number == 1:
                raw_line = raw_line.removeprefix(b"\xef\xbb\xbf")
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raw = raw_line.decode("utf-8", errors="replace")
                yield _RawRow(
                    location,
                    None,
                    f"bytes are not valid UTF-8 (byte 0x{raw_line[exc.start]:02x} at offset {exc.start})",
                    raw,
                )
                continue
            if not line.strip():
                continue  # blank lines separate nothing in JSONL; they are not rows
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield _RawRow(
                    location, None, f"not valid JSON ({exc.msg} at column {exc.colno})", line
                )
                continue
            if not isinstance(value, dict):
                yield _RawRow(
                    location, None, f"expected a JSON object, got {type(value).__name__}", line
                )
                continue
            yield _RawRow(location, value, None, line)


def _require_columns(path: Path, columns: list[str]) -> None:
    """Refuse a header without the required report columns (E104)."""
    missing = [name for name in REPORT_FIELDS[:4] if name not in columns]
    if missing:
        raise QaforgeError.of(
            "E104",
            file=path.name,
            missing=", ".join(missing),
            columns=", ".join(columns),
            required=", ".join(REPORT_FIELDS[:4]),
        )


def _csv_rows(path: Path) -> Iterator[_RawRow]:
    # surrogateescape keeps undecodable bytes as lone surrogates, so one bad row
    # is refused on its own instead of failing the whole file.
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        columns = [name.strip() for name in header]
        _require_columns(path, columns)
        start_line = reader.line_num + 1
        for values in reader:
            location = f"line {start_line}"
            start_line = reader.line_num + 1
            raw = ",".join(values).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if not any(v.strip() for v in values):
                continue
            fields = dict(zip(columns, values, strict=False))
            if len(values) != len(columns):
                problem = f"has {len(values)} fields, header has {len(columns)}"
                yield _RawRow(location, fields, problem, raw)
                continue
            bad = [k for k, v in fields.items() if UNDECODABLE.search(v)]
            if bad:
                yield _RawRow(
                    location, fields, f"bytes are not valid UTF-8 in {', '.join(bad)}", raw
                )
                continue
            yield _RawRow(location, fields, None, raw)


def _parquet_rows(path: Path) -> Iterator[_RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise QaforgeError.of("E105", kind="Parquet", file=path.name, problem=exc) from None
    row_number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for fields in batch.to_pylist():
            row_number += 1
            raw = json.dumps(fields, default=str, ensure_ascii=False)
            yield _RawRow(f"row {row_number}", fields, None, raw)


def _excel_rows(path: Path) -> Iterator[_RawRow]:
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
    columns = [name.strip() for name in header]
    _require_columns(path, columns)
    for number, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue
        fields = dict(zip(columns, values, strict=True))
        raw = json.dumps(fields, ensure_ascii=False)
        yield _RawRow(f"row {number}", fields, None, raw)
