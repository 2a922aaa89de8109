"""Loading NIfTI series: 4D shape, in-plane orientation from the affine, readable errors."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.display import display_orientation
from qaforge.images.volume import (
    InPlaneOrientation,
    load_volume,
)
from qaforge.sample.cases import SAMPLE_CASES
from qaforge.sample.phantoms import encode_nifti_gz

# series with a slice stack, a long-axis cine, a static stack and a perfusion series
ORIENTATION_SERIES = [
    ("STU-0001", "cine_sax"),
    ("STU-0001", "cine_4ch"),
    ("STU-0002", "lge_sax"),
    ("STU-0001", "perfusion_sax"),
]
LESION_STUDIES = [case.study_id for case in SAMPLE_CASES if case.truth.lge]
BRIGHT_LGE = 170  # lesions are drawn at 235; blood (100) and fluid (60) stay far below


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _transposed_in_plane(path: Path, out: Path) -> Path:
    """Rewrite a file with its first two array axes swapped and the affine columns to match."""
    image = nib.load(path)
    data = np.swapaxes(np.asanyarray(image.dataobj), 0, 1).copy()
    affine = image.affine.copy()
    affine[:, [0, 1]] = affine[:, [1, 0]]
    nib.save(nib.Nifti1Image(data, affine), out)
    return out


def _view(key: str) -> str:
    return key.rsplit("_", 1)[1]


def _planes(path: Path, view: str) -> dict[tuple[int, int], np.ndarray]:
    volume = load_volume(path, view)
    return {
        (z, t): np.array(volume.plane(z, t))
        for z in range(volume.n_slices)
        for t in range(volume.n_frames)
    }


def _theta(center_rc: list[float], shape: tuple[int, int]) -> np.ndarray:
    """Pixel angles (degrees clockwise from the top) about the LV centre, as documented."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return np.mod(np.degrees(np.arctan2(cols - center_rc[1], -(rows - center_rc[0]))), 360.0)


def _in_sectors(theta: np.ndarray, sectors: list[list[float]]) -> np.ndarray:
    inside = np.zeros(theta.shape, dtype=bool)
    for start, end in sectors:
        inside |= np.mod(theta - start, 360.0) < np.mod(end - start, 360.0)
    return inside


@pytest.mark.parametrize(("study_id", "key"), ORIENTATION_SERIES)
def test_flipped_and_unflipped_files_give_identical_planes(phantom, tmp_path, study_id, key):
    drawn = phantom(study_id, key)
    plain = _write(tmp_path / "plain.nii.gz", encode_nifti_gz(drawn, flipped=False))
    flipped = _write(tmp_path / "flipped.nii.gz", encode_nifti_gz(drawn, flipped=True))
    assert nib.load(flipped).get_fdata().tolist() != nib.load(plain).get_fdata().tolist()
    plain_planes, flipped_planes = _planes(plain, _view(key)), _planes(flipped, _view(key))
    assert plain_planes.keys() == flipped_planes.keys()
    for index, pixels in plain_planes.items():
        np.testing.assert_array_equal(flipped_planes[index], pixels, err_msg=str(index))


@pytest.mark.parametrize(("study_id", "key"), ORIENTATION_SERIES)
def test_unflipped_planes_are_the_phantom_array_as_drawn(phantom, tmp_path, study_id, key):
    """A file with a positive diagonal affine is shown as stored (the phantom convention)."""
    drawn = phantom(study_id, key)
    path = _write(tmp_path / "plain.nii.gz", encode_nifti_gz(drawn))
    array = drawn.array.reshape(drawn.array.shape + (1,) * (4 - drawn.array.ndim))
    for (z, t), pixels in _planes(path, _view(key)).items():
        np.testing.assert_array_equal(pixels, array[:, :, z, t])


@pytest.mark.parametrize("flipped", [False, True], ids=["plain", "flipped"])
@pytest.mark.parametrize(("study_id", "key"), ORIENTATION_SERIES)
def test_transposed_in_plane_file_renders_identically(phantom, tmp_path, study_id, key, flipped):
    drawn = phantom(study_id, key)
    source = _write(tmp_path / "source.nii.gz", encode_nifti_gz(drawn, flipped=flipped))
    transposed = _transposed_in_plane(source, tmp_path / "transposed.nii.gz")
    assert (
        load_volume(transposed, _view(key)).orientation.transpose
        != load_volume(source, _view(key)).orientation.transpose
    )
    reference, candidate = _planes(source, _view(key)), _planes(transposed, _view(key))
    assert reference.keys() == candidate.keys()
    for index, pixels in reference.items():
        np.testing.assert_array_equal(candidate[index], pixels, err_msg=str(index))


@pytest.mark.parametrize(
    "ornt",
    [
        [[a0, s0], [a1, s1], [2, 1]]
        for (a0, a1), s0, s1 in itertools.product([(0, 1), (1, 0)], [1, -1], [1, -1])
    ],
    ids=lambda o: f"axes{o[0][0]}{o[1][0]}_signs{o[0][1]:+d}{o[1][1]:+d}",
)
def test_every_in_plane_storage_order_renders_like_the_canonical_one(phantom, tmp_path, ornt):
    """All 8 ways of storing the in-plane axes (swap and/or reverse) display the same image."""
    drawn = phantom("STU-0002", "cine_sax")
    array = drawn.array[:, 5:, :2, :3]  # not square, so a missed transpose cannot pass
    transform = np.array(ornt, dtype=float)
    stored = nib.orientations.apply_orientation(array, transform)
    affine = drawn.affine @ nib.orientations.inv_ornt_aff(transform, array.shape[:3])
    path = tmp_path / "stored.nii.gz"
    nib.save(nib.Nifti1Image(np.ascontiguousarray(stored), affine), path)
    volume = load_volume(path, "sax")
    for z, t in itertools.product(range(2), range(3)):
        np.testing.assert_array_equal(volume.plane(z, t), array[:, :, z, t])


@pytest.mark.parametrize("flipped", [False, True], ids=["plain", "flipped"])
@pytest.mark.parametrize("transposed", [False, True], ids=["stored", "transposed"])
@pytest.mark.parametrize("study_id", LESION_STUDIES)
def test_bright_lge_pixels_lie_in_the_lesion_sectors(
    phantom, tmp_path, study_id, flipped, transposed
):
    """Enhanced pixels of each rendered slice sit in the truth's sectors, and fill each of them."""
    drawn = phantom(study_id, "lge_sax")
    path = _write(tmp_path / "lge.nii.gz", encode_nifti_gz(drawn, flipped=flipped))
    if transposed:
        path = _transposed_in_plane(path, tmp_path / "lge_t.nii.gz")
    volume = load_volume(path, "sax")
    lesions = drawn.truth["lesions"]
    theta = _theta(drawn.truth["myocardium"]["center_rc"], volume.plane(0, 0).shape)
    for z in range(volume.n_slices):
        bright = volume.plane(z, 0) > BRIGHT_LGE
        present = [
            lesion
            for lesion in lesions
            if any(start <= z < stop for start, stop in lesion["z_ranges"])
        ]
        if not present:
            assert not bright.any(), f"enhancement outside every lesion's slices at z={z}"
            continue
        allowed = _in_sectors(theta, [s for lesion in present for s in lesion["sectors_deg"]])
        assert bright.any(), f"no enhancement at z={z}"
        assert not (bright & ~allowed).any(), f"enhancement outside the sectors at z={z}"
        for lesion in present:
            for sector in lesion["sectors_deg"]:
                assert (bright & _in_sectors(theta, [sector])).any(), (z, sector)


def test_lesion_check_would_notice_a_missing_flip(phantom, tmp_path):
    """The stored array of a flipped file puts an inferior lesion outside its sector."""
    drawn = phantom("STU-0002", "lge_sax")
    assert drawn.truth["lesions"][0]["walls"] == ["inferior"]
    path = _write(tmp_path / "lge.nii.gz", encode_nifti_gz(drawn, flipped=True))
    stored = load_volume(path, "sax").data[:, :, 0, 0]
    theta = _theta(drawn.truth["myocardium"]["center_rc"], stored.shape)
    bright = stored > BRIGHT_LGE
    assert bright.any()
    assert (bright & ~_in_sectors(theta, drawn.truth["lesions"][0]["sectors_deg"])).any()


def test_load_volume_gives_4d_arrays_of_the_file_dtype(phantom, tmp_path):
    drawn = phantom("STU-0001", "lge_sax")
    volume = load_volume(_write(tmp_path / "lge.nii.gz", encode_nifti_gz(drawn)), "sax")
    assert volume.data.shape == drawn.array.shape + (1,)
    assert volume.data.dtype == np.uint8
    assert (volume.n_slices, volume.n_frames) == (drawn.array.shape[2], 1)
    long_axis = phantom("STU-0001", "cine_2ch")
    volume = load_volume(_write(tmp_path / "la.nii.gz", encode_nifti_gz(long_axis)), "4ch")
    assert volume.n_slices == 1
    assert volume.n_frames == long_axis.array.shape[3]


def test_load_volume_of_a_2d_image_and_of_a_trailing_singleton_axis(tmp_path):
    plane = np.arange(24, dtype=np.uint8).reshape(4, 6)
    nib.save(nib.Nifti1Image(plane, np.eye(4)), tmp_path / "plane.nii.gz")
    volume = load_volume(tmp_path / "plane.nii.gz", "sax")
    assert volume.data.shape == (4, 6, 1, 1)
    np.testing.assert_array_equal(volume.plane(0, 0), volume.orientation.apply(plane))
    five = np.zeros((4, 4, 2, 3, 1), dtype=np.uint8)
    nib.save(nib.Nifti1Image(five, np.eye(4)), tmp_path / "five.nii")
    assert load_volume(tmp_path / "five.nii", "sax").data.shape == (4, 4, 2, 3)


@pytest.mark.parametrize(
    ("shape", "found"),
    [((5,), "(5,)"), ((4, 4, 2, 3, 2), "(4, 4, 2, 3, 2)")],
    ids=["1d", "5d"],
)
def test_load_volume_rejects_too_few_or_too_many_axes(tmp_path, shape, found):
    nib.save(nib.Nifti1Image(np.zeros(shape, dtype=np.uint8), np.eye(4)), tmp_path / "x.nii.gz")
    with pytest.raises(UnreadableSeriesError) as caught:
        load_volume(tmp_path / "x.nii.gz", "sax")
    assert caught.value.reason == f"expected 2 to 4 axes, found shape {found}"


def test_load_volume_rejects_a_readable_file_that_is_not_nifti(tmp_path):
    nib.save(nib.MGHImage(np.zeros((4, 4, 2), dtype=np.float32), np.eye(4)), tmp_path / "x.mgz")
    with pytest.raises(UnreadableSeriesError, match="not a single-file NIfTI"):
        load_volume(tmp_path / "x.mgz", "sax")


def test_load_volume_of_a_missing_file(tmp_path):
    with pytest.raises(UnreadableSeriesError) as caught:
        load_volume(tmp_path / "absent.nii.gz", "sax")
    assert caught.value.reason == "file not found"
    assert str(caught.value) == "file not found"


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999], ids=["half", "most", "all-but-tail"])
def test_load_volume_of_a_truncated_nii_gz_says_it_is_truncated(phantom, tmp_path, keep):
    content = encode_nifti_gz(phantom("STU-0001", "cine_sax"))
    path = _write(tmp_path / "cut.nii.gz", content[: int(len(content) * keep)])
    with pytest.raises(UnreadableSeriesError) as caught:
        load_volume(path, "sax")
    assert caught.value.reason.startswith("truncated or corrupt data (")
    assert "\n" not in caught.value.reason


def test_load_volume_of_a_truncated_uncompressed_nii_explains_the_shortfall(phantom, tmp_path):
    raw = gzip.decompress(encode_nifti_gz(phantom("STU-0001", "cine_sax")))
    path = _write(tmp_path / "cut.nii", raw[: len(raw) // 2])
    with pytest.raises(UnreadableSeriesError) as caught:
        load_volume(path, "sax")
    assert caught.value.reason.startswith("truncated or corrupt data (")
    assert "Expected" in caught.value.reason


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("noise.nii.gz", bytes(range(256)) * 20, "not a gzip file"),
        ("noise.nii", bytes(range(256)) * 20, "Cannot work out file type"),
        ("empty.nii.gz", b"", "Empty file"),
        ("header_only.nii.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 6, "cannot read the voxels"),
    ],
    ids=["garbage-gz", "garbage-nii", "empty", "bare-gzip-header"],
)
def test_load_volume_of_garbage_bytes_raises_with_a_one_line_reason(
    tmp_path, name, content, expected
):
    path = _write(tmp_path / name, content)
    with pytest.raises(UnreadableSeriesError) as caught:
        load_volume(path, "sax")
    reason = caught.value.reason
    assert expected in reason
    assert "\n" not in reason
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_load_volume_of_a_directory_raises(tmp_path):
    (tmp_path / "folder.nii.gz").mkdir()
    with pytest.raises(UnreadableSeriesError, match="cannot read"):
        load_volume(tmp_path / "folder.nii.gz", "sax")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ([[2, 0, 0], [0, 2, 0]], InPlaneOrientation(True, True, True)),
        ([[-2, 0, 0], [0, 2, 0]], InPlaneOrientation(transpose=True, flip_rows=True)),
        ([[2, 0, 0], [0, -2, 0]], InPlaneOrientation(transpose=True, flip_cols=True)),
        ([[0, 2, 0], [2, 0, 0]], InPlaneOrientation(flip_rows=True, flip_cols=True)),
        ([[0, -2, 0], [2, 0, 0]], InPlaneOrientation(flip_cols=True)),
        ([[0, 2, 0], [-2, 0, 0]], InPlaneOrientation(flip_rows=True)),
    ],
    ids=[
        "ras",
        "x-reversed",
        "y-reversed",
        "swapped",
        "swapped-row-reversed",
        "swapped-col-reversed",
    ],
)
def test_four_chamber_display_of_an_axial_plane_from_the_affine(columns, expected):
    """An axial-like 4-chamber plane shows the patient's left on the right, posterior down."""
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1] = columns
    affine[:3, 2] = [0, 0, 8]
    assert display_orientation(affine, "4ch") == expected


def test_in_plane_orientation_apply_and_describe():
    plane = np.arange(6).reshape(2, 3)
    both = InPlaneOrientation(transpose=True, flip_rows=True, flip_cols=True)
    assert both.apply(plane).tolist() == plane.T[::-1, ::-1].tolist()
    assert InPlaneOrientation(flip_rows=True).apply(plane).tolist() == [[3, 4, 5], [0, 1, 2]]
    assert InPlaneOrientation().apply(plane) is plane
    assert both.describe() == "transpose+flip_rows+flip_cols"
    assert InPlaneOrientation(flip_cols=True).describe() == "flip_cols"
    assert InPlaneOrientation().describe() == "none"


def test_orientation_is_described_for_a_flipped_phantom(phantom, tmp_path):
    drawn = phantom("STU-0001", "cine_sax")
    plain = _write(tmp_path / "a.nii.gz", encode_nifti_gz(drawn))
    flipped = _write(tmp_path / "b.nii.gz", encode_nifti_gz(drawn, flipped=True))
    plain_orientation = load_volume(plain, "sax").orientation
    flipped_orientation = load_volume(flipped, "sax").orientation
    # a file stored with its x axis reversed needs the opposite flip of that axis
    assert plain_orientation.transpose == flipped_orientation.transpose
    flips = (
        ("flip_cols", "flip_rows") if plain_orientation.transpose else ("flip_rows", "flip_cols")
    )
    assert getattr(plain_orientation, flips[0]) != getattr(flipped_orientation, flips[0])
    assert getattr(plain_orientation, flips[1]) == getattr(flipped_orientation, flips[1])
