"""Phantoms behave like scans: oblique affines, any storage order, shown by the convention.

The drawing of a phantom is what the display convention shows
(:mod:`qaforge.images.display`); whatever order a file stores it in, loading
it gives the drawing back, and the world directions of the written affines
are those of real planning geometry (the README of ``../shared/realdata``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qaforge.images.display import (
    APEX_TO_BASE,
    InPlaneOrientation,
    display_orientation,
    displayed_directions,
    plane_axes,
)
from qaforge.images.volume import load_volume
from qaforge.sample.cases import SAMPLE_CASES, series_kind
from qaforge.sample.phantoms import (
    IN_PLANE_ORDERS,
    LONG_AXIS_RAS,
    Phantom,
    StorageOrder,
    encode_nifti_gz,
    store,
)

# one phantom per view; STU-0010 has an apical thrombus, STU-0002 an inferior scar
PER_VIEW = [
    ("STU-0010", "cine_sax"),
    ("STU-0002", "lge_sax"),
    ("STU-0002", "perfusion_sax"),
    ("STU-0001", "cine_4ch"),
    ("STU-0003", "cine_3ch"),
    ("STU-0001", "cine_2ch"),
]
STORAGES = [
    pytest.param(
        StorageOrder(o.transpose, o.flip_rows, o.flip_cols, apex_first=apex_first),
        id=f"{o.transpose:d}{o.flip_rows:d}{o.flip_cols:d}{'-apex' if apex_first else ''}",
    )
    for o in IN_PLANE_ORDERS
    for apex_first in (False, True)
]
ALL_SERIES = [(case.study_id, key) for case in SAMPLE_CASES for key in case.truth.series]
PATIENT_RIGHT = np.array([1.0, 0.0, 0.0])


def _as_4d(array: np.ndarray) -> np.ndarray:
    return array.reshape(array.shape + (1,) * (4 - array.ndim))


def _cos_deg(degrees: float) -> float:
    return float(np.cos(np.radians(degrees)))


def _projected(vector: np.ndarray, normal: np.ndarray) -> np.ndarray:
    flat = vector - float(vector @ normal) * normal
    return flat / np.linalg.norm(flat)


def test_there_are_eight_in_plane_orders_and_as_drawn_is_first():
    assert len(set(IN_PLANE_ORDERS)) == 8
    assert IN_PLANE_ORDERS[0] == StorageOrder()


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize(("study_id", "key"), PER_VIEW, ids=lambda v: str(v))
def test_every_storage_order_loads_as_the_drawing(phantom, tmp_path, study_id, key, storage):
    drawn: Phantom = phantom(study_id, key)
    _, view = series_kind(key)
    path = tmp_path / "stored.nii.gz"
    path.write_bytes(encode_nifti_gz(drawn, storage=storage))
    volume = load_volume(path, view)
    expected = _as_4d(drawn.array)
    n_slices = expected.shape[2]
    assert (volume.n_slices, volume.n_frames) == expected.shape[2:]
    if storage != StorageOrder() and n_slices > 1 or any(storage.in_plane().values()):
        assert not np.array_equal(volume.data, expected)  # it really is stored differently
    for z, t in itertools.product(range(n_slices), range(volume.n_frames)):
        np.testing.assert_array_equal(
            volume.plane(storage.file_slice(z, n_slices), t),
            expected[:, :, z, t],
            err_msg=f"drawn slice {z}, frame {t}",
        )


@pytest.mark.parametrize(("study_id", "key"), PER_VIEW, ids=lambda v: str(v))
def test_the_stored_truth_follows_the_slices(phantom, study_id, key):
    drawn: Phantom = phantom(study_id, key)
    flipped = store(drawn, StorageOrder(transpose=True, apex_first=True))
    n_slices = drawn.array.shape[2]
    if drawn.truth["view"] != "sax":
        assert flipped.truth["slice_order"] is None and flipped.truth["lv_slices"] is None
        return
    assert flipped.truth["slice_order"] == "apex_first"
    first, last = drawn.truth["lv_slices"]
    assert flipped.truth["lv_slices"] == [n_slices - 1 - last, n_slices - 1 - first]
    assert flipped.truth["myocardium"]["r_endo_px"] == drawn.truth["myocardium"]["r_endo_px"][::-1]
    for before, after in zip(drawn.truth["lesions"], flipped.truth["lesions"], strict=True):
        kept = {z for start, stop in before["z_ranges"] for z in range(start, stop)}
        moved = {z for start, stop in after["z_ranges"] for z in range(start, stop)}
        assert moved == {n_slices - 1 - z for z in kept}
    assert flipped.truth["storage"] == {"transpose": True, "flip_rows": False, "flip_cols": False}
    assert drawn.truth["slice_order"] == "base_first"  # the drawing itself is not touched


def test_flipped_is_the_row_reversing_storage_order(phantom):
    drawn = phantom("STU-0002", "lge_sax")
    assert encode_nifti_gz(drawn, flipped=True) == encode_nifti_gz(
        drawn, storage=StorageOrder(flip_rows=True)
    )
    assert encode_nifti_gz(drawn) == encode_nifti_gz(drawn, storage=StorageOrder())
    with pytest.raises(ValueError, match="either storage or flipped"):
        encode_nifti_gz(drawn, storage=StorageOrder(), flipped=True)


@pytest.mark.parametrize(("study_id", "key"), ALL_SERIES, ids=lambda v: str(v))
def test_the_convention_shows_every_drawing_as_drawn(phantom, study_id, key):
    """The drawn axes lie within 45 degrees of the convention's: no reordering is needed."""
    drawn: Phantom = phantom(study_id, key)
    _, view = series_kind(key)
    assert display_orientation(drawn.affine, view) == InPlaneOrientation()
    stored = store(drawn, drawn.storage)
    orientation = display_orientation(stored.affine, view)
    shown = orientation.apply(_as_4d(stored.array))
    for z in range(drawn.array.shape[2]):
        np.testing.assert_array_equal(
            shown[:, :, drawn.file_slice(z)], _as_4d(drawn.array)[:, :, z]
        )


def _displayed(drawn: Phantom, view: str) -> tuple[np.ndarray, np.ndarray]:
    return displayed_directions(drawn.affine, display_orientation(drawn.affine, view))


@pytest.mark.parametrize("study_id", [case.study_id for case in SAMPLE_CASES])
def test_short_axis_is_seen_from_the_apex_with_the_patients_right_on_the_left(phantom, study_id):
    drawn: Phantom = phantom(study_id, "cine_sax")
    right, down = _displayed(drawn, "sax")
    _, _, normal = plane_axes(drawn.affine)
    towards_apex = drawn.affine[:3, 2] / np.linalg.norm(drawn.affine[:3, 2])
    reference = np.array(LONG_AXIS_RAS) / np.linalg.norm(LONG_AXIS_RAS)
    assert towards_apex @ reference > _cos_deg(10.0)  # left, anterior, inferior
    assert towards_apex @ APEX_TO_BASE < -0.8
    viewing = np.cross(right, down)  # into the screen
    assert viewing @ -towards_apex > 0.99  # from the apex towards the base
    assert right @ _projected(-PATIENT_RIGHT, normal) > _cos_deg(10.0)
    # the drawn RV lies on the patient's right of the LV, in the image and in the world
    z = drawn.truth["lv_slices"][0] + 2
    plane = drawn.array[:, :, z, drawn.truth["ed_frame"]].astype(float)
    rows, cols = np.mgrid[0 : plane.shape[0], 0 : plane.shape[1]]
    row_c, col_c = drawn.truth["myocardium"]["center_rc"]
    rho = np.hypot(rows - row_c, cols - col_c)
    epi = max(drawn.truth["myocardium"]["r_epi_px"][z - drawn.truth["lv_slices"][0]])
    inside_fat = np.hypot(rows - 31.5, cols - 31.5) < 25.0  # not the subcutaneous fat ring
    rv = (plane > 160) & (rho > epi + 1.0) & (rho < epi + 10.0) & inside_fat
    assert rv.sum() >= 20
    rv_rc = np.array([rows[rv].mean(), cols[rv].mean()])
    assert rv_rc[1] < col_c - 5.0  # image left
    world = drawn.affine[:3, :2] @ (rv_rc - np.array([row_c, col_c]))
    assert world @ PATIENT_RIGHT > 0.5 * np.linalg.norm(world)


@pytest.mark.parametrize(
    "study_id", [c.study_id for c in SAMPLE_CASES if "cine_4ch" in c.truth.series]
)
def test_four_chamber_is_nearly_axial_with_the_patients_right_on_the_left(phantom, study_id):
    drawn: Phantom = phantom(study_id, "cine_4ch")
    right, down = _displayed(drawn, "4ch")
    assert right[0] < -0.9  # displayed right: the patient's left
    assert down[1] < -0.9  # displayed down: posterior
    _, _, normal = plane_axes(drawn.affine)
    tilt = np.degrees(np.arccos(abs(normal[2])))
    assert 8.0 <= tilt <= 25.0


@pytest.mark.parametrize(
    "study_id", [c.study_id for c in SAMPLE_CASES if "cine_2ch" in c.truth.series]
)
def test_two_chamber_is_sagittal_oblique_with_superior_up_and_anterior_right(phantom, study_id):
    drawn: Phantom = phantom(study_id, "cine_2ch")
    right, down = _displayed(drawn, "2ch")
    assert down[2] < -0.9  # displayed down: inferior
    assert right[1] > 0.6  # displayed right: anterior (and to the patient's left)
    _, _, normal = plane_axes(drawn.affine)
    assert abs(normal[2]) < 0.35


LONG_AXES = [
    (case.study_id, key)
    for case in SAMPLE_CASES
    for key in ("cine_2ch", "cine_3ch", "cine_4ch")
    if key in case.truth.series
]


@pytest.mark.parametrize(("study_id", "key"), LONG_AXES, ids=lambda v: str(v))
def test_the_apex_is_where_a_scan_has_it_on_screen_and_in_the_world(phantom, study_id, key):
    """4CH/3CH: apex to the upper right; 2CH: to the lower right; in the world the apex lies
    left, anterior and inferior of the base. The drawn cavity agrees with its record."""
    drawn: Phantom = phantom(study_id, key)
    axis = drawn.truth["lv_axis_rc"]
    base, apex = np.array(axis["base"]), np.array(axis["apex"])
    d_row, d_col = apex - base
    assert d_col > 0
    assert (d_row > 0) if key == "cine_2ch" else (d_row < 0)
    world = drawn.affine[:3, :2] @ (apex - base)
    assert world[0] < 0 and world[1] > 0 and world[2] < 0
    reference = np.array(LONG_AXIS_RAS) / np.linalg.norm(LONG_AXIS_RAS)
    assert world @ reference > _cos_deg(15.0) * np.linalg.norm(world)
    # the cavity is bright along the axis at ED and ends near the recorded apex
    ed = _as_4d(drawn.array)[:, :, 0, drawn.truth["ed_frame"]]
    unit = (apex - base) / np.linalg.norm(apex - base)
    inside = [ed[tuple(np.round(base + f * (apex - base)).astype(int))] for f in (0.3, 0.5, 0.7)]
    assert min(inside) > 200
    beyond = np.round(apex + 3.0 * unit).astype(int)
    assert ed[tuple(beyond)] < 160  # myocardium past the apex
