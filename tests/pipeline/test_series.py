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

    from qaforge.pipeline.ingest import ingest_reports, ingest_series

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
    from qaforge.pipeline.ingest import ingest_reports, ingest_series

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


def write_image(path, data=None):
    """A tiny NIfTI file: random int16 voxels (an image), or ``data``."""
    import nibabel as nib
    import numpy as np

    if data is None:
        data = np.random.default_rng(0).integers(0, 4000, size=(8, 8, 2, 3)).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.diag([1.5, 1.5, 8.0, 1.0])), path)
    return path


def label_map():
    import numpy as np

    return np.random.default_rng(1).integers(0, 4, size=(8, 8, 2, 3)).astype(np.float64)


def write_reports(path, study_ids):
    import json

    path.write_text(
        "".join(
            json.dumps(
                {"report_id": f"R-{s}", "patient_id": f"P-{s}", "study_id": s, "text": "Cine."}
            )
            + "\n"
            for s in study_ids
        ),
        encoding="utf-8",
    )
    return path


def test_skipped_files_are_counted_per_reason_and_phases_stored(engine, tmp_path):
    from qaforge.pipeline.ingest import ingest_reports, ingest_series
    from qaforge.store.models import IngestRun

    ingest_reports(engine, write_reports(tmp_path / "r.jsonl", ["ukbb-1"]))
    root = tmp_path / "scans"
    for name in ["sa_ED", "sa_ES", "la_2ch", "la_2ch_ED"]:
        write_image(root / "ukbb-1" / f"{name}.nii.gz")
    for name in ["seg_sa", "seg_la_2ch"]:
        write_image(root / "ukbb-1" / f"{name}.nii.gz", label_map())
    write_image(root / "ukbb-1" / "la_4ch.nii.gz", label_map())  # named like a cine

    first = ingest_series(engine, root)
    again = ingest_series(engine, root)

    assert (first.files, first.new, first.quarantined, first.skipped) == (7, 3, 1, 3)
    assert first.skipped_by_reason == {
        "segmentation or label file": 2,
        "single phase of a cine in the same folder": 1,
    }
    segmentation, phase = first.skipped_examples
    assert segmentation.path == "ukbb-1/seg_la_2ch.nii.gz"
    assert segmentation.detail.startswith("mapping skip rule 1 (")
    assert (phase.path, phase.detail) == (
        "ukbb-1/la_2ch_ED.nii.gz",
        "single phase of ukbb-1/la_2ch.nii.gz",
    )
    assert first.examples[0].location == "ukbb-1/la_4ch.nii.gz"
    assert first.examples[0].reason.startswith("label map: integer voxels with 4 distinct values")
    assert (again.unchanged, again.skipped, again.quarantined) == (3, 3, 1)
    with engine.connect() as connection:
        stored = {
            row.path: (row.sequence, row.view, row.phase)
            for row in connection.execute(select(ImageSeries))
        }
        counts = (
            connection.execute(select(IngestRun.counts).where(IngestRun.stage == "ingest_series"))
            .scalars()
            .first()
        )
    assert stored == {
        "sa_ED.nii.gz": ("cine", "sax", "ed"),
        "sa_ES.nii.gz": ("cine", "sax", "es"),
        "la_2ch.nii.gz": ("cine", "2ch", None),
    }
    assert counts["skipped"] == 3


def test_cli_says_what_was_skipped_and_a_folder_of_segmentations_is_no_failure(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'q.db'}"
    reports = write_reports(tmp_path / "r.jsonl", ["mnms2-001"])
    segmentations = tmp_path / "segs" / "mnms2-001"
    for name in ["001_SA_ED_gt", "001_LA_ED_gt"]:
        write_image(segmentations / f"{name}.nii.gz", label_map())
    label_maps = tmp_path / "labels" / "mnms2-001"
    write_image(label_maps / "001_SA_CINE.nii.gz", label_map())
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "ingest", "reports", str(reports)]).exit_code == 0

    skipped = runner.invoke(app, ["--db", db, "ingest", "series", str(segmentations.parent)])
    refused = runner.invoke(app, ["--db", db, "ingest", "series", str(label_maps.parent)])

    assert skipped.exit_code == 0, skipped.output
    assert (
        "0 new, 0 updated, 0 unchanged, 0 quarantined, 2 skipped (2 segmentation or label file)"
        in (" ".join(skipped.output.split()))
    )
    assert "mnms2-001/001_LA_ED_gt.nii.gz" in skipped.output
    assert refused.exit_code == 1, refused.output
    assert "1 quarantined" in refused.output and "label map" in refused.output
