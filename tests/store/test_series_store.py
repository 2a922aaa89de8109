"""Series rows: new, unchanged, updated; one row per (study, path in study)."""

from __future__ import annotations

import json

from sqlalchemy import select

from qaforge.domain.series import ScannedSeries, SeriesHeader
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.models import ImageSeries
from qaforge.store.series import count_series_by_sequence, store_series_batch

from ..conftest import GOOD_REPORTS  # noqa: TID252

HEADER = SeriesHeader(
    shape=(64, 64, 8, 20),
    spacing=(1.8, 1.8, 8.0, 40.0),
    n_slices=8,
    n_frames=20,
    orientation="RAS",
    affine=[[1.8, 0, 0, 0], [0, 1.8, 0, 0], [0, 0, 8, 0], [0, 0, 0, 1]],
    dtype="int16",
    description="phantom",
)


def scanned(
    path: str, sha: str, *, study: str = "S1", absolute: str | None = None
) -> ScannedSeries:
    return ScannedSeries(
        path=path,
        absolute_path=absolute or f"/data/{path}",
        sha256=sha * 64,
        size_bytes=1234,
        study_id=study,
        sequence="cine",
        view="sax",
        classified_by="rule: cine",
        header=HEADER,
        sidecar={"SeriesDescription": "sa cine"},
    )


def seed_studies(engine, tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GOOD_REPORTS))
    ingest_reports(engine, path)


def test_new_unchanged_updated(engine, tmp_path):
    seed_studies(engine, tmp_path)
    with engine.begin() as connection:
        first = store_series_batch(connection, series=[scanned("S1/cine_sax.nii.gz", "a")])
    with engine.begin() as connection:
        # the same file scanned from the study folder itself is the same series
        again = store_series_batch(
            connection,
            series=[scanned("cine_sax.nii.gz", "a", absolute="/data/S1/cine_sax.nii.gz")],
        )
    with engine.begin() as connection:
        changed = store_series_batch(connection, series=[scanned("S1/cine_sax.nii.gz", "b")])
    assert (first.new, again.unchanged, changed.updated) == (1, 1, 1)
    with engine.connect() as connection:
        rows = connection.execute(select(ImageSeries)).all()
        by_sequence = count_series_by_sequence(connection)
    assert len(rows) == 1
    row = rows[0]
    assert row.sha256 == "b" * 64 and row.path == "cine_sax.nii.gz" and row.study_id == "S1"
    assert row.shape == [64, 64, 8, 20] and row.n_frames == 20 and row.orientation == "RAS"
    assert row.sidecar == {"SeriesDescription": "sa cine"}
    assert by_sequence == {("cine", "sax"): 1}
