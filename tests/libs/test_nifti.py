"""The one nibabel module: encode, then read back lazily or whole; nibabel's errors mapped."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from qaforge.libs.nifti import (
    NiftiReadError,
    NotSingleFileNifti,
    axis_codes,
    encode_nifti1,
    read_header,
    read_voxels,
)


def write(path: Path, array: np.ndarray, affine: np.ndarray) -> Path:
    content = encode_nifti1(
        array, affine, zooms=(2.0, 2.0, 8.0, 40.0), time_unit="msec", description=b"phantom"
    )
    path.write_bytes(gzip.compress(content, mtime=0) if path.name.endswith(".gz") else content)
    return path


@pytest.mark.parametrize("name", ["a.nii", "a.nii.gz"])
def test_encoded_image_reads_back(tmp_path: Path, name: str) -> None:
    array = np.arange(4 * 3 * 2 * 5, dtype=np.uint8).reshape(4, 3, 2, 5)
    affine = np.diag([-2.0, 2.0, 8.0, 1.0])
    path = write(tmp_path / name, array, affine)

    header = read_header(path)
    voxels = read_voxels(path)

    assert header.shape == (4, 3, 2, 5) and header.zooms == (2.0, 2.0, 8.0, 40.0)
    assert header.dtype == np.uint8 and header.data_offset >= 348
    assert header.description.rstrip(b"\0") == b"phantom"
    assert np.array_equal(header.affine, affine)
    assert np.array_equal(voxels.data, array) and voxels.time_unit == "msec"
    assert axis_codes(affine) == ("L", "A", "S")


def test_encoding_is_deterministic() -> None:
    array = np.zeros((2, 2, 2), dtype=np.uint8)
    args = {"zooms": (1.0, 1.0, 1.0), "time_unit": "unknown", "description": b"x"}
    assert encode_nifti1(array, np.eye(4), **args) == encode_nifti1(array, np.eye(4), **args)


def test_read_errors_keep_the_facts_of_the_cause(tmp_path: Path) -> None:
    with pytest.raises(NiftiReadError) as missing:
        read_header(tmp_path / "none.nii")
    assert missing.value.missing and "none.nii" in missing.value.reason

    cut = tmp_path / "cut.nii.gz"
    cut.write_bytes(gzip.compress(b"\0" * 4000)[:40])
    with pytest.raises(NiftiReadError) as broken:
        read_voxels(cut)
    assert not broken.value.missing and broken.value.reason


def test_other_formats_are_not_single_file_nifti(tmp_path: Path) -> None:
    import nibabel as nib

    path = tmp_path / "x.mgz"
    nib.save(nib.MGHImage(np.zeros((4, 4, 2), dtype=np.float32), np.eye(4)), path)
    with pytest.raises(NotSingleFileNifti) as caught:
        read_header(path)
    assert caught.value.image_class == "MGHImage"


def test_gzipped_voxels_equal_what_nibabel_reads_itself(tmp_path: Path) -> None:
    """ISA-L inflates; nibabel still scales: a scaled float image reads as nibabel reads it."""
    import nibabel as nib

    rng = np.random.default_rng(3)
    image = nib.Nifti1Image(rng.integers(0, 4000, (9, 7, 3, 4)).astype(np.int16), np.eye(4))
    image.header.set_slope_inter(0.25, -10.0)
    path = tmp_path / "scaled.nii.gz"
    nib.save(image, path)

    voxels = read_voxels(path)

    expected = np.asanyarray(nib.load(path).dataobj)
    assert voxels.data.dtype == expected.dtype == np.float64
    assert np.array_equal(voxels.data, expected)
    assert voxels.data.min() < 0  # the intercept was applied


def test_every_real_series_reads_as_nibabel_reads_it(realdata: Path) -> None:
    import nibabel as nib

    files = sorted(realdata.rglob("*.nii.gz"))
    assert len(files) >= 20
    for path in files:
        expected = np.asanyarray(nib.load(path).dataobj)
        data = read_voxels(path).data
        assert data.dtype == expected.dtype and np.array_equal(data, expected), path.name


def test_a_corrupt_deflate_block_is_a_broken_stream(tmp_path: Path) -> None:
    content = encode_nifti1(
        np.arange(40_000, dtype=np.uint16).reshape(100, 100, 4, 1) % 977,
        np.eye(4),
        zooms=(1.0, 1.0, 1.0, 1.0),
        time_unit="unknown",
        description=b"",
    )
    packed = bytearray(gzip.compress(content, mtime=0))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = bytes(range(64))
    path = tmp_path / "corrupt.nii.gz"
    path.write_bytes(bytes(packed))

    with pytest.raises(NiftiReadError) as broken:
        read_voxels(path)

    assert broken.value.stream_broken and not broken.value.missing
