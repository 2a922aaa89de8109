"""`select` on series whose voxels cannot be windowed as stored: quarantined or flagged, never an abort.

Each test swaps one sample series (STU-0001's LGE stack) for a file of odd
voxels written here with nibabel before ingest, so ingest accepts it as a
real user's file would be accepted; every numpy warning fails the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from sqlalchemy import select

from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.store.models import ImageSeries, QAImage, QAItem, QuarantineRow
from tests.pipeline import test_select
from tests.pipeline.test_select import rows_of, selections

sample_subset = test_select.sample_subset  # the same session fixture

RGB24 = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])


def odd_voxels(kind: str, shape: tuple[int, ...]) -> np.ndarray:
    """A stack of the given shape whose values are odd in the way ``kind`` names."""
    rng = np.random.default_rng(7)
    base = rng.uniform(0.0, 200.0, shape)
    if kind == "rgb24":
        data = np.zeros(shape, dtype=RGB24)
        data["R"], data["G"] = base.astype(np.uint8), 255 - base.astype(np.uint8)
        return data
    if kind == "complex":
        return (base + 1j * base[::-1]).astype(np.complex64)
    if kind == "all_nan":
        return np.full(shape, np.nan, dtype=np.float32)
    if kind == "all_inf":
        return np.where(base > 100, np.inf, -np.inf).astype(np.float64)
    if kind == "near_float64_max":
        return (1e308 * (base / 200.0 - 0.5) * 3.0).astype(np.float64)
    if kind == "some_nonfinite":
        data = base.astype(np.float32)
        data[::3, ::5] = np.nan
        data[1::7, ::4] = np.inf
        data[2::9, 1::3] = -np.inf
        return data
    raise AssertionError(kind)


def prepared_with_odd_lge(engine, sample_subset: Path, tmp_path: Path, kind: str) -> Path:
    """The sample subset with STU-0001's LGE replaced by odd voxels, taken through generate."""
    data = tmp_path / "data"
    shutil.copytree(sample_subset, data)
    victim = data / "series" / "STU-0001" / "lge_sax.nii.gz"
    image = nib.load(victim)
    odd = odd_voxels(kind, image.shape)
    nib.save(nib.Nifti1Image(odd, image.affine), victim)
    assert nib.load(victim).get_data_dtype() == odd.dtype  # stored as the odd type itself
    ingest_reports(engine, data / "reports.jsonl")
    ingest_series(engine, data / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    return victim


def _lge_and_items(engine, victim: Path):
    with engine.connect() as connection:
        [lge] = rows_of(
            connection, select(ImageSeries).where(ImageSeries.absolute_path == str(victim))
        )
        items = rows_of(connection, select(QAItem).where(QAItem.status == "active"))
        quarantined = rows_of(
            connection, select(QuarantineRow).where(QuarantineRow.stage == "select")
        )
    lge_only = {i.id for i in items if i.study_id == "STU-0001" and i.sequence == "lge"}
    return lge, items, lge_only, quarantined


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("rgb24", "colour voxels (fields R, G, B)"),
        ("complex", "complex voxels (complex64)"),
        ("all_nan", "no voxel has a finite value"),
        ("all_inf", "no voxel has a finite value"),
    ],
)
def test_a_series_that_cannot_be_windowed_is_quarantined_and_the_rest_selected(
    engine, sample_subset, tmp_path, kind, reason
):
    victim = prepared_with_odd_lge(engine, sample_subset, tmp_path, kind)
    summary = select_images(
        engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img", workers=1
    )
    lge, items, lge_only, quarantined = _lge_and_items(engine, victim)
    assert [(q.source, q.location, q.record_key) for q in quarantined] == [
        (str(victim), str(victim), lge.id)
    ]
    assert reason in quarantined[0].reason
    assert [(p.path, p.reason) for p in summary.unreadable_series] == [
        (str(victim), quarantined[0].reason)
    ]
    stored = selections(engine, budget=4)
    assert lge_only and set(stored) == {i.id for i in items}
    assert summary.unreadable == len(lge_only)
    assert summary.selected == len(items) - len(lge_only) > 20
    for item_id, selection in stored.items():
        expected = "unreadable" if item_id in lge_only else "selected"
        assert selection.status == expected


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("kind", "nonfinite", "scaled"),
    [
        ("near_float64_max", False, True),
        ("some_nonfinite", True, False),
    ],
)
def test_non_finite_or_extreme_voxels_are_windowed_from_the_finite_ones_and_flagged(
    engine, sample_subset, tmp_path, kind, nonfinite, scaled
):
    victim = prepared_with_odd_lge(engine, sample_subset, tmp_path, kind)
    summary = select_images(
        engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img", workers=1
    )
    lge, items, lge_only, quarantined = _lge_and_items(engine, victim)
    assert quarantined == [] and summary.unreadable == 0
    assert summary.selected == len(items)
    with engine.connect() as connection:
        shown = rows_of(connection, select(QAImage).where(QAImage.series_id == lge.id))
    assert shown and lge_only
    for image in shown:
        window = image.windowing
        assert window["low"] < window["high"]
        assert np.isfinite([window["low"], window["high"]]).all()
        assert ("nonfinite_voxels" in window) == nonfinite
        assert ("value_scale" in window) == scaled
        assert Path(tmp_path / "img" / image.path).stat().st_size > 0
    if nonfinite:
        odd = odd_voxels(kind, nib.load(victim).shape)
        assert shown[0].windowing["nonfinite_voxels"] == int((~np.isfinite(odd)).sum())
        finite = odd[np.isfinite(odd)].astype(np.float64)
        # the percentiles of the finite voxels only (the file is small: no sampling)
        assert shown[0].windowing["low"] == pytest.approx(np.percentile(finite, 0.5), rel=1e-5)
        assert shown[0].windowing["high"] == pytest.approx(np.percentile(finite, 99.5), rel=1e-5)


PLANTED = "Patient Jane Roe, report text that must never reach an error"


def test_any_other_failure_of_one_series_is_quarantined_by_type_and_the_run_goes_on(
    engine, sample_subset, tmp_path, monkeypatch
):
    victim = prepared_with_odd_lge(engine, sample_subset, tmp_path, "some_nonfinite")
    real_load = nib.load

    def load_failing_for_the_victim(path, *args, **kwargs):
        # nibabel failing in a way qaforge does not expect, with text in its message
        if str(path) == str(victim):
            raise RuntimeError(PLANTED)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(nib, "load", load_failing_for_the_victim)
    summary = select_images(
        engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img", workers=1
    )
    lge, items, lge_only, quarantined = _lge_and_items(engine, victim)
    reasons = [(p.path, p.reason) for p in summary.unreadable_series]
    assert reasons == [(str(victim), "could not be used (RuntimeError)")]
    assert [(q.record_key, q.reason) for q in quarantined] == [
        (lge.id, "could not be used (RuntimeError)")
    ]
    with engine.connect() as connection:
        analysis = rows_of(
            connection, select(QuarantineRow).where(QuarantineRow.stage == "analyse_series")
        )
    assert [q.reason for q in analysis] == ["could not be analysed (RuntimeError)"]
    assert PLANTED not in summary.model_dump_json()
    assert summary.unreadable == len(lge_only) > 0
    assert summary.selected == len(items) - len(lge_only)
