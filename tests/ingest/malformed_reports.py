"""A corpus of malformed report files, made by code: one builder per failure of issue 22.

Every report text holds PLANTED, a made-up patient's name, so a test can
assert that no reason, location or message repeats report text (PHI).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PLANTED = "Ottoline Brackenridge"


def report(number: int, text: str | None = None, **extra: object) -> dict[str, object]:
    """A valid report record whose text carries PLANTED."""
    body = text if text is not None else f"{PLANTED} seen; LV ejection fraction {40 + number} %."
    return {
        "report_id": f"R{number}",
        "patient_id": f"P{number}",
        "study_id": f"S{number}",
        "text": body,
        **extra,
    }


def jsonl_line(record: dict[str, object]) -> bytes:
    return json.dumps(record).encode() + b"\n"


def csv_text(records: list[dict[str, object]], columns: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = columns or ["report_id", "patient_id", "study_id", "text"]
    writer.writerow(columns)
    for record in records:
        writer.writerow([record.get(name, "") for name in columns])
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    """A malformed file and what reading it must give.

    Attributes:
        name: The failure it reproduces.
        suffix: The file's suffix.
        build: Writes the file's bytes to the path given.
        stored: report_ids that must come out valid, in order.
        refused: Substrings of the reasons of the refused rows, in order.
    """

    name: str
    suffix: str
    build: Callable[[Path], None]
    stored: list[str]
    refused: list[str]


def _deep_json(path: Path) -> None:
    deep = b'{"report_id": "R2", "patient_id": "P2", "study_id": "S2", "text": "x", "n": '
    deep += b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    path.write_bytes(jsonl_line(report(1)) + deep + jsonl_line(report(3)))


def _long_integer(path: Path) -> None:
    huge = (
        b'{"report_id": ' + b"7" * 5000 + b', "patient_id": "P2", "study_id": "S2", "text": "x"}\n'
    )
    path.write_bytes(jsonl_line(report(1)) + huge + jsonl_line(report(3)))


def _lone_surrogate(path: Path) -> None:
    bad = jsonl_line(report(2)).replace(b"seen;", b"seen \\ud800;")
    path.write_bytes(jsonl_line(report(1)) + bad + jsonl_line(report(3)))


def _surrogate_id(path: Path) -> None:
    bad = jsonl_line(report(2)).replace(b'"R2"', b'"R\\ud800"')
    path.write_bytes(jsonl_line(report(1)) + bad + jsonl_line(report(3)))


def _nul_character(path: Path) -> None:
    bad = jsonl_line(report(2)).replace(b"seen;", b"seen \\u0000;")
    path.write_bytes(jsonl_line(report(1)) + bad + jsonl_line(report(3)))


def _over_char_limit(path: Path) -> None:
    long_text = PLANTED + " " + "a" * 1_000_000
    path.write_bytes(
        jsonl_line(report(1)) + jsonl_line(report(2, long_text)) + jsonl_line(report(3))
    )


def _csv_big_field(path: Path) -> None:
    # 200,000 characters: over the csv module's default field limit, under the report limit
    records = [report(1), report(2, PLANTED + " " + "b" * 200_000), report(3)]
    path.write_text(csv_text(records), encoding="utf-8")


def _csv_quote_mid_file(path: Path) -> None:
    text = csv_text([report(1), report(2), report(3), report(4)])
    lines = text.splitlines(keepends=True)
    lines[2] = f'R2,P2,S2,"{PLANTED} never closed\n'
    path.write_text("".join(lines), encoding="utf-8")


def _csv_quote_to_eof(path: Path) -> None:
    text = csv_text([report(1), report(2), report(3)])
    path.write_text(text + f'R4,P4,S4,"{PLANTED} open to the end\nmore words\n', encoding="utf-8")


def _csv_quote_and_bad_bytes(path: Path) -> None:
    text = csv_text([report(1), report(2), report(3)]).encode()
    lines = text.splitlines(keepends=True)
    lines[2] = b'R2,P2,S2,"\xff\xfe never closed\n'
    path.write_bytes(b"".join(lines))


def _whitespace_ids(path: Path) -> None:
    path.write_bytes(jsonl_line(report(1)) + jsonl_line({**report(2), "report_id": "   "}))


def _nfc_nfd_ids(path: Path) -> None:
    nfc, nfd = "R\u00e91", "Re\u03011"  # "Ré1" composed, then decomposed
    path.write_bytes(
        jsonl_line({**report(1), "report_id": nfc}) + jsonl_line({**report(2), "report_id": nfd})
    )


def _parquet_corrupt_group(path: Path) -> None:
    table = pa.table({name: [report(i)[name] for i in range(1, 301)] for name in report(1)})
    pq.write_table(table, path, row_group_size=100, compression="snappy")
    group = pq.ParquetFile(path).metadata.row_group(1).column(3)
    data = bytearray(path.read_bytes())
    start = group.data_page_offset
    data[start : start + 64] = b"\xff" * 64  # the page header of the text column of group 1
    path.write_bytes(bytes(data))


CASES = [
    Case("deep JSON nesting", ".jsonl", _deep_json, ["R1", "R3"], ["nested deeper"]),
    Case("integer over 4300 digits", ".jsonl", _long_integer, ["R1", "R3"], ["digits"]),
    Case("lone surrogate escape", ".jsonl", _lone_surrogate, ["R1", "R3"], ["lone surrogate"]),
    Case("lone surrogate in an id", ".jsonl", _surrogate_id, ["R1", "R3"], ["lone surrogate"]),
    Case("NUL character", ".jsonl", _nul_character, ["R1", "R3"], ["NUL character"]),
    Case(
        "text over 1,000,000 chars", ".jsonl", _over_char_limit, ["R1", "R3"], ["MAX_REPORT_CHARS"]
    ),
    Case("CSV field over 131,072 chars", ".csv", _csv_big_field, ["R1", "R2", "R3"], []),
    Case(
        "unterminated CSV quote mid-file",
        ".csv",
        _csv_quote_mid_file,
        ["R1", "R3", "R4"],
        ["unterminated quote from line 3"],
    ),
    Case(
        "unterminated CSV quote to EOF",
        ".csv",
        _csv_quote_to_eof,
        ["R1", "R2", "R3"],
        ["unterminated quote from line 5", "has 1 fields"],
    ),
    Case(
        "unterminated CSV quote with bytes not UTF-8",
        ".csv",
        _csv_quote_and_bad_bytes,
        ["R1", "R3"],
        ["unterminated quote from line 3"],
    ),
    Case("whitespace-only id", ".jsonl", _whitespace_ids, ["R1"], ["report_id is blank"]),
    Case("NFC and NFD of one id", ".jsonl", _nfc_nfd_ids, ["R\u00e91"], ["duplicate report_id"]),
    Case(
        "corrupt Parquet row group",
        ".parquet",
        _parquet_corrupt_group,
        [f"R{i}" for i in [*range(1, 101), *range(201, 301)]],
        ["row group 1 cannot be read"],
    ),
]
