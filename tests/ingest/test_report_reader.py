"""Reading report files: every row comes out stored-or-refused, with reasons and locations."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import InputFileError
from qaforge.ingest.reports import LocatedReport, count_report_rows, read_report_file

from ..conftest import GOOD_REPORTS  # noqa: TID252


def split(results):
    good = [r for r in results if isinstance(r, LocatedReport)]
    bad = [r for r in results if isinstance(r, QuarantineEntry)]
    return good, bad


def test_jsonl_mixed_file_keeps_five_and_refuses_four(mixed_reports_jsonl):
    good, bad = split(list(read_report_file(mixed_reports_jsonl)))
    assert [g.record.report_id for g in good] == ["R1", "R2", "R3", "R4", "R5"]
    assert [g.location for g in good] == ["line 1", "line 2", "line 4", "line 8", "line 9"]
    reasons = {b.location: b.reason for b in bad}
    assert set(reasons) == {"line 3", "line 5", "line 6", "line 7"}
    assert "missing report_id" in reasons["line 3"]
    assert "text is empty" in reasons["line 5"]
    assert "duplicate report_id 'R1'" in reasons["line 6"] and "line 1" in reasons["line 6"]
    assert "not valid UTF-8" in reasons["line 7"]
    assert all(b.stage == "ingest_reports" and b.raw for b in bad)
    assert count_report_rows(mixed_reports_jsonl) == 9


def test_refusal_reasons_do_not_echo_report_text(tmp_path):
    path = tmp_path / "r.jsonl"
    secret = "Patient John Example attended"
    path.write_text(
        json.dumps({"report_id": "R1", "patient_id": "P", "study_id": "S", "text": [secret]}) + "\n"
    )
    (_, bad) = split(list(read_report_file(path)))
    assert len(bad) == 1
    assert "text must be a string" in bad[0].reason
    assert "John" not in bad[0].reason


@pytest.mark.parametrize(
    "record, reason",
    [
        (
            {"report_id": "R", "patient_id": "P", "study_id": "S", "text": 12},
            "text must be a string",
        ),
        ({"report_id": True, "patient_id": "P", "study_id": "S", "text": "x"}, "report_id"),
        ({"report_id": "R", "patient_id": ["P"], "study_id": "S", "text": "x"}, "patient_id"),
        (
            {
                "report_id": "R",
                "patient_id": "P",
                "study_id": "S",
                "text": "x",
                "study_date": "31/02/2024",
            },
            "study_date",
        ),
        ({"report_id": "R", "patient_id": "P", "text": "x"}, "missing study_id"),
    ],
)
def test_wrong_types_are_refused_by_field(tmp_path, record, reason):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record) + "\n")
    good, bad = split(list(read_report_file(path)))
    assert not good
    assert reason in bad[0].reason


def test_integer_ids_are_accepted_as_strings(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps({"report_id": 17, "patient_id": 4, "study_id": 9, "text": "No LGE."}) + "\n"
    )
    good, _ = split(list(read_report_file(path)))
    assert good[0].record.report_id == "17" and good[0].record.study_id == "9"


def test_jsonl_syntax_errors_and_non_objects_are_refused(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"report_id": "R1", \n[1, 2]\n\n' + json.dumps(GOOD_REPORTS[0]) + "\n")
    good, bad = split(list(read_report_file(path)))
    assert [g.location for g in good] == ["line 4"]
    assert "not valid JSON" in bad[0].reason and bad[0].location == "line 1"
    assert "expected a JSON object" in bad[1].reason


def test_csv_with_multiline_text_bom_and_bad_bytes(tmp_path):
    path = tmp_path / "r.csv"
    rows = [
        b"\xef\xbb\xbfreport_id,patient_id,study_id,text,study_date\r\n",
        b'R1,P1,S1,"Cine normal.\nLGE: none.",2024-01-02\r\n',
        b'R2,P2,S2,"LV \xff dilated",\r\n',
        b'R3,P3,S3,"Mild MR, no LGE.",\r\n',
        b"R4,P4,S4\r\n",
    ]
    path.write_bytes(b"".join(rows))
    good, bad = split(list(read_report_file(path)))
    assert [(g.record.report_id, g.location) for g in good] == [("R1", "line 2"), ("R3", "line 5")]
    assert good[0].record.text == "Cine normal.\nLGE: none."
    assert str(good[0].record.study_date) == "2024-01-02"
    assert [(b.location, b.record_key) for b in bad] == [("line 4", "R2"), ("line 6", "R4")]
    assert "not valid UTF-8 in text" in bad[0].reason
    assert "has 3 fields" in bad[1].reason


def test_csv_without_required_columns_is_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([["id", "body"], ["1", "x"]])
    with pytest.raises(InputFileError) as caught:
        list(read_report_file(path))
    assert caught.value.code == "E104"
    assert "report_id" in caught.value.message


def test_parquet_rows_are_validated(tmp_path):
    path = tmp_path / "r.parquet"
    table = pa.table(
        {
            "report_id": ["R1", None, "R3"],
            "patient_id": ["P1", "P2", "P3"],
            "study_id": ["S1", "S2", "S3"],
            "text": ["No LGE.", "Normal.", None],
        }
    )
    pq.write_table(table, path)
    good, bad = split(list(read_report_file(path)))
    assert [g.record.report_id for g in good] == ["R1"]
    assert [(b.location, b.reason) for b in bad] == [
        ("row 2", "report_id: Input should be a valid string"),
        ("row 3", "text: text must be a string, got NoneType"),
    ]
    assert count_report_rows(path) == 3


@pytest.mark.parametrize("name, code", [("missing.jsonl", "E101"), ("reports.txt", "E103")])
def test_unreadable_files_are_user_errors(tmp_path, name, code):
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x")
    with pytest.raises(InputFileError) as caught:
        list(read_report_file(path))
    assert caught.value.code == code


def write_workbook(path, rows) -> None:
    """An .xlsx of our own rows (the first row is the header), written with openpyxl."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_excel_rows_are_read_as_text_and_validated(tmp_path):
    path = tmp_path / "reports.xlsx"
    write_workbook(
        path,
        [
            ["report_id", "patient_id", "study_id", "text", "study_date"],
            ["00123", "P1", "S1", "Normal biventricular size and function.", "2024-03-01"],
            [None, None, None, None, None],  # an empty row is skipped, as in a CSV
            ["R2", "P2", "S2", "", None],
            ["R3", 4711, "S3", "Mid-wall LGE in the basal septum.", None],
        ],
    )
    good, bad = split(list(read_report_file(path)))
    assert [(g.record.report_id, g.record.patient_id, g.location) for g in good] == [
        ("00123", "P1", "row 2"),
        ("R3", "4711", "row 5"),
    ]
    assert [b.location for b in bad] == ["row 4"] and "text" in bad[0].reason
    assert "Mid-wall" not in bad[0].reason


def test_excel_without_required_columns_or_unreadable_is_a_file_error(tmp_path):
    short = tmp_path / "short.xlsx"
    write_workbook(short, [["report_id", "body"], ["R1", "x"]])
    with pytest.raises(InputFileError) as caught:
        list(read_report_file(short))
    assert caught.value.code == "E104" and "patient_id" in caught.value.message
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError) as caught:
        list(read_report_file(broken))
    assert caught.value.code == "E105" and "Excel" in caught.value.message
