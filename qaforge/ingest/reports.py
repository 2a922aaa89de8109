"""Reading report files (JSONL, CSV, Parquet) into validated records.

Pure of the database: :func:`read_report_file` turns a file into a stream of
:class:`LocatedReport` (good rows, with where they came from) and
:class:`QuarantineEntry` (bad rows, with why and where). Nothing is dropped:
every input row comes out as exactly one of the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from qaforge.domain.quarantine import QuarantineEntry, excerpt
from qaforge.domain.reports import REPORT_FIELDS, ReportRecord
from qaforge.errors import QaforgeError
from qaforge.ingest.report_rows import (
    RawRow,
    csv_rows,
    excel_rows,
    jsonl_rows,
    open_parquet,
    parquet_rows,
)
from qaforge.ingest.text_checks import Unstorable, unstorable_text
from qaforge.settings import ReportLimits

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


_UNSTORABLE: dict[Unstorable, str] = {
    "surrogate": r"a lone surrogate (\ud800-\udfff)",
    "nul": r"a NUL character (\x00)",
}


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
        return open_parquet(path).metadata.num_rows
    if fmt == "excel":
        return 0  # unknown until read: the whole sheet is read at once anyway
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return lines if fmt == "jsonl" else max(lines - 1, 0)


def read_report_file(
    path: Path,
    *,
    limits: ReportLimits | None = None,
    unknown_fields: Counter[str] | None = None,
) -> Iterator[LocatedReport | QuarantineEntry]:
    """Read and validate every row of a report file; no row stops the file.

    Rows are checked against the report input contract (``ReportRecord``) and
    the size limits; a ``report_id`` seen earlier in the same file is a
    duplicate and is refused (the first one wins).

    Args:
        path: A ``.jsonl``/``.ndjson``, ``.csv``, ``.parquet`` or ``.xlsx`` file
            (the first sheet, a header row naming the columns).
        limits: Size limits (default: from the environment, ``QAFORGE_*``).
        unknown_fields: If given, counts the rows holding each field that is not
            part of the report contract (ignored, but worth a warning).

    Yields:
        One ``LocatedReport`` or ``QuarantineEntry`` per input row, in file order
        (for Parquet, an unreadable row group is one entry naming its rows).

    Raises:
        InputFileError: If the file as a whole cannot be read.
    """
    fmt = report_file_format(path)
    readers = {"jsonl": jsonl_rows, "csv": csv_rows, "parquet": parquet_rows, "excel": excel_rows}
    limits = limits or ReportLimits()
    first_seen: dict[str, str] = {}
    source = str(path)
    for row in readers[fmt](path, limits):
        claimed_id = _claimed_id(row.fields)
        if unknown_fields is not None and row.fields:
            unknown_fields.update(str(k)[:60] for k in row.fields if k not in REPORT_FIELDS)
        problem = row.problem or _limit_problem(row.fields, limits)
        if problem is not None:
            yield _refuse(source, row, problem, claimed_id)
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


def _limit_problem(fields: dict[str, object] | None, limits: ReportLimits) -> str | None:
    """Why a parsed row breaks a limit or holds unstorable text, or None; checked before validation."""
    if not fields:
        return None
    text = fields.get("text")
    if isinstance(text, str) and len(text) > limits.max_report_chars:
        return (
            f"text has {len(text)} characters, over the limit of {limits.max_report_chars} "
            "(QAFORGE_MAX_REPORT_CHARS)"
        )
    for name, value in fields.items():
        problem = _unstorable(name) or _unstorable(value)
        if problem:
            return f"field {str(name)[:60]!r} holds {problem}, not text"
    return None


def _unstorable(item: object) -> str | None:
    """What in a string no database can store as text, or None."""
    if not isinstance(item, str):
        return None
    # CSV bytes that are not UTF-8 arrive as U+DC80-U+DCFF (surrogateescape) and
    # get their own reason from the CSV reader or the report contract.
    problem = unstorable_text(item, undecodable_ok=True)
    return _UNSTORABLE[problem] if problem is not None else None


def _refuse(source: str, row: RawRow, reason: str, claimed_id: str | None) -> QuarantineEntry:
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
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    claimed = str(value).strip()[:200]
    # an id no database can store as text would fail the quarantine row itself
    return claimed if claimed and _unstorable(claimed) is None else None


def _describe_validation_error(exc: ValidationError) -> str:
    """One line naming each bad field, without echoing field values (they may be PHI)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "row"
        if error["type"] == "missing":
            parts.append(f"missing {field}")
        elif error["type"] in ("string_too_short", "too_short"):
            parts.append(f"{field} is blank")
        else:
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"{field}: {message}")
    return "; ".join(parts)
