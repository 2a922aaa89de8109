"""The first `select` analyses each study's series in the study's job: every file read once,
and the same analyses, quarantine entries and images as `qaforge series` followed by select."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import delete, select

import qaforge.images.series_facts as series_facts
import qaforge.images.study_job as study_job
from qaforge.pipeline.select import select_images
from qaforge.pipeline.series import analyse_series, list_series
from qaforge.store.models import (
    ImageSelection,
    ImageSeries,
    QAImage,
    QAItem,
    QuarantineRow,
    SeriesAnalysis,
)
from tests.pipeline import test_select
from tests.pipeline.test_select import prepared

sample_subset = test_select.sample_subset  # the same session fixture
STAGES = ("analyse_series", "select")


def counting_loads(monkeypatch) -> Counter:
    """Count every volume load, whichever module reads it."""
    loads: Counter = Counter()
    original = study_job.load_volume

    def load(path: Path, view: str):
        loads[str(path)] += 1
        return original(path, view)

    monkeypatch.setattr(study_job, "load_volume", load)
    monkeypatch.setattr(series_facts, "load_volume", load)
    return loads


def test_the_first_select_reads_and_analyses_each_series_once(
    sqlite_engine, sample_subset, tmp_path, monkeypatch
):
    prepared(sqlite_engine, sample_subset, tmp_path)
    loads = counting_loads(monkeypatch)
    summary = select_images(
        sqlite_engine, protocols=["clinical"], budgets=[16], images_dir=tmp_path / "png", workers=1
    )
    listings = list_series(sqlite_engine)
    assert summary.selected > 0
    assert summary.series_analysed == len(listings)
    assert all(listing.analysed for listing in listings)
    assert loads and set(loads.values()) == {1}, loads


def outcome(engine) -> tuple:
    """Analyses, quarantine and images by study and series path (ids differ between stores)."""
    paths = {listing.series_id: listing.path for listing in list_series(engine)}
    analyses = sorted(
        (listing.study_id, listing.path, listing.model_dump_json(exclude={"series_id"}))
        for listing in list_series(engine)
    )
    with engine.connect() as connection:
        items = dict(connection.execute(select(QAItem.id, QAItem.question)).all())
        shown = sorted(
            (items[item], paths[series], z, t, rank, sha)
            for item, series, z, t, rank, sha in connection.execute(
                select(
                    QAImage.item_id,
                    QAImage.series_id,
                    QAImage.z,
                    QAImage.t,
                    QAImage.rank,
                    QAImage.sha256,
                )
            )
        )
        quarantined = sorted(
            (row.stage, Path(row.source).name, row.reason)
            for row in connection.execute(select(QuarantineRow))
        )
        series = connection.execute(select(ImageSeries.id)).all()
    assert series and shown and quarantined
    return analyses, shown, quarantined


def broken_copy(engine, sample_subset: Path, folder: Path) -> None:
    """The subset prepared in ``folder`` with its first series file truncated (quarantined
    by the analysis and by select, alike in both runs)."""
    data = prepared(engine, sample_subset, folder)
    broken = sorted((data / "series").rglob("*.nii.gz"))[0]
    broken.write_bytes(broken.read_bytes()[:300])


def test_the_first_select_stores_what_series_then_select_stores(engine, sample_subset, tmp_path):
    broken_copy(engine, sample_subset, tmp_path)
    analyse_series(engine)
    select_images(engine, protocols=["clinical"], budgets=[16], images_dir=tmp_path / "a")
    reference = outcome(engine)
    # the same store back to before the analysis, then the first select does it all
    with engine.begin() as connection:
        for table in (QAImage, ImageSelection, SeriesAnalysis, QuarantineRow):
            connection.execute(
                delete(table).where(table.stage.in_(STAGES))
                if table is QuarantineRow
                else delete(table)
            )
    select_images(engine, protocols=["clinical"], budgets=[16], images_dir=tmp_path / "a")
    for fresh, known in zip(outcome(engine), reference, strict=True):
        assert [row for row in fresh if row not in known] == []
        assert fresh == known
