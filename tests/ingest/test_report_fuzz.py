"""No record stops a report file: a corpus of malformed files (issue 22) and generated ones.

For every file: no exception escapes ``read_report_file`` but the documented
file-level ``InputFileError``; every row read comes out stored or quarantined;
no reason or message repeats report text.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import InputFileError, QaforgeError
from qaforge.ingest.reports import LocatedReport, read_report_file
from qaforge.pipeline.ingest import ingest_reports
from qaforge.settings import ReportLimits

from .malformed_reports import CASES, PLANTED, Case, csv_text, jsonl_line, report

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """``qaforge`` run in an empty folder with a fresh SQLite store: ``cli("ingest", ...)``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    assert run("init").exit_code == 0
    return run


def read(path, **kwargs):
    rows = list(read_report_file(path, **kwargs))
    good = [r for r in rows if isinstance(r, LocatedReport)]
    bad = [r for r in rows if isinstance(r, QuarantineEntry)]
    assert len(good) + len(bad) == len(rows)
    for entry in bad:
        assert PLANTED not in entry.reason and PLANTED not in entry.location
    return good, bad


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_bad_record_is_quarantined_and_the_rest_read(case: Case, tmp_path):
    path = tmp_path / f"reports{case.suffix}"
    case.build(path)
    good, bad = read(path)
    assert [g.record.report_id for g in good] == case.stored
    assert len(bad) == len(case.refused)
    for entry, expected in zip(bad, case.refused, strict=True):
        assert expected in entry.reason
    originals = {f"R{i}": report(i)["text"] for i in range(1, 301)}
    for row in good:  # nothing swallowed into a neighbour's text
        assert "\nR" not in row.record.text
        if row.record.report_id in originals and case.name != "CSV field over 131,072 chars":
            assert row.record.text == originals[row.record.report_id]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_pipeline_stores_plus_quarantines_every_row(case: Case, tmp_path, engine):
    path = tmp_path / f"reports{case.suffix}"
    case.build(path)
    summary = ingest_reports(engine, path, batch_size=64)
    assert summary.rows == len(case.stored) + len(case.refused)
    assert summary.new_reports == len(case.stored)
    assert summary.rows == summary.valid + summary.quarantined
    again = ingest_reports(engine, path, batch_size=64)
    assert again.unchanged == len(case.stored) and again.new_reports == 0


def test_a_text_over_a_lowered_limit_is_quarantined_not_truncated(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(csv_text([report(1), report(2, PLANTED + " " + "c" * 500)]), encoding="utf-8")
    good, bad = read(path, limits=ReportLimits(max_report_chars=200))
    assert [g.record.report_id for g in good] == ["R1"]
    assert "over the limit of 200 (QAFORGE_MAX_REPORT_CHARS)" in bad[0].reason


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("QAFORGE_MAX_REPORT_CHARS", "77")
    monkeypatch.setenv("QAFORGE_MAX_JSON_DEPTH", "3")
    assert ReportLimits().max_report_chars == 77 and ReportLimits().max_json_depth == 3
    assert ReportLimits.model_fields["max_report_chars"].default == 1_000_000


def test_a_line_over_the_byte_limit_is_quarantined_and_the_next_read(tmp_path):
    path = tmp_path / "r.jsonl"
    long_line = jsonl_line(report(1, PLANTED + " " + "d" * 5000))
    path.write_bytes(long_line + jsonl_line(report(2)) + long_line.rstrip(b"\n"))
    good, bad = read(path, limits=ReportLimits(max_line_bytes=1000))
    assert [g.record.report_id for g in good] == ["R2"]
    assert [b.location for b in bad] == ["line 1", "line 3"]
    assert f"line has {len(long_line)} bytes, over the limit of 1000" in bad[0].reason
    assert all(len(b.raw) < 1100 for b in bad)


def test_json_deeper_than_the_setting_is_quarantined(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(jsonl_line(report(1, extra={"a": [[[1]]]})) + jsonl_line(report(2)))
    good, bad = read(path, limits=ReportLimits(max_json_depth=3))
    assert [g.record.report_id for g in good] == ["R2"]
    assert "QAFORGE_MAX_JSON_DEPTH" in bad[0].reason


@pytest.mark.parametrize(
    "content",
    [b"PAR1 not really parquet", b"", b"\x00" * 64],
    ids=["bad magic", "empty", "zeros"],
)
def test_unreadable_parquet_is_e105(content, tmp_path):
    path = tmp_path / "r.parquet"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as error:
        list(read_report_file(path))
    assert error.value.code == "E105"


def test_truncated_parquet_is_e105_and_exit_2(tmp_path, cli):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({k: [v] for k, v in report(1).items()}), path)
    path.write_bytes(path.read_bytes()[:-20])
    result = cli("ingest", "reports", str(path))
    assert result.exit_code == 2, result.output
    assert "E105" in result.output and "Traceback" not in result.output


DUPLICATE_HEADER = ["report_id", "patient_id", "study_id", "text", "text"]
DUPLICATE_ROW = ["R1", "P1", "S1", f"{PLANTED} first", "second"]


def _csv_with_duplicate_column(path):
    path.write_text(",".join(DUPLICATE_HEADER) + "\n" + ",".join(DUPLICATE_ROW) + "\n")


def _excel_with_duplicate_column(path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(DUPLICATE_HEADER)
    book.active.append(DUPLICATE_ROW)
    book.save(path)


def _parquet_with_duplicate_column(path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array([v]) for v in DUPLICATE_ROW], names=DUPLICATE_HEADER)
    pq.write_table(table, path)


@pytest.mark.parametrize(
    "name, write",
    [
        ("r.csv", _csv_with_duplicate_column),
        ("r.xlsx", _excel_with_duplicate_column),
        ("r.parquet", _parquet_with_duplicate_column),
    ],
)
def test_a_column_named_twice_is_a_file_error(name, write, tmp_path):
    path = tmp_path / name
    write(path)
    with pytest.raises(InputFileError) as error:
        list(read_report_file(path))
    assert error.value.code == "E106" and "text" in str(error.value)
    assert PLANTED not in str(error.value)


def test_unknown_fields_are_counted_and_named(tmp_path, cli):
    path = tmp_path / "r.csv"
    columns = ["report_id", "patient_id", "study_id", "text", "studydate"]
    path.write_text(csv_text([report(1), report(2)], columns), encoding="utf-8")
    seen: Counter[str] = Counter()
    read(path, unknown_fields=seen)
    assert seen == {"studydate": 2}
    result = cli("ingest", "reports", str(path))
    assert result.exit_code == 0
    assert "ignored 1 unknown field(s): 'studydate' (2 rows)" in result.output


@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.jsonl", b""),
        ("blank.jsonl", b"\n  \n"),
        ("empty.csv", b""),
        ("header.csv", b"report_id,patient_id,study_id,text\n"),
    ],
)
def test_empty_and_header_only_files_exit_1(name, content, tmp_path, cli):
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("ingest", "reports", str(path))
    assert result.exit_code == 1
    assert "no report rows" in result.output


def test_cli_output_never_holds_report_text(tmp_path, cli):
    for case in CASES:
        path = tmp_path / f"{case.name.replace(' ', '_')}{case.suffix}"
        case.build(path)
        result = cli("ingest", "reports", str(path))
        assert result.exit_code == 0, (case.name, result.output)
        assert PLANTED not in result.output and "Traceback" not in result.output


# -- generated input ------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
bad_records = st.fixed_dictionaries(
    {}, optional={name: json_values for name in ("report_id", "patient_id", "study_id", "text")}
)
bad_lines = st.one_of(
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ") + b"\n"),
    bad_records.map(lambda r: json.dumps(r).encode() + b"\n"),
    json_values.map(lambda v: json.dumps(v).encode() + b"\n"),
    st.sampled_from(
        [b'{"report_id": "\\udfff"}\n', b"[" * 5000 + b"\n", b'{"a": 1' + b"9" * 5000 + b"}\n"]
    ),
)


@FUZZ
@given(lines=st.lists(st.tuples(st.booleans(), bad_lines), max_size=12))
def test_generated_jsonl_every_line_comes_out_once(lines, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "r.jsonl"
    content, good_ids = [], []
    for number, (is_good, bad) in enumerate(lines, start=1):
        if is_good:
            content.append(jsonl_line(report(number)))
            good_ids.append(f"R{number}")
        else:
            content.append(bad)
    path.write_bytes(b"".join(content))
    good, bad = read(path)
    non_blank = [
        line
        for i, line in enumerate(content)
        if (line.removeprefix(b"\xef\xbb\xbf") if i == 0 else line).strip()
    ]
    assert len(good) + len(bad) == len(non_blank)
    stored = [g.record.report_id for g in good]
    assert [i for i in stored if i in good_ids] == good_ids


csv_junk = st.text(alphabet=st.sampled_from('ab,"\n\r ;'), max_size=40)


@FUZZ
@given(rows=st.lists(st.tuples(st.booleans(), csv_junk), max_size=10))
def test_generated_csv_never_raises_and_keeps_rows_before_any_junk(rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "r.csv"
    parts = [csv_text([])]
    clean_prefix = []
    junk_seen = False
    for number, (is_good, junk) in enumerate(rows, start=1):
        if is_good:
            parts.append(csv_text([report(number)]).split("\n", 1)[1])
            if not junk_seen:
                clean_prefix.append(f"R{number}")
        else:
            parts.append(junk + "\n")
            junk_seen = True
    path.write_text("".join(parts), encoding="utf-8")
    try:
        good, bad = read(path)
    except QaforgeError as exc:  # only the documented file-level errors
        pytest.fail(f"file error on a file with a good header: {exc}")
    stored = [g.record.report_id for g in good]
    assert stored[: len(clean_prefix)] == clean_prefix
    for row in good:  # a good row is stored whole or not at all, never merged with junk
        if row.record.report_id.startswith("R"):
            assert row.record.text == report(int(row.record.report_id[1:]))["text"]
    assert len(good) + len(bad) <= len("".join(parts).splitlines()) - 1  # at most one per line


column_values = {
    "text": st.text(max_size=20),
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(),
    "none": st.none(),
    "list": st.lists(st.text(max_size=3), max_size=2),
}


@st.composite
def parquet_columns(draw):
    rows = draw(st.integers(1, 6))
    columns = {}
    for name in ("report_id", "patient_id", "study_id", "text", "study_date", "extra"):
        kind = draw(st.sampled_from([*column_values, "absent"]))
        if kind != "absent":
            columns[name] = draw(st.lists(column_values[kind], min_size=rows, max_size=rows))
    return rows, columns


@FUZZ
@given(drawn=parquet_columns())
def test_generated_parquet_every_row_comes_out_once(drawn, tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, columns = drawn
    path = tmp_path_factory.mktemp("fuzz") / "r.parquet"
    table = pa.table(columns) if columns else pa.table({"x": [None] * rows})
    pq.write_table(table, path, row_group_size=2)
    good, bad = read(path)
    assert len(good) + len(bad) == rows
