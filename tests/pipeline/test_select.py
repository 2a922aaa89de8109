"""`select` on the database (SQLite and PostgreSQL): routing, provenance, re-runs, bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import nibabel as nib
import pytest
from sqlalchemy import select

from qaforge.domain.qa import GenerationConfig
from qaforge.errors import ConfigError
from qaforge.images.routing import SeriesRef
from qaforge.images.study_job import SelectionRequest, StudyJob, run_study_job
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.pipeline.series import list_series
from qaforge.sample import write_sample_data
from qaforge.store.models import ImageSelection, ImageSeries, QAImage, QAItem, QuarantineRow

STUDIES = ("STU-0001", "STU-0005", "STU-0009")  # STU-0009 is saved with flipped x axes


@pytest.fixture(scope="session")
def sample_subset(tmp_path_factory) -> Path:
    """Reports and series of three sample studies (one of them stored flipped)."""
    full = tmp_path_factory.mktemp("sample-full")
    write_sample_data(full)
    subset = tmp_path_factory.mktemp("sample-subset")
    lines = (full / "reports.jsonl").read_text().splitlines(keepends=True)
    (subset / "reports.jsonl").write_text(
        "".join(line for line in lines if json.loads(line)["study_id"] in STUDIES)
    )
    truth = (full / "series_truth.jsonl").read_text().splitlines(keepends=True)
    (subset / "series_truth.jsonl").write_text(
        "".join(line for line in truth if json.loads(line)["study_id"] in STUDIES)
    )
    for study in STUDIES:
        shutil.copytree(full / "series" / study, subset / "series" / study)
    return subset


def prepared(engine, sample_subset: Path, tmp_path: Path, *, series: bool = True) -> Path:
    """The subset copied to tmp_path, ingested, extracted and generated; returns the copy."""
    data = tmp_path / "data"
    shutil.copytree(sample_subset, data)
    ingest_reports(engine, data / "reports.jsonl")
    if series:
        ingest_series(engine, data / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(require_series=series, majority_cap=1.0))
    return data


def rows_of(connection, statement) -> list[SimpleNamespace]:
    """Result rows as plain objects (a Row's own attributes, like ``t``, shadow columns)."""
    return [SimpleNamespace(**row._mapping) for row in connection.execute(statement)]


def selections(engine, protocol: str = "clinical", budget: int = 16) -> dict[str, ImageSelection]:
    with engine.connect() as connection:
        rows = rows_of(
            connection,
            select(ImageSelection).where(
                ImageSelection.protocol == protocol, ImageSelection.budget == budget
            ),
        )
    return {row.item_id: row for row in rows}


def images(engine, protocol: str = "clinical", budget: int = 16) -> dict[str, list]:
    found: dict[str, list] = {}
    with engine.connect() as connection:
        rows = rows_of(
            connection,
            select(QAImage)
            .where(QAImage.protocol == protocol, QAImage.budget == budget)
            .order_by(QAImage.item_id, QAImage.rank),
        )
    for image in rows:
        found.setdefault(image.item_id, []).append(image)
    return found


def test_every_active_item_gets_images_from_its_own_study_with_full_provenance(
    engine, sample_subset, tmp_path
):
    prepared(engine, sample_subset, tmp_path)
    summary = select_images(
        engine, protocols=["clinical"], budgets=[16], images_dir=tmp_path / "img", workers=1
    )
    with engine.connect() as connection:
        items = {
            row.id: row
            for row in rows_of(connection, select(QAItem).where(QAItem.status == "active"))
        }
        series = {row.id: row for row in rows_of(connection, select(ImageSeries))}
    assert summary.items == len(items) > 20
    assert summary.selected == len(items) and summary.no_series == summary.unreadable == 0
    stored = selections(engine)
    by_item = images(engine)
    assert set(stored) == set(items) == set(by_item)
    for item_id, item in items.items():
        rows = by_item[item_id]
        assert [row.rank for row in rows] == list(range(len(rows)))
        assert 1 <= len(rows) <= 16 and stored[item_id].n_images == len(rows)
        assert stored[item_id].primary_view in item.provenance["views"]
        assert stored[item_id].routed_series == list(dict.fromkeys(r.series_id for r in rows)) or (
            set(r.series_id for r in rows) <= set(stored[item_id].routed_series)
        )
        assert len({(row.series_id, row.z, row.t) for row in rows}) == len(rows)
        for row in rows:
            source = series[row.series_id]
            assert source.study_id == item.study_id
            assert item.sequence in ("overall", source.sequence)
            assert source.view in item.provenance["views"]
            assert 0 <= row.z < source.n_slices and 0 <= row.t < source.n_frames
            assert row.windowing["method"] == "percentile"
            assert row.windowing["high"] > row.windowing["low"]
            assert (tmp_path / "img" / row.path).is_file()
            assert row.path.endswith(f"{row.sha256}.png")
        assert (tmp_path / "img" / stored[item_id].contact_sheet).is_file()
    assert summary.images == sum(len(rows) for rows in by_item.values())


def test_clinical_cine_items_start_with_the_detected_end_diastole_of_every_slice(
    engine, sample_subset, tmp_path
):
    data = prepared(engine, sample_subset, tmp_path)
    select_images(
        engine, protocols=["clinical"], budgets=[32], images_dir=tmp_path / "img", workers=1
    )
    truth = {
        record["path"]: record
        for record in map(json.loads, (data / "series_truth.jsonl").read_text().splitlines())
    }
    with engine.connect() as connection:
        series = {row.id: row for row in rows_of(connection, select(ImageSeries))}
        cine_items = rows_of(
            connection,
            select(QAItem.id).where(QAItem.subtask_id == "cine_lv_size", QAItem.status == "active"),
        )
    assert len(cine_items) >= 2
    by_item = images(engine, budget=32)
    for item_id in [row.id for row in cine_items]:
        rows = by_item[item_id]
        sax = series[rows[0].series_id]
        assert (sax.sequence, sax.view) == ("cine", "sax")
        drawn = truth[f"{sax.study_id}/{sax.path}"]
        head = rows[: sax.n_slices]
        assert {row.series_id for row in head} == {sax.id}
        [ed] = {row.t for row in head}  # one end-diastolic frame for every slice
        frames = sax.n_frames
        assert min((ed - drawn["ed_frame"]) % frames, (drawn["ed_frame"] - ed) % frames) <= 1
        zs = [row.z for row in head]
        assert sorted(zs) == list(range(sax.n_slices))  # every slice once
        first, last = drawn["lv_slices"]
        inner = [z for z in zs if first < z < last]
        assert set(zs[: len(inner)]) <= set(range(first, last + 1))  # LV slices come first
        assert inner == sorted(inner, reverse=drawn["slice_order"] == "apex_first")  # base first


def test_rerun_changes_nothing_and_a_lost_file_redoes_only_the_selections_using_it(
    engine, sample_subset, tmp_path
):
    prepared(engine, sample_subset, tmp_path)
    root = tmp_path / "img"
    first = select_images(engine, protocols=["random"], budgets=[4], images_dir=root, workers=1)
    before = {
        item: [(r.id, r.sha256) for r in rows] for item, rows in images(engine, "random", 4).items()
    }

    again = select_images(engine, protocols=["random"], budgets=[4], images_dir=root, workers=1)
    assert again.unchanged == first.selected and again.selected == 0 and again.written == 0
    assert {
        item: [(r.id, r.sha256) for r in rows] for item, rows in images(engine, "random", 4).items()
    } == before

    victim = next(iter(images(engine, "random", 4).values()))[0]
    users = {
        item
        for item, rows in images(engine, "random", 4).items()
        if any(r.path == victim.path for r in rows)
    }
    (root / victim.path).unlink()
    repaired = select_images(engine, protocols=["random"], budgets=[4], images_dir=root, workers=1)
    assert repaired.selected == len(users) and repaired.written >= 1
    assert repaired.unchanged == first.selected - len(users)
    assert (root / victim.path).is_file()
    after = {
        item: [(r.id, r.sha256) for r in rows] for item, rows in images(engine, "random", 4).items()
    }
    assert after == before


def test_protocols_and_budgets_are_kept_side_by_side(engine, sample_subset, tmp_path):
    prepared(engine, sample_subset, tmp_path)
    root = tmp_path / "img"
    select_images(engine, protocols=["clinical"], budgets=[16], images_dir=root, workers=1)
    clinical = images(engine, "clinical", 16)
    summary = select_images(
        engine, protocols=["data-driven", "random"], budgets=[1, 8], images_dir=root, workers=1
    )
    assert summary.selected == 4 * len(clinical)
    assert images(engine, "clinical", 16).keys() == clinical.keys()
    for protocol in ("data-driven", "random"):
        assert all(len(rows) == 1 for rows in images(engine, protocol, 1).values())
        assert all(len(rows) <= 8 for rows in images(engine, protocol, 8).values())
    assert any(
        [(r.z, r.t) for r in images(engine, "random", 8)[item]]
        != [(r.z, r.t) for r in images(engine, "data-driven", 8)[item]]
        for item in clinical
    )


def test_worker_processes_give_the_same_images_as_inline(sqlite_engine, sample_subset, tmp_path):
    prepared(sqlite_engine, sample_subset, tmp_path)
    select_images(
        sqlite_engine, protocols=["data-driven"], budgets=[8], images_dir=tmp_path / "a", workers=1
    )
    inline = {
        i: [(r.series_id, r.z, r.t, r.sha256) for r in rows]
        for i, rows in images(sqlite_engine, "data-driven", 8).items()
    }
    parallel = select_images(
        sqlite_engine, protocols=["data-driven"], budgets=[8], images_dir=tmp_path / "b", workers=2
    )
    assert parallel.selected == len(inline) and parallel.written > 0
    assert {
        i: [(r.series_id, r.z, r.t, r.sha256) for r in rows]
        for i, rows in images(sqlite_engine, "data-driven", 8).items()
    } == inline


def test_a_truncated_series_is_reported_by_path_and_the_other_series_go_on(
    engine, sample_subset, tmp_path
):
    data = prepared(engine, sample_subset, tmp_path)
    with engine.connect() as connection:
        lge = rows_of(
            connection,
            select(ImageSeries).where(
                ImageSeries.study_id == "STU-0001", ImageSeries.sequence == "lge"
            ),
        )[0]
    victim = Path(lge.absolute_path)
    assert victim.is_relative_to(data)
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])

    summary = select_images(
        engine, protocols=["clinical"], budgets=[8], images_dir=tmp_path / "img", workers=1
    )
    assert [(p.path, "truncated" in p.reason) for p in summary.unreadable_series] == [
        (str(victim), True)
    ]
    stored = selections(engine, budget=8)
    with engine.connect() as connection:
        items = {
            row.id: row
            for row in rows_of(connection, select(QAItem).where(QAItem.status == "active"))
        }
        quarantined = rows_of(
            connection, select(QuarantineRow).where(QuarantineRow.stage == "select")
        )
    assert [(q.source, q.record_key) for q in quarantined] == [(str(victim), lge.id)]
    lge_only = [
        i for i, item in items.items() if item.study_id == "STU-0001" and item.sequence == "lge"
    ]
    assert lge_only and all(
        stored[i].status == "unreadable" and stored[i].n_images == 0 for i in lge_only
    )
    assert all(stored[i].unreadable_series == [lge.id] for i in lge_only)
    others = [
        i for i, item in items.items() if item.study_id != "STU-0001" or item.sequence != "lge"
    ]
    assert all(stored[i].status == "selected" and stored[i].n_images > 0 for i in others)
    diagnosis = [
        i for i in others if items[i].study_id == "STU-0001" and items[i].sequence == "overall"
    ]
    assert diagnosis and all(lge.id in stored[i].unreadable_series for i in diagnosis)
    assert summary.unreadable == len(lge_only)


def test_items_of_a_study_without_series_are_flagged_not_answerable(
    engine, sample_subset, tmp_path
):
    prepared(engine, sample_subset, tmp_path, series=False)
    summary = select_images(
        engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img", workers=1
    )
    stored = selections(engine, budget=4)
    assert summary.no_series == len(stored) == summary.items > 0 and summary.selected == 0
    assert all(
        s.status == "no_series" and s.n_images == 0 and s.missing_views for s in stored.values()
    )
    assert images(engine, budget=4) == {}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"protocols": ["best"], "budgets": [4]}, "E602"),
        ({"protocols": [], "budgets": [4]}, "E602"),
        ({"protocols": ["clinical"], "budgets": [0]}, "E603"),
        ({"protocols": ["clinical"], "budgets": [4], "size": 0}, "E604"),
    ],
)
def test_bad_settings_are_refused_before_any_work(sqlite_engine, tmp_path, kwargs, code):
    with pytest.raises(ConfigError) as caught:
        select_images(sqlite_engine, images_dir=tmp_path / "img", **kwargs)
    assert caught.value.code == code


def test_an_images_folder_that_cannot_be_made_is_a_clear_error(sqlite_engine, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as caught:
        select_images(
            sqlite_engine, protocols=["clinical"], budgets=[4], images_dir=blocker / "img"
        )
    assert caught.value.code == "E601" and str(blocker) in caught.value.message


def test_flipped_and_plain_copies_of_a_study_render_identical_pngs(
    sqlite_engine, sample_subset, tmp_path
):
    """Re-saving STU-0009's cine with its first axis reversed must give the same PNG hashes."""
    data = prepared(sqlite_engine, sample_subset, tmp_path)
    select_images(
        sqlite_engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "a", workers=1
    )
    with sqlite_engine.connect() as connection:
        cine = rows_of(
            connection,
            select(ImageSeries).where(
                ImageSeries.study_id == "STU-0009",
                ImageSeries.sequence == "cine",
                ImageSeries.view == "sax",
            ),
        )[0]
    stored_rows = [
        r
        for rows in images(sqlite_engine, "clinical", 4).values()
        for r in rows
        if r.series_id == cine.id
    ]
    hashes = {(r.z, r.t): r.sha256 for r in stored_rows}
    assert hashes
    image = nib.load(cine.absolute_path)
    array = image.get_fdata(dtype="float32")[::-1].round().astype("uint8")
    affine = image.affine.copy()
    affine[:, 3] = affine[:, 3] + affine[:, 0] * (array.shape[0] - 1)
    affine[:, 0] = -affine[:, 0]
    nib.save(nib.Nifti1Image(array, affine), data / "unflipped.nii.gz")
    [facts] = [
        f for f in list_series(sqlite_engine, study_ids=["STU-0009"]) if f.series_id == cine.id
    ]
    ref = SeriesRef(
        cine.id,
        "cine",
        "sax",
        str(data / "unflipped.nii.gz"),
        "x",
        ed_frame=facts.ed_frame,
        es_frame=facts.es_frame,
        slice_order=facts.slice_order,
        lv_slices=facts.lv_slices,
        analysed=True,
    )
    result = run_study_job(
        StudyJob(
            "STU-0009",
            (SelectionRequest("k", (ref,), "clinical", 4),),
            0,
            None,
            str(tmp_path / "b"),
        )
    )
    rendered = {(i.z, i.t): i.sha256 for i in result.selections[0].images}
    assert len(rendered) == 4 and rendered.keys() <= hashes.keys()
    assert rendered == {key: hashes[key] for key in rendered}
    # the display transform changed with the storage order, and compensated for it
    copied = result.selections[0].images[0].windowing["display"]
    assert copied != stored_rows[0].windowing["display"]
