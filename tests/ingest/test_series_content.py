"""What a file's voxels say: the strided sample of the integrity pass, and label maps refused by it."""

from __future__ import annotations

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.ingest import nifti
from qaforge.ingest.nifti import digest_and_verify, read_nifti_header, sample_stride
from qaforge.ingest.series import LABEL_MAP_MAX_VALUES, scan_series_file
from qaforge.ingest.series_mapping import SeriesMapping, load_series_mapping

STUDY = "STU-0001"
RAS = np.diag([1.5, 1.5, 8.0, 1.0])


@pytest.fixture(scope="module")
def mapping() -> SeriesMapping:
    return load_series_mapping(None)


def save(path: Path, data: np.ndarray, header: nib.Nifti1Header | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(data, RAS, header=header)
    image.set_data_dtype(data.dtype)
    nib.save(image, path)
    return path


def scan(path: Path, root: Path, mapping: SeriesMapping) -> ScannedSeries | QuarantineEntry:
    return scan_series_file(path, root=root, mapping=mapping, known_study_ids={STUDY})


def stored_values(path: Path) -> np.ndarray:
    """Every stored voxel value in file order (NIfTI is Fortran order), read by nibabel."""
    return np.asarray(nib.load(path).dataobj.get_unscaled()).ravel(order="F")


def labels(shape: tuple[int, ...], values: list[float], dtype: str, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.array(values), size=shape).astype(dtype)


def image(shape: tuple[int, ...], dtype: str = "int16", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4000, size=shape).astype(dtype)


# --- the sample ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.nii", "a.nii.gz"])
@pytest.mark.parametrize("dtype", ["uint8", "int16", ">i2", "float32", "float64"])
def test_sample_is_every_stride_th_stored_voxel_across_tiny_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, dtype: str
) -> None:
    # 7-byte reads and 5-byte inflate outputs cut voxels of every size across
    # pieces; a limit of 500 voxels makes the stride larger than 1.
    data = np.random.default_rng(3).normal(500, 200, size=(20, 18, 3, 4)).astype(dtype)
    header = nib.Nifti1Header().as_byteswapped(">") if dtype.startswith(">") else None
    path = save(tmp_path / name, data, header)
    monkeypatch.setattr(nifti, "CHUNK_BYTES", 7)
    monkeypatch.setattr(nifti, "INFLATE_LIMIT", 5)
    monkeypatch.setattr(nifti, "VOXEL_SAMPLE_SIZE", 500)
    header_read = read_nifti_header(path)

    sample = digest_and_verify(path, header_read).voxels

    stride = sample_stride(data.size, 20 * 18, 500)
    expected = stored_values(path)[::stride]
    assert stride > 1 and header_read.voxel_dtype == np.dtype(dtype)
    assert sample is not None
    assert sample.size == expected.size
    assert sample.distinct == np.unique(expected).size
    assert (sample.low, sample.high) == (float(expected.min()), float(expected.max()))
    assert sample.integral == bool((expected == np.floor(expected)).all())


def test_small_files_are_sampled_whole(tmp_path: Path) -> None:
    path = save(tmp_path / "a.nii.gz", image((8, 8, 2, 2)))

    sample = digest_and_verify(path, read_nifti_header(path)).voxels

    assert sample is not None and sample.size == 8 * 8 * 2 * 2


@pytest.mark.parametrize(
    ("n_voxels", "plane"),
    [
        (256 * 256 * 16 * 16, 256 * 256),
        (64 * 64 * 8 * 16, 64 * 64),
        (210 * 208 * 12 * 50, 210 * 208),
    ],
)
def test_stride_keeps_the_limit_and_shares_no_factor_with_a_slice(
    n_voxels: int, plane: int
) -> None:
    stride = sample_stride(n_voxels, plane)

    assert math.ceil(n_voxels / stride) <= nifti.VOXEL_SAMPLE_SIZE
    assert math.gcd(stride, plane) == 1


def test_stride_does_not_sample_one_empty_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mapping: SeriesMapping
) -> None:
    # 64 x 64 x 4 x 4 voxels kept to 1024 would be a stride of 64, the row
    # length: every sample would fall on column 0, which is empty here.
    data = image((64, 64, 4, 4), "uint8")
    data[0] = 0
    path = save(tmp_path / STUDY / "cine_sax.nii.gz", data)
    monkeypatch.setattr(nifti, "VOXEL_SAMPLE_SIZE", 1024)

    result = scan(path, tmp_path, mapping)

    assert isinstance(result, ScannedSeries), result


def test_voxels_that_are_not_plain_numbers_are_not_sampled(tmp_path: Path) -> None:
    path = save(tmp_path / "c.nii", (np.ones((4, 4, 2)) * (1 + 2j)).astype(np.complex64))

    assert digest_and_verify(path, read_nifti_header(path)).voxels is None


# --- label maps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "sa_cine.nii.gz",
            labels((32, 32, 4, 3), [0, 1, 2, 3], "int16"),
            "label map: integer voxels with 4 distinct values (0\u20133); not an image series",
        ),
        (
            "sa_cine.nii.gz",
            labels((32, 32, 4), [0, 1, 2, 3], "float64"),
            "label map: integer voxels with 4 distinct values (0\u20133); not an image series",
        ),
        (
            "LA_4CH_CINE.nii",
            labels((32, 32, 1, 5), [0, 200, 500, 600, 1220, 2221], "float32"),
            "label map: integer voxels with 6 distinct values (0\u20132221)",
        ),
        (
            "lge_sax.nii.gz",
            labels((32, 32, 4), list(range(LABEL_MAP_MAX_VALUES)), "uint8"),
            f"label map: integer voxels with {LABEL_MAP_MAX_VALUES} distinct values",
        ),
        ("t2_sax.nii.gz", np.zeros((32, 32, 4), np.uint8), "blank: every sampled voxel is 0"),
    ],
)
def test_label_maps_are_refused_whatever_their_name(
    tmp_path: Path, mapping: SeriesMapping, name: str, data: np.ndarray, words: str
) -> None:
    path = save(tmp_path / STUDY / name, data)

    entry = scan(path, tmp_path, mapping)

    assert isinstance(entry, QuarantineEntry), entry
    assert words in entry.reason
    assert entry.location == f"{STUDY}/{name}"


def test_label_map_stored_big_endian_is_refused_with_its_values(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    header = nib.Nifti1Header().as_byteswapped(">")
    path = save(tmp_path / STUDY / "sa_cine.nii", labels((16, 16, 3), [0, 1, 2], ">i2"), header)

    entry = scan(path, tmp_path, mapping)

    assert isinstance(entry, QuarantineEntry)
    assert "3 distinct values (0\u20132)" in entry.reason


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (image((32, 32, 4, 3)), "many integer values"),
        (image((32, 32, 4), "float64"), "many integral float values"),
        (
            labels((32, 32, 4), list(range(LABEL_MAP_MAX_VALUES + 1)), "uint8"),
            "one value more than a label map has",
        ),
        (labels((32, 32, 4), [0.5, 1.5, 2.5], "float32"), "few values, but not whole numbers"),
    ],
)
def test_images_are_not_label_maps(
    tmp_path: Path, mapping: SeriesMapping, data: np.ndarray, why: str
) -> None:
    path = save(tmp_path / STUDY / "sa_cine.nii.gz", data)

    assert isinstance(scan(path, tmp_path, mapping), ScannedSeries), why


def test_scaling_does_not_hide_a_label_map(tmp_path: Path, mapping: SeriesMapping) -> None:
    # scl_slope 0.5 makes the values 0, 0.5, 1, 1.5 once scaled; stored, they are 0..3.
    data = labels((16, 16, 3), [0, 1, 2, 3], "int16")
    path = tmp_path / STUDY / "sa_cine.nii.gz"
    path.parent.mkdir()
    scaled = nib.Nifti1Image(data, RAS)
    scaled.header.set_slope_inter(0.5, 0)
    nib.save(scaled, path)

    entry = scan(path, tmp_path, mapping)

    assert isinstance(entry, QuarantineEntry) and "4 distinct values" in entry.reason
