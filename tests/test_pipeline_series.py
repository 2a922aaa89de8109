"""`ingest series` end to end on the sample data plus broken files, through the CLI."""

from __future__ import annotations

import gzip
import shutil

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.sample import write_sample_data
from qaforge.store.engine import create_store_engine
from qaforge.store.models import ImageSeries, QuarantineRow

runner = CliRunner()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample_data(out)
    return out


def test_sample_plus_truncated_and_unknown_files(sample, tmp_path, monkeypatch, db_url):
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    series = tmp_path / "series"
    shutil.copytree(sample / "series", series)
    good_files = sorted(p for p in series.rglob("*.nii.gz"))
    study = good_files[0].relative_to(series).parts[0]
    whole = good_files[0].read_bytes()
    (series / study / "broken_lge_sax.nii.gz").write_bytes(whole[: len(whole) // 2])
    (series / study / "mystery_scan.nii.gz").write_bytes(
        gzip.compress(gzip.decompress(whole), mtime=0)
    )

    assert (
        runner.invoke(
            app, ["--db", db_url, "ingest", "reports", str(sample / "reports.jsonl")]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["--db", db_url, "ingest", "series", str(series)])

    assert result.exit_code == 0, result.output
    assert f"{len(good_files) + 2} files found" in result.output
    assert f"{len(good_files)} new" in result.output and "2 quarantined" in result.output
    engine = create_store_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(select(ImageSeries)).all()
        refused = {row.location: row.reason for row in connection.execute(select(QuarantineRow))}
    engine.dispose()
    assert len(stored) == len(good_files)
    assert all(len(row.sha256) == 64 and row.shape and row.sequence and row.view for row in stored)
    assert set(refused) == {f"{study}/broken_lge_sax.nii.gz", f"{study}/mystery_scan.nii.gz"}
    assert "truncat" in refused[f"{study}/broken_lge_sax.nii.gz"].lower()
    assert "sequence" in refused[f"{study}/mystery_scan.nii.gz"].lower()

    again = runner.invoke(app, ["--db", db_url, "ingest", "series", str(series)])
    assert f"0 new, 0 updated, {len(good_files)} unchanged, 2 quarantined" in again.output


def test_sequence_and_view_match_the_phantom_truth(sample, sqlite_engine):
    import json

    from qaforge.pipeline import ingest_reports, ingest_series

    ingest_reports(sqlite_engine, sample / "reports.jsonl")
    summary = ingest_series(sqlite_engine, sample / "series")
    assert summary.quarantined == 0
    truth = {
        (t["study_id"], t["path"].split("/", 1)[1]): (t["sequence"], t["view"])
        for t in map(json.loads, (sample / "series_truth.jsonl").read_text().splitlines())
    }
    with sqlite_engine.connect() as connection:
        stored = {
            (row.study_id, row.path): (row.sequence, row.view)
            for row in connection.execute(select(ImageSeries))
        }
    assert stored == truth


def test_manifest_links_studies_and_rows_naming_no_file_are_quarantined(
    sample, sqlite_engine, tmp_path
):
    from qaforge.pipeline import ingest_reports, ingest_series

    ingest_reports(sqlite_engine, sample / "reports.jsonl")
    flat = tmp_path / "flat"
    flat.mkdir()
    source = sorted((sample / "series" / "STU-0001").glob("*.nii.gz"))[0]
    shutil.copy(source, flat / "scan_a_cine_sax.nii.gz")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,study_id\nscan_a_cine_sax.nii.gz,STU-0001\nwrong/place.nii.gz,STU-0002\n"
    )

    summary = ingest_series(sqlite_engine, flat, manifest_path=manifest)

    assert (summary.new, summary.quarantined) == (1, 1)
    assert summary.examples[0].location == "line 3"
    assert "no file 'wrong/place.nii.gz'" in summary.examples[0].reason
    with sqlite_engine.connect() as connection:
        row = connection.execute(select(ImageSeries)).one()
    assert row.study_id == "STU-0001" and row.sequence == "cine" and row.view == "sax"
