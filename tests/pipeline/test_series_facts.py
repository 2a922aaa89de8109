"""`qaforge series --json` on the real scans as delivered: phases, slice order, LV, overrides.

The scans are read in place from ``../shared/realdata`` (the ``realdata`` fixture);
the reports are a few synthetic lines naming their studies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app

STUDIES = ["ukbb-demo-1", "mnms2-001", "cinemyops-1002"]
runner = CliRunner()


@pytest.fixture(scope="module")
def listed(realdata: Path, tmp_path_factory) -> tuple[str, list[dict]]:
    folder = tmp_path_factory.mktemp("series-facts")
    reports = folder / "reports.jsonl"
    reports.write_text(
        "".join(
            json.dumps(
                {
                    "report_id": f"r-{study}",
                    "patient_id": f"p-{study}",
                    "study_id": study,
                    "text": "Normal left ventricular size and systolic function.",
                }
            )
            + "\n"
            for study in STUDIES
        ),
        encoding="utf-8",
    )
    db = f"sqlite:///{folder / 'qaforge.db'}"
    for command in (
        ["init"],
        ["ingest", "reports", str(reports)],
        ["ingest", "series", str(realdata)],
    ):
        result = runner.invoke(app, ["--db", db, *command])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", db, "series", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return db, rows


def _by_file(rows: list[dict]) -> dict[str, dict]:
    return {f"{row['study_id']}/{row['path']}": row for row in rows}


def test_every_listed_series_carries_the_contract_fields(listed):
    _, rows = listed
    required = {
        "series_id",
        "study_id",
        "path",
        "sequence",
        "view",
        "frames",
        "slices",
        "ed_frame",
        "es_frame",
        "phase_method",
        "slice_order",
        "lv_slices",
    }
    assert rows
    for row in rows:
        assert required <= row.keys()
        assert row["analysed"] is True


def test_phases_and_slice_order_of_the_real_series_match_the_truth(listed, realdata_truth):
    _, rows = listed
    by_file = _by_file(rows)
    checked = 0
    for relative, truth in realdata_truth.items():
        if truth.get("label_map"):
            continue
        row = by_file[relative]
        assert (row["sequence"], row["view"]) == (truth["sequence"], truth["view"])
        if "ed" in truth:
            assert abs(row["ed_frame"] - truth["ed"]) <= 1, relative
            if "es_range" in truth:
                assert truth["es_range"][0] <= row["es_frame"] <= truth["es_range"][1]
            else:
                assert abs(row["es_frame"] - truth["es"]) <= 2, relative
            checked += 1
        if truth.get("phase") == "ed":
            assert (row["ed_frame"], row["es_frame"], row["phase_method"]) == (0, None, "file-name")
        if truth.get("phase") == "es":
            assert (row["ed_frame"], row["es_frame"]) == (None, 0)
        if "slice_order" in truth:
            assert row["slice_order"] == truth["slice_order"], relative
            checked += 1
        if "lv_slices_at_ed" in truth:
            first, last = row["lv_slices"]
            assert abs(first - truth["lv_slices_at_ed"][0]) <= 1
            assert abs(last - truth["lv_slices_at_ed"][1]) <= 1
    assert checked >= 9  # 4 cines with ED/ES, 5 stacks with a slice order


def test_a_readers_override_wins_and_bad_rows_are_quarantined(listed, tmp_path):
    db, rows = listed
    cine = next(row for row in rows if row["path"] == "la_4ch.nii.gz")
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(
        "series_id,ed_frame,es_frame,slice_order\n"
        f"{cine['series_id']},1,23,\n"
        f"{cine['series_id'][:-1]}x,1,2,\n"
        f"{cine['series_id']},1,99,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--db", db, "series", "--json", "--override", str(corrections)])
    assert result.exit_code == 1  # two rows refused
    assert "2 quarantined" in result.output
    assert "line 3" in result.output and "not a frame of this series" in result.output
    after = _by_file(
        [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    )
    # the third row (ES 99) was refused; the first stands
    row = after["ukbb-demo-1/la_4ch.nii.gz"]
    assert (row["ed_frame"], row["es_frame"], row["phase_method"]) == (1, 23, "override")
    assert row["override_source"] == str(corrections)


def test_series_on_an_uninitialised_database_is_a_clean_user_error(tmp_path):
    (tmp_path / "empty.db").touch()
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'empty.db'}", "series"])
    assert result.exit_code != 0
    assert "E304" in result.output
    assert "Traceback" not in result.output


def test_an_override_file_with_unknown_columns_is_refused_before_anything_is_stored(
    listed, tmp_path
):
    db, _ = listed
    corrections = tmp_path / "bad.csv"
    corrections.write_text("series,ed\nabc,1\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "series", "--override", str(corrections)])
    assert result.exit_code != 0
    assert "E611" in result.output
    assert "Traceback" not in result.output
