"""The image stage on real de-identified scans (../shared/realdata, read in place, never copied).

Truth comes from the folder's truth.json and its segmentations: ED within 1
frame and ES within 2 frames (or inside the given ES range); the display
convention checked on the segmentations and on the world directions; all 8
in-plane storage orders of a series render alike; slice order per stack; at
K = 4 every short-axis pick shows LV.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from qaforge.images.display import APEX_TO_BASE, displayed_directions
from qaforge.images.heart import cardiac_phases
from qaforge.images.protocols import SeriesFacts, select_slices
from qaforge.images.series_facts import SeriesToAnalyse, analyse_stack, stacks_to_analyse
from qaforge.images.volume import load_volume

CINES = [
    "ukbb-demo-1/la_2ch.nii.gz",
    "ukbb-demo-1/la_4ch.nii.gz",
    "mnms2-001/001_LA_CINE.nii.gz",
    "cinemyops-1002/Case1002_cine.nii.gz",
]
# short-axis stacks as analysed (an ED file with its ES file, or a cine), their
# segmentation, its LV cavity and RV labels, and the frame the segmentation is of
STACKS = {
    "ukbb": (
        ["ukbb-demo-1/sa_ED.nii.gz", "ukbb-demo-1/sa_ES.nii.gz"],
        "ukbb-demo-1/seg_sa_ED.nii.gz",
        1,
        3,
    ),
    "mnms2": (
        ["mnms2-001/001_SA_ED.nii.gz", "mnms2-001/001_SA_ES.nii.gz"],
        "mnms2-001/001_SA_ED_gt.nii.gz",
        1,
        3,
    ),
    "cinemyops": (
        ["cinemyops-1002/Case1002_cine.nii.gz"],
        "cinemyops-1002/Case1002_label.nii.gz",
        2,
        3,
    ),
}
HEADER_FLIPPED = {"mnms2"}  # truth.json: its affine looks LPS written as RAS


def _to_analyse(realdata: Path, relative: str, truth: dict) -> SeriesToAnalyse:
    image = nib.load(realdata / relative)
    phase = truth[relative].get("phase")
    return SeriesToAnalyse(
        series_id=relative,
        study_id=relative.split("/")[0],
        sequence="cine",
        view=truth[relative]["view"],
        path=str(realdata / relative),
        sha256="-",
        phase=phase,
        shape=tuple(image.shape),
        affine=tuple(tuple(float(v) for v in row) for row in image.affine),
    )


def _facts(realdata: Path, truth: dict, files: list[str]):
    [stack] = stacks_to_analyse([_to_analyse(realdata, f, truth) for f in files])
    facts, problems = analyse_stack(stack)
    assert not problems
    return {item.series_id: item for item in facts}


def _cyclic_distance(a: int, b: int, frames: int) -> int:
    return min((a - b) % frames, (b - a) % frames)


@pytest.mark.parametrize("relative", CINES)
def test_cardiac_phases_of_every_real_cine_match_the_truth(realdata, realdata_truth, relative):
    truth = realdata_truth[relative]
    facts = _facts(realdata, realdata_truth, [relative])[relative]
    frames = nib.load(realdata / relative).shape[3]
    assert facts.ed_frame == truth["ed"] or abs(facts.ed_frame - truth["ed"]) <= 1
    if "es_range" in truth:
        low, high = truth["es_range"]
        assert low <= facts.es_frame <= high
    else:
        assert abs(facts.es_frame - truth["es"]) <= 2
    assert _cyclic_distance(facts.ed_frame, facts.es_frame, frames) >= frames // 5


def test_a_two_phase_stack_stored_es_first_is_not_swapped(realdata):
    """sa_ES then sa_ED as frames 0 and 1: ED is frame 1, ES frame 0."""
    ed = load_volume(realdata / "ukbb-demo-1/sa_ED.nii.gz", "sax")
    es = load_volume(realdata / "ukbb-demo-1/sa_ES.nii.gz", "sax")
    stack = np.concatenate([es.data, ed.data], axis=3)
    phases = cardiac_phases(stack, pixel_mm=float(np.linalg.norm(ed.affine[:3, 0])), view="sax")
    assert (phases.ed_frame, phases.es_frame) == (1, 0)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_slice_order_and_lv_extent_of_every_real_stack(realdata, realdata_truth, name):
    files, _, _, _ = STACKS[name]
    facts = _facts(realdata, realdata_truth, files)[files[0]]
    assert facts.slice_order == realdata_truth[files[0]]["slice_order"]
    assert facts.slice_order_method == "images"
    if name in HEADER_FLIPPED:
        assert any("header says apex_first" in note for note in facts.notes)
    first, last = facts.lv_slices
    truth_lv = realdata_truth[files[0]].get("lv_slices_at_ed")
    if truth_lv:
        assert abs(first - truth_lv[0]) <= 1 and abs(last - truth_lv[1]) <= 1


@pytest.mark.parametrize("name", sorted(STACKS))
@pytest.mark.parametrize("budget", [4, 3, 6])
def test_every_short_axis_pick_shows_lv(realdata, realdata_truth, name, budget):
    files, segmentation, lv_label, _ = STACKS[name]
    facts = _facts(realdata, realdata_truth, files)[files[0]]
    image = nib.load(realdata / files[0])
    frames = image.shape[3] if image.ndim == 4 else 1
    pick_facts = SeriesFacts(
        files[0],
        "cine",
        "sax",
        image.shape[2],
        frames,
        ed_frame=facts.ed_frame or 0,
        es_frame=facts.es_frame if facts.es_frame is not None else 0,
        slice_order=facts.slice_order,
        lv_slices=facts.lv_slices,
    )
    labels = np.asanyarray(nib.load(realdata / segmentation).dataobj)
    picks = select_slices("clinical", [pick_facts], budget)
    assert len(picks) == budget
    for pick in picks:
        assert (labels[:, :, pick.z] == lv_label).any(), f"slice {pick.z} shows no LV"


def _centroid(mask: np.ndarray) -> np.ndarray:
    return np.argwhere(mask).mean(axis=0)


@pytest.mark.parametrize("name", sorted(set(STACKS) - HEADER_FLIPPED))
def test_short_axis_is_seen_from_the_apex_with_the_rv_on_the_left(realdata, name):
    files, segmentation, lv_label, rv_label = STACKS[name]
    volume = load_volume(realdata / segmentation, "sax")
    image = load_volume(realdata / files[0], "sax")
    assert volume.orientation == image.orientation  # same affine, same display
    angles = []
    for z in range(volume.n_slices):
        plane = np.asarray(volume.plane(z, 0))
        lv, rv = plane == lv_label, plane == rv_label
        if lv.sum() < 50 or rv.sum() < 50:
            continue
        row, col = _centroid(rv) - _centroid(lv)
        angle = np.degrees(np.arctan2(-row, col)) % 360  # 180 = straight left
        assert col < 0, f"slice {z}: RV centroid not left of the LV centroid"
        angles.append(angle)
    assert len(angles) >= 3
    # only the 8 in-plane reorderings are used (no resampling): within about 45 degrees
    assert abs(float(np.median(angles)) - 180.0) <= 45.0, angles
    # seen from the apex: the viewing direction (right x down) points from apex to base
    right, down = displayed_directions(image.affine, image.orientation)
    labels = np.asanyarray(nib.load(realdata / segmentation).dataobj)
    areas = [(labels[:, :, z] == lv_label).sum() for z in range(labels.shape[2])]
    slice_axis = image.affine[:3, 2]
    towards_base = -slice_axis if int(np.argmax(areas)) < len(areas) / 2 else slice_axis
    assert float(np.cross(right, down) @ towards_base) > 0
    assert float(towards_base @ APEX_TO_BASE) > 0


@pytest.mark.parametrize("relative", ["ukbb-demo-1/la_4ch.nii.gz"])
def test_four_chamber_shows_the_patients_right_on_the_left_and_anterior_up(realdata, relative):
    volume = load_volume(realdata / relative, "4ch")
    right, down = displayed_directions(volume.affine, volume.orientation)
    assert right[0] < 0 and abs(right[0]) > 0.7  # image right = patient's left (-x)
    assert down[1] < 0  # image down = posterior
    segmentation = load_volume(realdata / "ukbb-demo-1/seg_la_4ch.nii.gz", "4ch")
    plane = np.asarray(segmentation.plane(0, 0))
    left_atrium, right_atrium = _centroid(plane == 1), _centroid(plane == 2)
    assert right_atrium[1] < left_atrium[1]  # RA on the image's left of the LA


def test_two_chamber_shows_superior_up_and_anterior_right(realdata):
    volume = load_volume(realdata / "ukbb-demo-1/la_2ch.nii.gz", "2ch")
    right, down = displayed_directions(volume.affine, volume.orientation)
    assert down[2] < 0 and abs(down[2]) > 0.7  # image down = inferior
    assert right[1] > 0  # image right = anterior


def _dihedral_copies(data: np.ndarray, affine: np.ndarray):
    """The 8 in-plane storage orders of a series, each with the affine that keeps the world."""
    for (a0, a1), s0, s1 in itertools.product([(0, 1), (1, 0)], [1, -1], [1, -1]):
        ornt = np.array([[a0, s0], [a1, s1], [2, 1]] + ([[3, 1]] if data.ndim == 4 else []))
        stored = nib.orientations.apply_orientation(data, ornt)
        moved = affine @ nib.orientations.inv_ornt_aff(ornt[:3], data.shape[:3])
        yield f"axes{a0}{a1}{s0:+d}{s1:+d}", np.ascontiguousarray(stored), moved


@pytest.mark.parametrize(
    ("relative", "view"),
    [
        ("ukbb-demo-1/sa_ED.nii.gz", "sax"),
        ("mnms2-001/001_SA_ED.nii.gz", "sax"),
        ("ukbb-demo-1/la_4ch_ED.nii.gz", "4ch"),
        ("ukbb-demo-1/la_2ch_ED.nii.gz", "2ch"),
        ("mnms2-001/001_LA_ED.nii.gz", "4ch"),
    ],
)
def test_all_eight_storage_orders_of_a_real_series_render_alike(realdata, tmp_path, relative, view):
    image = nib.load(realdata / relative)
    data = np.asanyarray(image.dataobj)
    reference = load_volume(realdata / relative, view)
    seen = set()
    for name, stored, affine in _dihedral_copies(data, image.affine):
        path = tmp_path / f"{name}.nii.gz"
        nib.save(nib.Nifti1Image(stored, affine), path)
        volume = load_volume(path, view)
        seen.add(volume.orientation)
        for z in range(volume.n_slices):
            np.testing.assert_array_equal(volume.plane(z, 0), reference.plane(z, 0), err_msg=name)
    assert len(seen) == 8  # every storage order needed its own transform
