"""Fuzz: `select` on random voxel types, shapes and values never raises and accounts for every item."""

from __future__ import annotations

import itertools

import nibabel as nib
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qaforge.pipeline.ingest import ingest_series
from qaforge.pipeline.select import select_images
from tests.pipeline import test_select
from tests.pipeline.test_select import prepared

sample_subset = test_select.sample_subset  # the same session fixture
RGB24 = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
DTYPES = ["uint8", "int16", "uint16", "float32", "float64", "complex64", "rgb24"]
_RUN = itertools.count()
_PREPARED: dict[int, object] = {}  # one prepared database per test run (per engine)


@st.composite
def odd_series(draw) -> np.ndarray:
    """Voxels of a random type and shape (size-1 axes included), NaN, inf and extremes allowed."""
    kind = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(1, 9), min_size=3, max_size=4)))
    if kind == "rgb24":
        channels = draw(hnp.arrays(np.uint8, shape + (3,)))
        data = np.zeros(shape, dtype=RGB24)
        data["R"], data["G"], data["B"] = channels[..., 0], channels[..., 1], channels[..., 2]
        return data
    if kind == "complex64":
        real = draw(hnp.arrays(np.float32, shape))
        with np.errstate(all="ignore"):  # inf * 1j: building the input, not under test
            return (real + 1j * real[::-1]).astype(np.complex64)
    return draw(hnp.arrays(np.dtype(kind), shape))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(voxels=odd_series())
def test_select_accounts_for_every_item_whatever_the_voxels(
    engine, sample_subset, tmp_path_factory, voxels
):
    if id(engine) not in _PREPARED:
        tmp = tmp_path_factory.mktemp("fuzz")
        _PREPARED.clear()
        _PREPARED[id(engine)] = (tmp, prepared(engine, sample_subset, tmp))
    tmp_path, data = _PREPARED[id(engine)]
    victim = data / "series" / "STU-0001" / "cine_sax.nii.gz"
    affine = nib.load(victim).affine
    with np.errstate(all="ignore"):  # writing odd values is not what is under test
        nib.save(nib.Nifti1Image(voxels, affine), victim)
    ingest_series(engine, data / "series")
    summary = select_images(
        engine,
        protocols=["clinical"],
        budgets=[4],
        images_dir=tmp_path / f"img{next(_RUN)}",
        workers=1,
    )
    assert summary.selected + summary.unreadable + summary.no_series == summary.items > 0
    assert summary.unchanged == 0
