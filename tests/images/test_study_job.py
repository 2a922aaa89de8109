"""A study job end to end on phantom files: selections, PNGs, determinism, unreadable series."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from qaforge.images.analysis import apply_window, robust_window
from qaforge.images.protocols import PROTOCOLS, select_slices
from qaforge.images.routing import SeriesRef, route
from qaforge.images.study_job import (
    SelectionRequest,
    StudyJob,
    StudyResult,
    run_study_job,
    run_study_jobs,
)
from qaforge.images.volume import load_volume

from .conftest import cached_phantom  # noqa: TID252

STUDY = "STU-0001"  # has every series kind
KEYS = ("cine_sax", "cine_2ch", "cine_3ch", "cine_4ch", "lge_sax", "t2_sax", "perfusion_sax")


@pytest.fixture(scope="module")
def study_refs(tmp_path_factory, series_writer) -> list[SeriesRef]:
    """Every series of the study, written once for the module."""
    folder = tmp_path_factory.mktemp("series")
    return [series_writer(STUDY, key, folder) for key in KEYS]


def _requests(refs: list[SeriesRef], budgets=(1, 5, 12)) -> tuple[SelectionRequest, ...]:
    routings = {
        "cine": route("cine", ["sax", "4ch", "2ch"], refs).series,
        "lge": route("lge", ["sax"], refs).series,
        "overall": route("overall", ["sax", "4ch"], refs).series,
    }
    return tuple(
        SelectionRequest(f"{name}-{protocol}-{budget}", routing, protocol, budget)
        for name, routing in routings.items()
        for protocol in PROTOCOLS
        for budget in budgets
    )


def _job(refs, images_dir: Path, *, seed: int = 0, size: int | None = None, **extra) -> StudyJob:
    return StudyJob(
        study_id=STUDY,
        requests=extra.pop("requests", None) or _requests(refs),
        seed=seed,
        size=size,
        images_dir=str(images_dir),
        **extra,
    )


def _picks(result: StudyResult) -> dict[str, list[tuple[str, int, int]]]:
    return {s.key: [(i.series_id, i.z, i.t) for i in s.images] for s in result.selections}


def _hashes(result: StudyResult) -> dict[str, list[str]]:
    return {s.key: [i.sha256 for i in s.images] for s in result.selections}


def _decode(path: Path) -> np.ndarray:
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        image.load()
        return np.asarray(image)


def test_same_seed_in_two_folders_gives_the_same_picks_and_png_hashes(study_refs, tmp_path):
    first = run_study_job(_job(study_refs, tmp_path / "one", seed=5))
    second = run_study_job(_job(study_refs, tmp_path / "two", seed=5))
    assert _picks(first) == _picks(second)
    assert _hashes(first) == _hashes(second)
    assert [s.contact_sheet for s in first.selections] == [
        s.contact_sheet for s in second.selections
    ]
    assert first.written == second.written > 0
    files_one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*g"))
    files_two = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.*g"))
    assert files_one == files_two
    assert len(files_one) == first.written


def test_every_protocol_is_covered_and_gives_images(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path))
    protocols = {s.key.split("-", 1)[1].rsplit("-", 1)[0] for s in result.selections}
    assert protocols == set(PROTOCOLS)
    lge = next(ref for ref in study_refs if ref.sequence == "lge")
    lge_slices = nib.load(lge.path).shape[2]
    for selection in result.selections:
        budget = int(selection.key.rsplit("-", 1)[1])
        expected = lge_slices if selection.key.startswith("lge-") else budget
        assert len(selection.images) == min(budget, expected), selection.key
        assert [image.rank for image in selection.images] == list(range(len(selection.images)))
        assert selection.unreadable == ()
    assert result.problems == ()


def test_png_files_hold_what_their_names_and_records_say(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path))
    for selection in result.selections:
        for image in selection.images:
            content = (tmp_path / image.path).read_bytes()
            assert hashlib.sha256(content).hexdigest() == image.sha256
            assert image.path == f"{image.sha256[:2]}/{image.sha256}.png"
        sheet = tmp_path / selection.contact_sheet
        assert sheet.name == f"{hashlib.sha256(sheet.read_bytes()).hexdigest()}.jpg"


def test_a_different_seed_changes_only_the_random_selections(study_refs, tmp_path):
    zero = _picks(run_study_job(_job(study_refs, tmp_path, seed=0)))
    one = _picks(run_study_job(_job(study_refs, tmp_path, seed=1)))
    for key in zero:
        if "-random-" in key and not key.endswith("-1"):
            assert zero[key] != one[key], key
        elif "-random-" not in key:
            assert zero[key] == one[key], key
    assert any(zero[key] != one[key] for key in zero if key.endswith("-random-1"))


def test_the_job_matches_select_slices_on_the_same_facts(study_refs, tmp_path, facts):
    """The job measures the files itself; its picks equal those from the phantom arrays."""
    result = run_study_job(_job(study_refs, tmp_path, seed=3))
    routed_keys = ["cine_sax", "cine_4ch", "cine_2ch"]
    expected = select_slices("clinical", [facts(STUDY, k) for k in routed_keys], 12, seed=3)
    selection = next(s for s in result.selections if s.key == "cine-clinical-12")
    assert [(i.series_id, i.z, i.t) for i in selection.images] == [
        (p.series_id, p.z, p.t) for p in expected
    ]


def test_rendered_pixels_are_the_windowed_plane(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path))
    refs = {ref.series_id: ref for ref in study_refs}
    checked = 0
    for selection in result.selections:
        for image in selection.images[:3]:
            volume = load_volume(Path(refs[image.series_id].path), refs[image.series_id].view)
            window = robust_window(volume.data)
            expected = apply_window(volume.plane(image.z, image.t), window)
            np.testing.assert_array_equal(_decode(tmp_path / image.path), expected)
            stored_shape = volume.data.shape[:2]
            assert image.windowing == {
                **window.as_record(),
                "orientation": volume.orientation.describe(),
                "display": volume.orientation.as_record(stored_shape),
                "size": None,
                "scale": 1.0,
            }
            # the recorded transform maps a displayed pixel back to its voxel
            row, col = expected.shape[0] - 1, 0
            i, j = volume.orientation.stored_index(row, col, stored_shape)
            assert volume.data[i, j, image.z, image.t] == volume.plane(image.z, image.t)[row, col]
            checked += 1
    assert checked > 20


def test_rendering_at_a_size_enlarges_the_short_side(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path, size=96))
    image = result.selections[0].images[0]
    assert min(_decode(tmp_path / image.path).shape) == 96
    assert image.windowing["size"] == 96
    assert image.windowing["scale"] == 96 / 64


def test_a_second_run_in_the_same_folder_writes_nothing(study_refs, tmp_path):
    first = run_study_job(_job(study_refs, tmp_path))
    second = run_study_job(_job(study_refs, tmp_path))
    assert first.written > 0
    assert second.written == 0
    assert second.reused == first.written + first.reused
    assert _hashes(first) == _hashes(second)


def test_shared_images_are_written_once(study_refs, tmp_path):
    """The same (series, z, t) in several selections is one file, counted once."""
    result = run_study_job(_job(study_refs, tmp_path))
    images = {image.path for s in result.selections for image in s.images}
    sheets = {s.contact_sheet for s in result.selections}
    assert result.written + result.reused == len(images) + len(result.selections)
    assert result.written == len(images | sheets)
    assert sum(len(s.images) for s in result.selections) > len(images)


def test_contact_sheets_can_be_left_out(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path, contact_sheets=False))
    assert all(s.contact_sheet is None for s in result.selections)
    assert all(s.images for s in result.selections)
    images = {image.path for s in result.selections for image in s.images}
    assert len(list(tmp_path.rglob("*.png"))) == len(images)


def test_a_contact_sheet_holds_one_tile_per_image(study_refs, tmp_path):
    result = run_study_job(_job(study_refs, tmp_path))
    selection = next(s for s in result.selections if s.key == "overall-clinical-5")
    sheet = _decode(tmp_path / selection.contact_sheet)
    assert sheet.shape == (2 * (128 + 14), 4 * 128)


def test_a_flipped_file_renders_the_same_pngs(tmp_path, series_writer):
    """Orientation end to end: the reversed-x file gives byte-identical images."""
    plain = series_writer(STUDY, "lge_sax", tmp_path / "plain")
    flipped = series_writer(STUDY, "lge_sax", tmp_path / "flipped", flipped=True)
    flipped = SeriesRef(plain.series_id, "lge", "sax", flipped.path, flipped.sha256)
    results = [
        run_study_job(
            _job(
                [ref],
                tmp_path / "images",
                requests=(SelectionRequest("k", (ref,), "clinical", 8),),
            )
        )
        for ref in (plain, flipped)
    ]
    assert _hashes(results[0]) == _hashes(results[1])
    assert results[1].written == 0
    assert results[1].selections[0].images[0].windowing["orientation"] == "flip_rows"
    assert results[0].selections[0].images[0].windowing["orientation"] == "none"


def test_a_truncated_series_is_reported_and_the_others_go_on(study_refs, tmp_path):
    broken_path = tmp_path / "broken_lge.nii.gz"
    lge = next(ref for ref in study_refs if ref.series_id.endswith("lge_sax"))
    content = Path(lge.path).read_bytes()
    broken_path.write_bytes(content[: len(content) // 2])
    broken = SeriesRef(lge.series_id, "lge", "sax", str(broken_path), lge.sha256)
    refs = [broken if ref.series_id == lge.series_id else ref for ref in study_refs]
    result = run_study_job(_job(refs, tmp_path / "images"))

    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.series_id, problem.path) == (lge.series_id, str(broken_path))
    assert problem.reason.startswith("truncated or corrupt data")

    for selection in result.selections:
        if selection.key.startswith("lge-"):
            assert selection.images == ()
            assert selection.contact_sheet is None
            assert selection.unreadable == (lge.series_id,)
        else:
            assert selection.images, selection.key
            assert lge.series_id not in {image.series_id for image in selection.images}
            expected = (lge.series_id,) if selection.key.startswith("overall-") else ()
            assert selection.unreadable == expected
            for image in selection.images:
                assert (tmp_path / "images" / image.path).is_file()


def test_a_missing_series_file_is_reported_with_its_path(study_refs, tmp_path):
    missing = SeriesRef("gone", "t2", "sax", str(tmp_path / "gone.nii.gz"), "0" * 64)
    cine = next(ref for ref in study_refs if ref.series_id.endswith("cine_sax"))
    requests = (
        SelectionRequest("both", (cine, missing), "data-driven", 4),
        SelectionRequest("gone", (missing,), "random", 4),
    )
    result = run_study_job(_job(study_refs, tmp_path, requests=requests))
    assert [(p.series_id, p.path, p.reason) for p in result.problems] == [
        ("gone", str(tmp_path / "gone.nii.gz"), "file not found")
    ]
    both, gone = result.selections
    assert len(both.images) == 4
    assert both.unreadable == ("gone",)
    assert gone.images == ()
    assert gone.unreadable == ("gone",)


def test_run_study_jobs_inline_yields_one_result_per_job_in_order(study_refs, tmp_path):
    jobs = [
        _job(study_refs, tmp_path, seed=seed, requests=_requests(study_refs, budgets=(3,)))
        for seed in (0, 1)
    ]
    results = list(run_study_jobs(jobs, workers=1))
    assert len(results) == 2
    for job, result in zip(jobs, results, strict=True):
        assert _picks(result) == _picks(run_study_job(job))


def test_data_driven_picks_do_not_depend_on_how_an_odd_sized_file_is_stored(tmp_path):
    """Thumbnails are taken in display orientation and cover every pixel (74 rows: not 16k)."""
    phantom = cached_phantom(STUDY, "cine_sax")
    padded = np.pad(phantom.array, ((0, 10), (0, 3), (0, 0), (0, 0)), constant_values=7)
    plain_path, flipped_path = tmp_path / "plain.nii.gz", tmp_path / "flipped.nii.gz"
    nib.save(nib.Nifti1Image(padded, phantom.affine), plain_path)
    flip = np.eye(4)
    flip[0, 0], flip[0, 3] = -1.0, padded.shape[0] - 1
    nib.save(
        nib.Nifti1Image(np.ascontiguousarray(padded[::-1]), phantom.affine @ flip), flipped_path
    )
    picks = []
    for path in (plain_path, flipped_path):
        ref = SeriesRef("cine", "cine", "sax", str(path), "")
        job = _job(
            [ref],
            tmp_path / "images",
            requests=(SelectionRequest("k", (ref,), "data-driven", 12),),
        )
        picks.append(_picks(run_study_job(job)))
    assert picks[0] == picks[1]
    assert len(picks[0]["k"]) == 12
