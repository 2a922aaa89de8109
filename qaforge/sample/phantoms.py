"""Synthetic CMR phantoms: small, deterministic NIfTI series that behave like scans.

Drawing convention. A phantom is drawn as the image a CMR workstation shows
(the display convention of :mod:`qaforge.images.display`): ``Phantom.array``
is indexed ``array[row, col, z, t]`` with row 0 at the top and column 0 on the
left, as ``matplotlib.pyplot.imshow(array[:, :, z, t])`` shows it.

- Short axis: seen from the apex, the RV on the viewer's left. About the LV
  centre ``(row_c, col_c)`` the angle of a pixel is measured in degrees
  clockwise from the top of the image::

      theta = degrees(arctan2(col - col_c, -(row - row_c))) mod 360

  so the anterior wall is at the top (0 deg), lateral on the viewer's right
  (90 deg), inferior at the bottom (180 deg) and the septum on the viewer's
  left (270 deg, where the RV sits). The six walls are 60-degree sectors
  ``[start, end)``: anterior 330-30, anterolateral 30-90, inferolateral
  90-150, inferior 150-210, inferoseptal 210-270, anteroseptal 270-330; the
  coarse ``septal`` is 210-330 and ``lateral`` 30-150. Depth inside the wall
  is 0 at the endocardium and 1 at the epicardium: subendocardial 0-0.5,
  midwall 1/3-2/3, subepicardial 2/3-1, transmural 0-1, diffuse 0-0.5.
  (The sectors are the drawing's; in the world the top of a short-axis
  image points mostly superior, as on real oblique planes.)
- Drawn slices run from base to apex. A stack may start with one or two
  slices above the mitral valve (atria and great vessels, no LV) and end
  with one below the apex (liver); ``truth["lv_slices"]`` is the
  ``[first, last]`` slice holding LV, and the levels are the thirds of those
  slices (``numpy.array_split``: basal, mid, apical).
- 4-chamber and 3-chamber: the patient's right on the image's left and
  anterior at the top, so the apex points to the upper right; 2-chamber:
  superior at the top, anterior on the right, the apex to the lower right.
  ``truth["lv_axis_rc"]`` gives the drawn base and apex of the LV cavity at
  ED and its half width.

World geometry. Every series has an oblique affine with the numbers of real
planning geometry (RAS+ mm): the long axis from base to apex points to the
patient's left, anterior and a little inferior, about ``(-0.64, 0.74,
-0.21)`` (the UK Biobank demo study's short-axis normal), turned by up to
5 degrees per study; short-axis slices are perpendicular to it, 8 mm apart
(perfusion: three slices at 15, 45 and 75 % of the LV length); the long-axis
planes contain it, turned about it from the top of the short-axis display by
about 90 degrees (4CH, nearly axial, tilted 10-25 degrees), 135 (3CH) and 5
(2CH, sagittal-oblique), each within 4 degrees. The in-plane axes of the
drawing are the convention's right and down directions, turned in-plane by
up to 8 degrees, so ``display_orientation(phantom.affine, view)`` leaves the
drawing as it is, and the world agrees with it: on the short axis the
patient's right projects to the image's left, on the long axes the apex
direction in the image is the long axis projected.

Storage orders. A file stores the drawing in one of the 8 in-plane orders
(transpose, then reverse rows, then reverse columns; :class:`StorageOrder`),
with the affine adjusted so world geometry is unchanged, and a short-axis
stack base first or apex first (the slice axis reversed, each slice keeping
its world position). ``Phantom.storage`` is the order the sample writer uses
for that series (:func:`study_storage`; several in the sample, three studies
apex first); :func:`encode_nifti_gz` writes the drawing as drawn unless given
a ``storage``. ``Phantom.file_slice`` and ``Phantom.drawn_slice`` map slice
indices between the drawing and the file, and :func:`store` gives the stored
array, affine and the truth re-indexed to the file's slices (what
``series_truth.jsonl`` holds). Rows, columns and angles in a truth record
(``center_rc``, ``lv_axis_rc``, sectors) always refer to the displayed image.

Appearance. Besides the heart there is a bright static subcutaneous fat ring
and a liver of intermediate signal; on long-axis cines (and on short-axis
slices above the base) the atria fill while the ventricles empty, so the
whole-image bright area changes only a few per cent over the cycle. The ED
frame is often not frame 0 (a few frames into the cycle, or a few before its
end); ES follows 35-45 % of the cycle later. Arrays are uint8 with seeded
noise.
"""

from __future__ import annotations

import copy
import gzip
import itertools
import zlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import nibabel as nib
import numpy as np

from qaforge.sample.cases import (
    LEVELS,
    CaseTruth,
    Region,
    SampleCase,
    SeriesKey,
    WallMotion,
    series_kind,
)

MATRIX = 64
PIXEL_MM = 2.0
SLICE_MM = 8.0
PERFUSION_FRAMES = 30
DESCRIP = b"qaforge synthetic phantom"
ANGLE_BINS = 360
SAX_SPAN = 0.9
"""Long-axis position of the most apical LV slice (0 at the base, 1 at the apex)."""

WALL_SECTORS: dict[str, tuple[float, float]] = {
    "anterior": (330.0, 30.0),
    "anterolateral": (30.0, 90.0),
    "inferolateral": (90.0, 150.0),
    "inferior": (150.0, 210.0),
    "inferoseptal": (210.0, 270.0),
    "anteroseptal": (270.0, 330.0),
    "septal": (210.0, 330.0),
    "lateral": (30.0, 150.0),
}
DEPTH_BANDS: dict[str, tuple[float, float]] = {
    "subendocardial": (0.0, 0.5),
    "midwall": (1.0 / 3.0, 2.0 / 3.0),
    "subepicardial": (2.0 / 3.0, 1.0),
    "transmural": (0.0, 1.0),
    "diffuse": (0.0, 0.5),
}
MOTION_WEIGHT = {"hypokinetic": 0.45, "akinetic": 0.0, "dyskinetic": -0.15}

# Intensities per sequence (arbitrary units; uint8 on disk, which keeps the sample small).
# Fat is bright on bSSFP cine, intermediate on PSIR LGE (below any lesion) and suppressed
# on STIR T2.
CINE = {
    "tissue": 45, "blood": 235, "myo": 90, "fluid": 245, "thrombus": 40, "void": 70,
    "fat": 205, "liver": 120,
}  # fmt: skip
LGE = {
    "tissue": 45, "blood": 100, "myo": 12, "fluid": 60, "thrombus": 6, "lesion": 235,
    "fat": 110, "liver": 55,
}  # fmt: skip
T2 = {
    "tissue": 40, "blood": 15, "myo": 90, "fluid": 230, "thrombus": 55, "lesion": 200,
    "fat": 25, "liver": 60,
}  # fmt: skip
PERFUSION = {"tissue": 25, "fat": 70, "liver": 35}
NOISE_SD = {"cine": 0.5, "lge": 1.0, "t2": 1.0, "perfusion": 0.5}

EFFUSION_PX = 2.5
THROMBUS_RADIUS_PX = 2.25
RV_WIDTH_PX = 7.0
ATRIAL_SHARE = 0.8
"""Share of the ventricular volume lost in systole that the atria gain on a long-axis cine."""

# Planning geometry (RAS+). The long axis is the UK Biobank demo study's short-axis normal
# (base to apex: patient's left, anterior, a little inferior); long-axis planes are turned
# about it from the top of the short-axis display, degrees clockwise seen from the apex.
LONG_AXIS_RAS = (-0.64, 0.74, -0.21)
PLANE_TURN_DEG = {"4ch": 90.0, "3ch": 135.0, "2ch": 5.0}
BASE_CENTRE_MM = (12.0, -8.0, 18.0)
AXIS_JITTER_DEG = 5.0
TURN_JITTER_DEG = 4.0
IN_PLANE_JITTER_DEG = 8.0
_PATIENT_LEFT = np.array([-1.0, 0.0, 0.0])
_ANTERIOR = np.array([0.0, 1.0, 0.0])
_INFERIOR = np.array([0.0, 0.0, -1.0])

APEX_FIRST_STUDIES = frozenset({"STU-0005", "STU-0010", "STU-0022"})
"""Studies whose short-axis stacks are stored apex first (slice 0 at the apex)."""


@dataclass(frozen=True)
class StorageOrder:
    """How a file stores the drawing: the in-plane order and, for stacks, the slice order.

    The stored array is made from the drawing by, in turn, swapping rows and
    columns, reversing the rows, reversing the columns and reversing the
    slices; the affine is adjusted so every voxel keeps its world position.

    Attributes:
        transpose: Swap the in-plane axes.
        flip_rows: Reverse the first axis (after any transpose).
        flip_cols: Reverse the second axis (after any transpose).
        apex_first: Reverse the slice axis (a short-axis stack stored apex first).
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False
    apex_first: bool = False

    def store(self, array: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reorder a drawn array (rows, cols, slices[, frames]) and adjust its affine.

        Args:
            array: The drawing, in drawing order.
            affine: Its 4x4 voxel-to-world matrix.

        Returns:
            ``(stored array, stored affine)``; ``stored_affine @ index`` is the world
            position of the stored voxel at ``index``, the same as the drawn voxel's.
        """
        index = np.eye(4)  # stored voxel index -> drawn voxel index, built step by step
        if self.transpose:
            array = np.swapaxes(array, 0, 1)
            index = index @ np.eye(4)[:, [1, 0, 2, 3]]
        for axis, on in ((0, self.flip_rows), (1, self.flip_cols), (2, self.apex_first)):
            if on:
                array = np.flip(array, axis)
                step = np.eye(4)
                step[axis, axis], step[axis, 3] = -1.0, array.shape[axis] - 1
                index = index @ step
        return np.ascontiguousarray(array), affine @ index

    def file_slice(self, z: int, n_slices: int) -> int:
        """The file's slice index of drawn slice ``z`` (the same map both ways)."""
        return n_slices - 1 - z if self.apex_first else z

    def in_plane(self) -> dict[str, bool]:
        """The in-plane part as a JSON-ready record."""
        return {
            "transpose": self.transpose,
            "flip_rows": self.flip_rows,
            "flip_cols": self.flip_cols,
        }


IN_PLANE_ORDERS: tuple[StorageOrder, ...] = tuple(
    StorageOrder(transpose, flip_rows, flip_cols)
    for transpose, flip_rows, flip_cols in itertools.product((False, True), repeat=3)
)
"""The 8 in-plane storage orders, as drawn first."""


class Phantom(NamedTuple):
    """A phantom series before it is written.

    Attributes:
        array: The drawing (see the module docstring), uint8, (H, W, Z) or (H, W, Z, T).
        affine: 4x4 voxel-to-world matrix (mm) of the array as drawn.
        truth: What was drawn, indexed like the array: frames, slices, geometry, lesions.
        storage: The order the sample writer stores this series in.
    """

    array: np.ndarray
    affine: np.ndarray
    truth: dict[str, Any]
    storage: StorageOrder = StorageOrder()

    def file_slice(self, z: int) -> int:
        """The slice index, in a file written in ``self.storage``, of drawn slice ``z``."""
        return self.storage.file_slice(z, self.array.shape[2])

    def drawn_slice(self, k: int) -> int:
        """The drawn slice shown by slice ``k`` of a file written in ``self.storage``."""
        return self.storage.file_slice(k, self.array.shape[2])


class StoredSeries(NamedTuple):
    """A phantom as a file stores it.

    Attributes:
        array: Voxel data in the storage order.
        affine: Its 4x4 voxel-to-world matrix.
        truth: The phantom's truth with slice indices of the file (``slice_order``,
            ``lv_slices``, lesion ``z_ranges``, per-slice radii), the stored
            ``shape`` and ``spacing``, and ``storage`` (the in-plane order).
        storage: The storage order.
    """

    array: np.ndarray
    affine: np.ndarray
    truth: dict[str, Any]
    storage: StorageOrder


@dataclass(frozen=True)
class HeartGeometry:
    """Where a study's heart lies in the scanner (RAS+ mm) and how its planes were planned.

    Attributes:
        long_axis: Unit vector from base to apex.
        base_centre: World position of the LV centre at the most basal LV slice.
        plane_turn_deg: Per long-axis view, the turn of its plane about the long axis
            from the top of the short-axis display (degrees clockwise, seen from the apex).
        in_plane_deg: Per view, the in-plane turn of the image axes from the convention.
    """

    long_axis: tuple[float, float, float]
    base_centre: tuple[float, float, float]
    plane_turn_deg: dict[str, float] = field(hash=False)
    in_plane_deg: dict[str, float] = field(hash=False)


@dataclass(frozen=True)
class StudyParams:
    """Per-study acquisition choices, drawn once from the seed and shared by its series.

    Attributes:
        n_slices: Short-axis slices through the LV (6 to 8).
        n_above: Slices above the base (atria, great vessels) before them (0 to 2).
        n_below: Slices below the apex after them (0 or 1).
        n_frames: Cine frames per cycle (16, 18, 20 or 25).
        ed_frame: End-diastolic cine frame.
        es_frame: End-systolic cine frame (35-45 % of the cycle after ED).
        rr_ms: R-R interval in ms.
        center_rc: LV centre (row, col) in short-axis images.
        perfusion_shift: Frames by which the perfusion bolus arrives late (0-2).
        geometry: Where the heart lies and how the planes were planned.
    """

    n_slices: int
    n_above: int
    n_below: int
    n_frames: int
    ed_frame: int
    es_frame: int
    rr_ms: float
    center_rc: tuple[float, float]
    perfusion_shift: int
    geometry: HeartGeometry

    @property
    def stack_slices(self) -> int:
        """All slices of a cine, LGE or T2 short-axis stack."""
        return self.n_above + self.n_slices + self.n_below


@dataclass(frozen=True)
class LvShape:
    """End-diastolic LV geometry on a set of short-axis slices.

    Attributes:
        endo: Endocardial radius in px, shape (Z, 360) (one column per degree).
        epi: Epicardial radius in px, shape (Z, 360).
        motion: Regional contraction weight (1 normal, 0 akinetic), shape (Z, 360).
        contraction: Fractional endocardial shortening at ES where motion is 1.
    """

    endo: np.ndarray
    epi: np.ndarray
    motion: np.ndarray
    contraction: float


def _seed_for(seed: int, *parts: str) -> np.random.SeedSequence:
    """A seed sequence from the global seed and stable names (crc32, not Python's hash)."""
    return np.random.SeedSequence([seed, *(zlib.crc32(p.encode()) for p in parts)])


def _cycle_timing(rng: np.random.Generator) -> tuple[int, int, int]:
    """Frames per cycle, ED and ES as scanners give them.

    ED is frame 0 (trigger on the R wave) in about 40 % of studies, 2-5 frames
    before the end of the cycle (trigger delay, as M&Ms-2 ED = 23 of 25) in
    about 35 %, and 1-3 frames in otherwise; ES follows 35-45 % of the cycle later.
    """
    n_frames = int(rng.choice([16, 18, 20, 25], p=[0.45, 0.3, 0.15, 0.1]))
    kind = int(rng.choice(3, p=[0.4, 0.35, 0.25]))
    if kind == 0:
        ed = 0
    elif kind == 1:
        ed = n_frames - int(rng.integers(2, 6))
    else:
        ed = int(rng.integers(1, 4))
    offsets = [k for k in range(n_frames) if 0.35 <= k / n_frames <= 0.45]
    return n_frames, ed, (ed + int(rng.choice(offsets))) % n_frames


def _heart_geometry(rng: np.random.Generator) -> HeartGeometry:
    """A long axis within 8 degrees of the reference, planes and offsets turned a little."""
    reference = np.array(LONG_AXIS_RAS) / np.linalg.norm(LONG_AXIS_RAS)
    tilt_about = _unit(np.cross(reference, rng.standard_normal(3)))
    axis = _rotate(reference, tilt_about, float(rng.uniform(0.0, AXIS_JITTER_DEG)))
    centre = np.array(BASE_CENTRE_MM) + rng.uniform(-10.0, 10.0, 3)
    turns = {
        view: turn + float(rng.uniform(-TURN_JITTER_DEG, TURN_JITTER_DEG))
        for view, turn in PLANE_TURN_DEG.items()
    }
    views = ("sax", "4ch", "3ch", "2ch")
    in_plane = {
        view: float(rng.uniform(-IN_PLANE_JITTER_DEG, IN_PLANE_JITTER_DEG)) for view in views
    }
    return HeartGeometry(
        long_axis=tuple(round(float(v), 6) for v in axis),  # type: ignore[arg-type]
        base_centre=tuple(round(float(v), 3) for v in centre),  # type: ignore[arg-type]
        plane_turn_deg=turns,
        in_plane_deg=in_plane,
    )


def study_params(case: SampleCase, seed: int = 0) -> StudyParams:
    """Draw the acquisition choices of a study.

    Args:
        case: The sample case.
        seed: Global seed of the sample.

    Returns:
        The study parameters; the same for the same (case, seed).
    """
    rng = np.random.default_rng(_seed_for(seed, case.study_id, "study"))
    n_frames, ed, es = _cycle_timing(rng)
    return StudyParams(
        n_slices=int(rng.integers(6, 9)),
        n_above=int(rng.choice(3, p=[0.45, 0.35, 0.2])),
        n_below=int(rng.choice(2, p=[0.65, 0.35])),
        n_frames=n_frames,
        ed_frame=ed,
        es_frame=es,
        rr_ms=float(rng.integers(800, 1001)),
        center_rc=(float(rng.integers(31, 34)), float(rng.integers(33, 36))),
        perfusion_shift=int(rng.integers(0, 3)),
        geometry=_heart_geometry(rng),
    )


def study_storage(case: SampleCase) -> StorageOrder:
    """The order a study's series are stored in: in-plane by study number, apex first for some.

    Args:
        case: The sample case.

    Returns:
        One of the 8 in-plane orders (cycling with the study number, so the
        sample holds all of them), apex first for :data:`APEX_FIRST_STUDIES`.
        Only short-axis stacks use ``apex_first``.
    """
    number = int(case.study_id.rsplit("-", 1)[1])
    in_plane = IN_PLANE_ORDERS[(3 * number) % len(IN_PLANE_ORDERS)]
    return StorageOrder(
        in_plane.transpose,
        in_plane.flip_rows,
        in_plane.flip_cols,
        apex_first=case.study_id in APEX_FIRST_STUDIES,
    )


# --- world geometry ------------------------------------------------------------


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _rotate(vector: np.ndarray, axis: np.ndarray, degrees: float) -> np.ndarray:
    """Turn a vector about a unit axis (right hand), Rodrigues' formula."""
    angle = np.radians(degrees)
    return (
        vector * np.cos(angle)
        + np.cross(axis, vector) * np.sin(angle)
        + axis * float(axis @ vector) * (1.0 - np.cos(angle))
    )


def _projected(vector: np.ndarray, normal: np.ndarray) -> np.ndarray:
    return _unit(vector - float(vector @ normal) * normal)


def _sax_display_axes(long_axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, down) of the short-axis display: seen from the apex, patient's right on the left."""
    towards_base = -long_axis
    right = _projected(_PATIENT_LEFT, towards_base)
    return right, np.cross(towards_base, right)  # right x down = towards the base


def _closest_orthonormal(right: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The orthonormal pair nearest to two in-plane directions (polar decomposition)."""
    u, _, vt = np.linalg.svd(np.stack([right, down], axis=1), full_matrices=False)
    q = u @ vt
    return q[:, 0], q[:, 1]


def view_axes(geometry: HeartGeometry, view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World directions of a drawn image's rows (down), columns (right) and slice axis.

    Args:
        geometry: The study's heart geometry.
        view: ``sax``, ``2ch``, ``3ch`` or ``4ch``.

    Returns:
        ``(down, right, normal)`` unit vectors: ``down`` and ``right`` are the
        display convention's directions for that plane turned in-plane by the
        study's small angle; ``normal`` is the long axis (base to apex) for the
        short axis and ``down x right`` for a long-axis plane.
    """
    long_axis = np.array(geometry.long_axis)
    sax_right, sax_down = _sax_display_axes(long_axis)
    if view == "sax":
        right, down = sax_right, sax_down
    else:
        turn = np.radians(geometry.plane_turn_deg[view])
        in_plane = np.cos(turn) * -sax_down + np.sin(turn) * sax_right
        normal = _unit(np.cross(long_axis, in_plane))
        if view == "2ch":
            wanted = _projected(_ANTERIOR, normal), _projected(_INFERIOR, normal)
        else:
            wanted = _projected(_PATIENT_LEFT, normal), _projected(-_ANTERIOR, normal)
        right, down = _closest_orthonormal(*wanted)
    angle = np.radians(geometry.in_plane_deg[view])
    right, down = (
        np.cos(angle) * right + np.sin(angle) * down,
        -np.sin(angle) * right + np.cos(angle) * down,
    )
    normal = long_axis if view == "sax" else _unit(np.cross(down, right))
    return down, right, normal


def _oblique_affine(
    axes: tuple[np.ndarray, np.ndarray, np.ndarray],
    slice_mm: float,
    anchor_rc: tuple[float, float],
    anchor_z: float,
    anchor_world: np.ndarray,
) -> np.ndarray:
    """Affine with these axes whose voxel (row, col, z) = (anchor_rc, anchor_z) is anchor_world."""
    down, right, normal = axes
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2] = (
        down * PIXEL_MM,
        right * PIXEL_MM,
        normal * slice_mm,
    )
    affine[:3, 3] = anchor_world - affine[:3, :3] @ np.array([*anchor_rc, anchor_z])
    return affine


def sax_affine(
    params: StudyParams,
    *,
    first_lv_slice: int,
    slice_mm: float = SLICE_MM,
    start_mm: float = 0.0,
) -> np.ndarray:
    """The drawn affine of a short-axis stack.

    Args:
        params: The study parameters (geometry and LV centre).
        first_lv_slice: Drawn index of the slice ``start_mm`` below the base.
        slice_mm: Distance between slices.
        start_mm: How far that slice lies from the base towards the apex.

    Returns:
        4x4 matrix; the LV centre of each slice lies on the long axis and the
        slices step from base to apex.
    """
    geometry = params.geometry
    anchor = np.array(geometry.base_centre) + start_mm * np.array(geometry.long_axis)
    axes = view_axes(geometry, "sax")
    return _oblique_affine(axes, slice_mm, params.center_rc, first_lv_slice, anchor)


def long_axis_direction_rc(geometry: HeartGeometry, view: str) -> tuple[float, float]:
    """The long axis (base to apex) projected into a drawn long-axis image, (d_row, d_col) unit."""
    down, right, _ = view_axes(geometry, view)
    long_axis = np.array(geometry.long_axis)
    d_row, d_col = float(long_axis @ down), float(long_axis @ right)
    norm = float(np.hypot(d_row, d_col))
    return d_row / norm, d_col / norm


def level_slices(n_slices: int) -> dict[str, range]:
    """Map each level to its slice range: the thirds of the LV slices, base first.

    Args:
        n_slices: Number of short-axis slices through the LV.

    Returns:
        ``{"basal": range, "mid": range, "apical": range}``.
    """
    parts = np.array_split(np.arange(n_slices), 3)
    return {
        level: range(int(p[0]), int(p[-1]) + 1) if len(p) else range(0)
        for level, p in zip(LEVELS, parts, strict=True)
    }


def in_sector(theta: np.ndarray, sector: tuple[float, float]) -> np.ndarray:
    """Whether angles (degrees, convention above) fall in ``[start, end)`` going clockwise.

    Args:
        theta: Angles in degrees.
        sector: (start, end) in degrees; may wrap through 0.

    Returns:
        Boolean array of the same shape.
    """
    start, end = sector
    return np.mod(theta - start, 360.0) < np.mod(end - start, 360.0)


def _wall_mask(walls: tuple[str, ...]) -> np.ndarray:
    """Boolean (360,) mask of the degree bins (bin centres) covered by any of the walls."""
    centres = np.arange(ANGLE_BINS) + 0.5
    mask = np.zeros(ANGLE_BINS, dtype=bool)
    for wall in walls:
        mask |= in_sector(centres, WALL_SECTORS[wall])
    return mask


def _level_mask(levels: tuple[str, ...], n_slices: int) -> np.ndarray:
    """Boolean (Z,) mask of the slices at the given levels."""
    ranges = level_slices(n_slices)
    mask = np.zeros(n_slices, dtype=bool)
    for level in levels:
        mask[list(ranges[level])] = True
    return mask


def _z_ranges(mask: np.ndarray) -> list[list[int]]:
    """Contiguous [start, stop) runs of True in a (Z,) mask."""
    runs: list[list[int]] = []
    for z, on in enumerate(mask.tolist()):
        if on and runs and runs[-1][1] == z:
            runs[-1][1] = z + 1
        elif on:
            runs.append([z, z + 1])
    return runs


def _thickness_mm(truth: CaseTruth, u: float, theta: np.ndarray) -> np.ndarray:
    """End-diastolic wall thickness (mm) at long-axis position u (0 base, 1 apex) and angles."""
    wt = truth.wall_thickness
    max_mm = float(wt.max_mm or 0.0)
    taper = 1.0 - 0.3 * u  # walls thin towards the apex; the maximum sits at the base
    if wt.kind == "concentric":
        return np.full_like(theta, max_mm * taper)
    if wt.kind == "asymmetric_septal":
        bulge = np.clip(np.cos(np.radians(theta - 270.0)), 0.0, None) ** 1.5
        level_weight = 1.0 if u < 0.6 else 0.5
        return (9.0 + (max_mm - 9.0) * bulge * level_weight) * taper
    return np.full_like(theta, (7.0 if truth.lv_dilated else 8.0) * taper)


def _endo_base_mm(truth: CaseTruth) -> float:
    """End-diastolic endocardial radius at the base, by cavity type."""
    if truth.lv_dilated:
        return 31.0
    if truth.wall_thickness.kind != "normal":
        return 20.0
    return 24.0


def _motion_weights(
    wall_motion: tuple[WallMotion, ...], n_slices: int, positions: np.ndarray
) -> np.ndarray:
    """Regional contraction weights (Z, 360), softened over 20 degrees so borders do not step."""
    weights = np.ones((len(positions), ANGLE_BINS))
    for abnormality in wall_motion:
        rows = _level_mask(abnormality.levels, n_slices)
        cols = _wall_mask(abnormality.walls)
        value = MOTION_WEIGHT[abnormality.kind]
        block = weights[np.ix_(rows, cols)]
        weights[np.ix_(rows, cols)] = np.minimum(block, value)
    kernel = np.ones(21) / 21.0
    padded = np.concatenate([weights[:, -10:], weights, weights[:, :10]], axis=1)
    return np.stack([np.convolve(row, kernel, mode="valid") for row in padded])


def _ejection_fraction(endo: np.ndarray, motion: np.ndarray, contraction: float) -> float:
    """Volume EF of the slice stack for a given contraction (area summed over slices)."""
    es = endo * (1.0 - contraction * motion)
    return float(1.0 - (es**2).sum() / (endo**2).sum())


def _solve_contraction(endo: np.ndarray, motion: np.ndarray, lvef: float) -> float:
    """Bisect the endocardial shortening that gives the target LVEF (percent)."""
    target = lvef / 100.0
    low, high = 0.0, 0.95
    if _ejection_fraction(endo, motion, high) < target:
        raise ValueError(f"LVEF {lvef} cannot be drawn with this wall motion")
    for _ in range(60):
        mid = (low + high) / 2.0
        if _ejection_fraction(endo, motion, mid) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def sax_positions(n_slices: int) -> np.ndarray:
    """Long-axis positions (0 base, 0.9 near the apex) of the LV slices of a cine/LGE/T2 stack."""
    return np.linspace(0.0, SAX_SPAN, n_slices)


def stack_positions(params: StudyParams) -> np.ndarray:
    """Long-axis positions of every drawn slice: below 0 above the base, above 0.9 below the apex."""
    lv = sax_positions(params.n_slices)
    step = float(lv[1] - lv[0])
    above = -step * np.arange(params.n_above, 0, -1)
    below = lv[-1] + step * np.arange(1, params.n_below + 1)
    return np.concatenate([above, lv, below])


def lv_shape(truth: CaseTruth, n_slices: int, positions: np.ndarray | None = None) -> LvShape:
    """End-diastolic LV geometry and the contraction that yields the case's LVEF.

    Args:
        truth: The case truth.
        n_slices: Slices of the stack the levels and wall motion refer to.
        positions: Long-axis positions to sample (default: the cine stack's).

    Returns:
        The LV shape on the sampled slices; contraction is solved on the full stack.
    """
    full = sax_positions(n_slices)
    theta = np.arange(ANGLE_BINS) + 0.5
    base_px = _endo_base_mm(truth) / PIXEL_MM

    def geometry(us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        endo = np.stack([np.full(ANGLE_BINS, base_px * (1.0 - 0.55 * u)) for u in us])
        wall = np.stack([_thickness_mm(truth, float(u), theta) / PIXEL_MM for u in us])
        return endo, endo + wall

    endo_full, _ = geometry(full)
    motion_full = _motion_weights(truth.wall_motion, n_slices, full)
    contraction = _solve_contraction(endo_full, motion_full, truth.lvef)
    if positions is None:
        endo, epi = geometry(full)
        return LvShape(endo, epi, motion_full, contraction)
    endo, epi = geometry(positions)
    return LvShape(endo, epi, np.ones_like(endo), contraction)


def cycle_fraction(n_frames: int, ed_frame: int, es_frame: int) -> np.ndarray:
    """Systolic excursion per frame: 0 at ED, 1 at ES, strictly between elsewhere.

    Linear contraction to ES, rapid filling, diastasis, then the atrial kick.

    Args:
        n_frames: Frames per cycle.
        ed_frame: End-diastolic frame.
        es_frame: End-systolic frame.

    Returns:
        Array (T,) of fractions.
    """
    p = ((es_frame - ed_frame) % n_frames) / n_frames
    phase = ((np.arange(n_frames) - ed_frame) % n_frames) / n_frames
    xs = [0.0, p, p + 0.3 * (1 - p), p + 0.8 * (1 - p), 1.0]
    ys = [0.0, 1.0, 0.3, 0.2, 0.0]
    return np.interp(phase, xs, ys)


def _cover(radius: np.ndarray | float, distance: np.ndarray) -> np.ndarray:
    """Partial-volume coverage of a pixel by a disc (1 px soft edge)."""
    return np.clip(radius - distance + 0.5, 0.0, 1.0)


def _ellipse_cover(
    dy: np.ndarray, dx: np.ndarray, a: np.ndarray | float, b: np.ndarray | float
) -> np.ndarray:
    """Approximate partial-volume coverage by an axis-aligned ellipse (a rows, b cols)."""
    q = np.sqrt((dy / a) ** 2 + (dx / b) ** 2)
    return np.clip((1.0 - q) * np.minimum(a, b) + 0.5, 0.0, 1.0)


def _paint(image: np.ndarray, alpha: np.ndarray, value: np.ndarray | float) -> np.ndarray:
    """Composite a layer over the image."""
    return image + (value - image) * alpha


@dataclass(frozen=True)
class _Grid:
    """Polar coordinates of the short-axis pixels about the LV centre."""

    dy: np.ndarray
    dx: np.ndarray
    rho: np.ndarray
    theta: np.ndarray
    bins: np.ndarray
    body: np.ndarray


def _grid(center_rc: tuple[float, float]) -> _Grid:
    # float32 throughout the drawing: half the memory traffic, and plenty for 8-bit output
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    dy, dx = rows - center_rc[0], cols - center_rc[1]
    theta = np.mod(np.degrees(np.arctan2(dx, -dy)), 360.0)
    body = _ellipse_cover(rows - (MATRIX - 1) / 2, cols - (MATRIX - 1) / 2, 29.0, 31.0)
    bins = np.floor(theta).astype(int) % ANGLE_BINS
    return _Grid(dy, dx, np.hypot(dy, dx), theta, bins, body)


def _radii_at(radii: np.ndarray, grid: _Grid) -> np.ndarray:
    """Look radii (..., 360) up at every pixel's angle: (..., H, W)."""
    return radii[..., grid.bins].astype(np.float32)


def _region_mask(
    region: Region, n_slices: int, grid: _Grid, endo: np.ndarray, epi: np.ndarray
) -> np.ndarray:
    """Boolean (Z, H, W) mask of a lesion: its slices, its sectors and its depth band.

    Args:
        region: The lesion.
        n_slices: Slices of the stack (levels are its thirds).
        grid: Pixel coordinates.
        endo: End-diastolic endocardial radius per pixel, (Z, H, W).
        epi: End-diastolic epicardial radius per pixel, (Z, H, W).

    Returns:
        The mask; depth bands touching the endo- or epicardium stay open there so
        the partial-volume border pixels are enhanced too.
    """
    depth = (grid.rho - endo) / (epi - endo)
    low, high = DEPTH_BANDS[region.pattern]
    inside = (depth >= (low if low > 0 else -np.inf)) & (depth < (high if high < 1 else np.inf))
    walls = _wall_mask(region.walls)[grid.bins]
    levels = _level_mask(region.levels, n_slices)[:, None, None]
    return inside & walls[None] & levels


def _region_truth(kind: str, region: Region, n_slices: int, offset: int) -> dict[str, Any]:
    """The JSON record of a drawn lesion; its slices are shifted by the slices above the LV."""
    return {
        "kind": kind,
        "levels": list(region.levels),
        "walls": list(region.walls),
        "pattern": region.pattern,
        "z_ranges": [
            [start + offset, stop + offset]
            for start, stop in _z_ranges(_level_mask(region.levels, n_slices))
        ],
        "sectors_deg": [list(WALL_SECTORS[w]) for w in region.walls],
        "depth": [round(v, 4) for v in DEPTH_BANDS[region.pattern]],
    }


def _geometry_truth(center_rc: tuple[float, float], shape: LvShape) -> dict[str, Any]:
    """End-diastolic myocardium geometry: centre, endo radius per slice, epi radius every 10 deg."""
    return {
        "center_rc": list(center_rc),
        "angles_deg": list(range(0, 360, 10)),
        "r_endo_px": [round(float(r), 3) for r in shape.endo[:, 0]],
        "r_epi_px": [[round(float(r), 3) for r in row[::10]] for row in shape.epi],
    }


def _rv_layers(
    grid: _Grid, epi: np.ndarray, scale: np.ndarray, squeeze: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """RV wall and blood coverage: a crescent on the septal side (viewer's left).

    Args:
        grid: Pixel coordinates.
        epi: LV epicardial radius (..., 360) for the slices/frames drawn.
        scale: Base-to-apex size factor, broadcastable to epi[..., 0].
        squeeze: RV systolic narrowing factor, broadcastable to epi[..., 0].

    Returns:
        (wall coverage, blood coverage), each (..., H, W).
    """
    epi = epi.astype(np.float32)
    septal = epi[..., 270][..., None, None]
    mean_epi = epi.mean(axis=-1)[..., None, None]
    width = (RV_WIDTH_PX * scale * squeeze).astype(np.float32)[..., None, None]
    centre_dx = grid.dx + septal + 0.25 * width
    height = 1.05 * mean_epi
    wall = _ellipse_cover(grid.dy, centre_dx, height + 1.2, width + 1.2)
    blood = _ellipse_cover(grid.dy, centre_dx, height, width)
    return wall, blood


def _thrombus_cover(grid: _Grid, n_slices: int, es_endo: np.ndarray) -> np.ndarray:
    """Coverage (Z, H, W) of a dark apical thrombus in the last two slices.

    The blob sits towards the anterior wall but stays inside the end-systolic cavity.
    """
    cover = np.zeros((n_slices, MATRIX, MATRIX))
    for z in range(max(0, n_slices - 2), n_slices):
        room = float(es_endo[z].min()) - THROMBUS_RADIUS_PX - 0.75
        offset = min(2.0, max(0.0, room))
        cover[z] = _cover(THROMBUS_RADIUS_PX, np.hypot(grid.dy + offset, grid.dx))
    return cover


# --- surroundings and atria ------------------------------------------------------


def _body_layers() -> tuple[np.ndarray, np.ndarray]:
    """(body coverage, subcutaneous fat ring coverage), (H, W), centred on the image."""
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32) - (MATRIX - 1) / 2
    body = _ellipse_cover(rows, cols, 29.0, 31.0)
    inner = _ellipse_cover(rows, cols, 26.0, 28.0)
    return body, np.clip(body - inner, 0.0, 1.0)


# Where the liver sits in each drawn view (row, col, row semi-axis, col semi-axis):
# short axis inferior and to the patient's right (lower left), 4CH/3CH at the patient's
# right below the atria (lower left), 2CH under the inferior wall (bottom).
LIVER_RC = {
    "sax": (50.0, 14.0, 12.0, 15.0),
    "4ch": (54.0, 10.0, 13.0, 15.0),
    "3ch": (54.0, 10.0, 13.0, 15.0),
    "2ch": (58.0, 26.0, 8.0, 22.0),
}


def _surroundings(palette: dict[str, int], view: str, liver_scale: np.ndarray) -> np.ndarray:
    """Static tissue, fat ring and liver, float (N, H, W) for N liver scales (0 = no liver)."""
    body, fat = _body_layers()
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    base = _paint(body * palette["tissue"], fat, palette["fat"])
    inside = body >= 1.0
    row_c, col_c, semi_r, semi_c = LIVER_RC[view]
    layers = []
    for scale in np.asarray(liver_scale, dtype=np.float32).reshape(-1):
        image = base.copy()
        if scale > 0.05:
            liver = _ellipse_cover(rows - row_c, cols - col_c, semi_r * scale, semi_c * scale)
            image = _paint(image, liver * inside, palette["liver"])
        layers.append(image)
    return np.stack(layers).astype(np.float32)


def _liver_scale(positions: np.ndarray) -> np.ndarray:
    """Liver size per short-axis slice: none at the base, growing towards and below the apex."""
    return np.clip((np.asarray(positions) - 0.3) / 0.6, 0.0, 1.2)


def _above_base(
    grid: _Grid, image: np.ndarray, blood: np.ndarray | float, fill: np.ndarray, level: int
) -> np.ndarray:
    """Paint the atria and great vessels of a slice above the mitral valve.

    Seen from the apex with the patient's right on the left: the left atrium
    lies behind (right of) the LV centre, the aortic root above-left of it,
    the right atrium far left, the RV outflow tract at the upper left.

    Args:
        grid: Pixel coordinates about the LV centre.
        image: Slice image(s), (..., H, W).
        blood: Blood signal, broadcastable to image.
        fill: Atrial filling (0 at ED, up to 1 at ES), broadcastable to image[..., 0, 0].
        level: 1 for the slice just above the base, 2 for the next one up.

    Returns:
        The painted image.
    """
    size = 1.0 if level == 1 else 0.8
    grow = np.sqrt(1.0 + 0.8 * np.asarray(fill, dtype=np.float32))[..., None, None]
    layers = (
        (grid.dy - 3.0, grid.dx - 6.0, 8.0 * size * grow),  # left atrium
        (grid.dy + 2.0, grid.dx + 15.0, 6.0 * size * grow),  # right atrium
        (grid.dy + 5.0, grid.dx + 3.0, 4.5 * np.ones_like(grow)),  # aortic root
        (grid.dy + 12.0, grid.dx + 9.0, 4.5 * size * (1.0 - 0.2 * (grow - 1.0))),  # RVOT
    )
    for dy, dx, radius in layers:
        image = _paint(image, _cover(radius, np.hypot(dy, dx)), blood)
    return image


def _lv_slices(params: StudyParams) -> slice:
    return slice(params.n_above, params.n_above + params.n_slices)


def _static_sax(
    truth: CaseTruth, params: StudyParams, palette: dict[str, int], lesions: tuple[Region, ...]
) -> tuple[np.ndarray, LvShape]:
    """An end-diastolic short-axis stack (LGE or T2) with bright lesions, float (H, W, Z)."""
    grid = _grid(params.center_rc)
    shape = lv_shape(truth, params.n_slices)
    endo, epi = _radii_at(shape.endo, grid), _radii_at(shape.epi, grid)
    z = params.n_slices
    scale = 1.0 - 0.55 * sax_positions(z)
    stack = _surroundings(palette, "sax", _liver_scale(stack_positions(params)))
    image = stack[_lv_slices(params)]
    if truth.pericardial_effusion:
        image = _paint(image, _cover(epi + EFFUSION_PX, grid.rho), palette["fluid"])
    rv_wall, rv_blood = _rv_layers(grid, shape.epi, scale, np.ones(z))
    image = _paint(image, rv_wall, palette["myo"])
    image = _paint(image, rv_blood, palette["blood"])
    myo_value = np.full_like(image, float(palette["myo"]))
    for region in lesions:
        myo_value[_region_mask(region, z, grid, endo, epi)] = palette["lesion"]
    image = _paint(image, _cover(epi, grid.rho), myo_value)
    image = _paint(image, _cover(endo, grid.rho), palette["blood"])
    if truth.thrombus:
        es_endo = shape.endo * (1.0 - shape.contraction * shape.motion)
        image = _paint(image, _thrombus_cover(grid, z, es_endo), palette["thrombus"])
    stack[_lv_slices(params)] = image
    for k in range(params.n_above):
        level = params.n_above - k
        stack[k] = _above_base(grid, stack[k], palette["blood"], np.zeros(()), level)
    return np.moveaxis(stack, 0, -1), shape


def _cine_sax(truth: CaseTruth, params: StudyParams) -> tuple[np.ndarray, LvShape]:
    """The beating short-axis cine, float (H, W, Z, T)."""
    grid = _grid(params.center_rc)
    shape = lv_shape(truth, params.n_slices)
    f = cycle_fraction(params.n_frames, params.ed_frame, params.es_frame)
    # (Z, T, 360): endocardium moves in by its regional share; myocardial area is conserved.
    endo_t = shape.endo[:, None, :] * (
        1.0 - shape.contraction * shape.motion[:, None, :] * f[None, :, None]
    )
    epi_t = np.sqrt(endo_t**2 + (shape.epi**2 - shape.endo**2)[:, None, :])
    endo, epi = _radii_at(endo_t, grid), _radii_at(epi_t, grid)
    z, t = params.n_slices, params.n_frames
    scale = (1.0 - 0.55 * sax_positions(z))[:, None]
    squeeze = (1.0 - 0.3 * f)[None, :]
    static = _surroundings(CINE, "sax", _liver_scale(stack_positions(params)))
    stack = np.broadcast_to(static[:, None], (params.stack_slices, t, MATRIX, MATRIX)).copy()
    image = stack[_lv_slices(params)]
    if truth.pericardial_effusion:
        image = _paint(image, _cover(epi + EFFUSION_PX, grid.rho), CINE["fluid"])
    rv_wall, rv_blood = _rv_layers(grid, epi_t, scale, squeeze)
    image = _paint(image, rv_wall, CINE["myo"])
    image = _paint(image, rv_blood, CINE["blood"])
    image = _paint(image, _cover(epi, grid.rho), CINE["myo"])
    image = _paint(image, _cover(endo, grid.rho), CINE["blood"])
    if truth.thrombus:
        es_endo = shape.endo * (1.0 - shape.contraction * shape.motion)
        image = _paint(image, _thrombus_cover(grid, z, es_endo)[:, None], CINE["thrombus"])
    stack[_lv_slices(params)] = image
    # the atria above the mitral valve fill as the ventricles empty
    fill = f * (truth.lvef / 60.0)
    for k in range(params.n_above):
        stack[k] = _above_base(grid, stack[k], CINE["blood"], fill, params.n_above - k)
    return np.moveaxis(stack, (0, 1), (2, 3)), shape


def _gamma(frames: np.ndarray, start: float, to_peak: float, tail: float) -> np.ndarray:
    """Bolus curve peaking at exactly 1 at ``start + to_peak``, then washing out to ``tail``."""
    x = np.clip((frames - start) / to_peak, 0.0, None)
    g = x**3 * np.exp(3.0 * (1.0 - x))
    after = frames > start + to_peak
    return np.where(after, tail + (1.0 - tail) * g, g)


def perfusion_curves(shift: int) -> dict[str, np.ndarray]:
    """Signal gain (0..1) per frame of RV blood, LV blood and remote myocardium.

    Args:
        shift: Frames of bolus delay.

    Returns:
        ``{"rv", "lv", "myo"}``; the myocardium peaks at frame ``13 + shift``.
    """
    frames = np.arange(PERFUSION_FRAMES, dtype=float)
    return {
        "rv": _gamma(frames, 2.0 + shift, 3.0, 0.3),
        "lv": _gamma(frames, 4.0 + shift, 4.0, 0.35),
        "myo": _gamma(frames, 5.0 + shift, 8.0, 0.55),
    }


PERFUSION_POSITIONS = np.array([0.15, 0.45, 0.75])
"""Long-axis positions (0 base, 0.9 near the apex) of the three perfusion slices."""


def _perfusion(truth: CaseTruth, params: StudyParams) -> tuple[np.ndarray, LvShape, int]:
    """First-pass perfusion, float (H, W, 3, T): basal, mid and apical slices."""
    grid = _grid(params.center_rc)
    positions = PERFUSION_POSITIONS
    shape = lv_shape(truth, 3, positions)
    endo, epi = _radii_at(shape.endo, grid), _radii_at(shape.epi, grid)
    curves = perfusion_curves(params.perfusion_shift)
    defect = np.zeros((3, MATRIX, MATRIX), dtype=bool)
    for region in truth.perfusion_defects:
        defect |= _region_mask(region, 3, grid, endo, epi)
    myo_gain = np.where(defect, 0.3, 1.0)[:, None]  # (3, 1, H, W) against (T,) curves below
    static = _surroundings(PERFUSION, "sax", _liver_scale(positions))
    lv = (30.0 + 190.0 * curves["lv"])[None, :, None, None]
    rv = (30.0 + 200.0 * curves["rv"])[None, :, None, None]
    myo = 35.0 + 100.0 * curves["myo"][None, :, None, None] * myo_gain
    image = np.broadcast_to(static[:, None], (3, PERFUSION_FRAMES, MATRIX, MATRIX)).copy()
    if truth.pericardial_effusion:
        image = _paint(image, _cover(epi + EFFUSION_PX, grid.rho)[:, None], 30.0)
    scale = (1.0 - 0.55 * positions)[:, None]
    rv_wall, rv_blood = _rv_layers(grid, shape.epi[:, None, :], scale, np.ones((1, 1)))
    image = _paint(image, rv_wall, 35.0)
    image = _paint(image, rv_blood, rv)
    image = _paint(image, _cover(epi, grid.rho)[:, None], myo)
    image = _paint(image, _cover(endo, grid.rho)[:, None], lv)
    peak = int(np.argmax(curves["myo"]))
    return np.moveaxis(image, (0, 1), (2, 3)), shape, peak


LONG_AXIS_SHIFT_PX = 4.0
"""How far the LV centre of a long-axis image sits from the image centre towards the apex."""


def long_axis_semi_axes(truth: CaseTruth, shape: LvShape) -> tuple[float, float]:
    """End-diastolic LV cavity semi-axes (px) on a long-axis image: along and across.

    The basal short-axis radius across; 1.5 times that along, a dilated
    ventricle being rounder (1.25).
    """
    across = float(shape.endo[0, 0])
    return (1.25 if truth.lv_dilated else 1.5) * across, across


def long_axis_center_rc(direction_rc: tuple[float, float]) -> tuple[float, float]:
    """The drawn LV cavity centre of a long-axis image whose apex points along ``direction_rc``."""
    middle = (MATRIX - 1) / 2
    return (
        round(middle + LONG_AXIS_SHIFT_PX * direction_rc[0], 3),
        round(middle + LONG_AXIS_SHIFT_PX * direction_rc[1], 3),
    )


def _long_axis(
    truth: CaseTruth,
    params: StudyParams,
    view: str,
    shape: LvShape,
    direction_rc: tuple[float, float],
) -> np.ndarray:
    """A long-axis cine (H, W, 1, T): an elongated LV whose apex points along ``direction_rc``.

    The heart is drawn in a frame turned with the long axis (``along`` towards
    the apex, ``across`` towards the lateral wall for 4CH/3CH), so the same
    shapes serve every plane; atria sit beyond the mitral plane and fill as
    the ventricles empty.
    """
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    r0, c0 = long_axis_center_rc(direction_rc)
    d_row, d_col = (np.float32(v) for v in direction_rc)
    along = (rows - r0) * d_row + (cols - c0) * d_col
    # dy grows away from the apex, dx towards the side 90 degrees clockwise of the apex
    dy, dx = -along, (cols - c0) * -d_row + (rows - r0) * d_col
    f = cycle_fraction(params.n_frames, params.ed_frame, params.es_frame)[:, None, None]
    f = f.astype(np.float32)
    es_size = np.sqrt(1.0 - truth.lvef / 100.0)
    size = 1.0 - (1.0 - es_size) * f  # both axes shrink, so the cavity area follows the LVEF
    a_en, b_en = long_axis_semi_axes(truth, shape)
    septal = float(shape.epi[0, 270] - shape.endo[0, 270])
    lateral = float(shape.epi[0, 90] - shape.endo[0, 90])
    left, right = (septal, lateral) if view in ("4ch", "3ch") else (lateral, lateral)
    a, b = a_en * size, b_en * size
    # wall area is kept: the wall thickens as the cavity shrinks
    grow_left = np.sqrt((b_en + left) ** 2 - b_en**2 + b**2) - b
    grow_right = np.sqrt((b_en + right) ** 2 - b_en**2 + b**2) - b
    wall_b = np.where(dx < 0, b + grow_left, b + grow_right)
    wall_a = a + 0.5 * (grow_left + grow_right)
    static = _surroundings(CINE, view, np.ones(1))[0]
    image = np.broadcast_to(static, (params.n_frames, MATRIX, MATRIX)).copy()
    if truth.pericardial_effusion:
        fluid = _ellipse_cover(dy, dx, wall_a + EFFUSION_PX, wall_b + EFFUSION_PX)
        image = _paint(image, fluid, CINE["fluid"])
    mitral = 0.8 * a_en  # from the cavity centre to the atrioventricular plane
    if view == "4ch":
        rv_dy, rv_dx = dy - 0.15 * a_en, dx + (b_en + left + 6.0)
        rv_a, rv_b = 0.8 * a_en, 6.5 * (1.0 - 0.3 * f)
        image = _paint(image, _ellipse_cover(rv_dy, rv_dx, rv_a + 1.2, rv_b + 1.2), CINE["myo"])
        image = _paint(image, _ellipse_cover(rv_dy, rv_dx, rv_a, rv_b), CINE["blood"])
        rv_loss = np.pi * rv_a * (6.5 - rv_b)
        ra_radius = 6.0 * np.sqrt(1.0 + ATRIAL_SHARE * rv_loss / (np.pi * 36.0))
        ra_dy = dy - (mitral + ra_radius)
        image = _paint(image, _cover(ra_radius, np.hypot(ra_dy, rv_dx)), CINE["blood"])
    if view == "3ch":
        # the aortic root leaves the base on the septal (anterior) side, in front of the LA
        aorta_dy, aorta_dx = dy - 0.55 * a_en, dx + (b_en + left + 4.0)
        image = _paint(image, _ellipse_cover(aorta_dy, aorta_dx, 0.45 * a_en, 4.0), CINE["blood"])
    image = _paint(image, _ellipse_cover(dy, dx, wall_a, wall_b), CINE["myo"])
    image = _paint(image, _ellipse_cover(dy, dx, a, b), CINE["blood"])
    la_a0, la_b0 = 5.5, 0.8 * b_en
    lv_loss = np.pi * a_en * b_en * (1.0 - size**2)
    la_growth = 1.0 + ATRIAL_SHARE * lv_loss / (np.pi * la_a0 * la_b0)  # area factor
    la_a, la_b = la_a0 * la_growth**0.25, la_b0 * la_growth**0.75
    image = _paint(image, _ellipse_cover(dy - (mitral + la_a), dx, la_a, la_b), CINE["blood"])
    if truth.lvot_obstruction and view == "3ch":
        # systolic flow void below the aortic valve while the LVOT is obstructed
        void = _ellipse_cover(dy - 0.6 * a_en, dx + 0.5 * b_en, 3.0, 2.5)
        image = _paint(image, void * (f > 0.35), CINE["void"])
    if truth.thrombus:
        # at the apex of the cavity at end-systole
        blob = np.hypot(dy + a_en * es_size - THROMBUS_RADIUS_PX - 1.0, dx)
        image = _paint(image, _cover(THROMBUS_RADIUS_PX, blob), CINE["thrombus"])
    image *= _body_layers()[0]  # nothing shows outside the body
    return np.moveaxis(image, 0, -1)[:, :, None, :]


def _finish(image: np.ndarray, sequence: str, rng: np.random.Generator) -> np.ndarray:
    """Add seeded noise inside the body outline and quantise to uint8."""
    body = _body_layers()[0] > 0
    noise = rng.standard_normal(image.shape, dtype=np.float32)
    noise *= np.float32(NOISE_SD[sequence])
    noise *= body.reshape(body.shape + (1,) * (image.ndim - 2))
    noise += image
    return np.clip(np.rint(noise), 0, 255).astype(np.uint8)


def build_phantom(case: SampleCase, key: SeriesKey, *, seed: int = 0) -> Phantom:
    """Draw one series of a sample study, without writing it.

    Args:
        case: The sample case (its truth decides what is drawn).
        key: Which series, e.g. ``"cine_sax"`` or ``"lge_sax"``.
        seed: Global seed; the same (case, key, seed) gives the same array.

    Returns:
        The phantom: uint8 drawing, its oblique affine, a JSON-ready truth dict
        indexed like the drawing, and the study's storage order.

    Raises:
        ValueError: If the study does not have that series.
    """
    if key not in case.truth.series:
        raise ValueError(f"{case.study_id} has no {key} series")
    truth = case.truth
    params = study_params(case, seed)
    sequence, view = series_kind(key)
    rng = np.random.default_rng(_seed_for(seed, case.study_id, key))
    record: dict[str, Any] = {
        "sequence": sequence,
        "view": view,
        "ed_frame": None,
        "es_frame": None,
        "peak_frame": None,
        "slice_order": "base_first" if view == "sax" else None,
        "lv_slices": None,
        "lesions": [],
        "thrombus": truth.thrombus,
        "pericardial_effusion": truth.pericardial_effusion,
    }
    frame_ms = params.rr_ms / params.n_frames
    slice_mm = SLICE_MM
    lv_first = params.n_above
    lv_slices = [lv_first, lv_first + params.n_slices - 1]
    if key == "cine_sax":
        image, shape = _cine_sax(truth, params)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lvef_drawn"] = round(
            100.0 * _ejection_fraction(shape.endo, shape.motion, shape.contraction), 2
        )
        record["max_wall_thickness_mm_drawn"] = round(
            float((shape.epi - shape.endo).max()) * PIXEL_MM, 2
        )
        affine = sax_affine(params, first_lv_slice=lv_first)
    elif sequence == "cine":
        shape = lv_shape(truth, params.n_slices)
        direction = long_axis_direction_rc(params.geometry, view)
        image = _long_axis(truth, params, view, shape, direction)
        center = long_axis_center_rc(direction)
        a_en, b_en = long_axis_semi_axes(truth, shape)
        record["lv_axis_rc"] = {
            "base": [round(c - a_en * d, 3) for c, d in zip(center, direction, strict=True)],
            "apex": [round(c + a_en * d, 3) for c, d in zip(center, direction, strict=True)],
            "half_width": round(b_en, 3),
        }
        cavity_centre = np.array(params.geometry.base_centre) + a_en * PIXEL_MM * np.array(
            params.geometry.long_axis
        )
        affine = _oblique_affine(
            view_axes(params.geometry, view), SLICE_MM, center, 0.0, cavity_centre
        )
    elif sequence in ("lge", "t2"):
        palette, lesions = (LGE, truth.lge) if sequence == "lge" else (T2, truth.t2_edema)
        image, shape = _static_sax(truth, params, palette, lesions)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lesions"] = [_region_truth(sequence, r, params.n_slices, lv_first) for r in lesions]
        affine = sax_affine(params, first_lv_slice=lv_first)
    else:
        image, shape, peak = _perfusion(truth, params)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lesions"] = [_region_truth("perfusion", r, 3, 0) for r in truth.perfusion_defects]
        record["peak_frame"] = peak
        frame_ms = params.rr_ms
        lv_length_mm = (params.n_slices - 1) * SLICE_MM / SAX_SPAN
        slice_mm = round(float(PERFUSION_POSITIONS[1] - PERFUSION_POSITIONS[0]) * lv_length_mm, 3)
        lv_slices = [0, 2]
        affine = sax_affine(
            params,
            first_lv_slice=0,
            slice_mm=slice_mm,
            start_mm=float(PERFUSION_POSITIONS[0]) * lv_length_mm,
        )
    if sequence == "cine":
        record["ed_frame"], record["es_frame"] = params.ed_frame, params.es_frame
    if view == "sax":
        record["lv_slices"] = lv_slices
    array = _finish(image, sequence, rng)
    spacing = [PIXEL_MM, PIXEL_MM, slice_mm] + ([frame_ms] if array.ndim == 4 else [])
    record["shape"] = list(array.shape)
    record["spacing"] = [round(s, 4) for s in spacing]
    storage = study_storage(case)
    if view != "sax":
        storage = StorageOrder(storage.transpose, storage.flip_rows, storage.flip_cols)
    return Phantom(array, affine, record, storage)


def store(phantom: Phantom, storage: StorageOrder) -> StoredSeries:
    """A phantom as a file in a given storage order holds it.

    Args:
        phantom: The drawn phantom.
        storage: The storage order (e.g. ``phantom.storage``, what the sample writer uses).

    Returns:
        The stored array and affine (same world position for every voxel), and
        the truth with the file's slice indices: ``slice_order`` becomes
        ``apex_first`` and ``lv_slices``, lesion ``z_ranges`` and the per-slice
        ``r_endo_px`` / ``r_epi_px`` are re-indexed when the slices are
        reversed; ``shape`` and ``spacing`` are the file's; ``storage`` records
        the in-plane order. Rows, columns and angles stay those of the displayed image.
    """
    array, affine = storage.store(phantom.array, phantom.affine)
    record = copy.deepcopy(phantom.truth)
    n_slices = phantom.array.shape[2]
    if storage.apex_first and record["view"] == "sax":
        record["slice_order"] = "apex_first"
        first, last = record["lv_slices"]
        record["lv_slices"] = [n_slices - 1 - last, n_slices - 1 - first]
        for lesion in record["lesions"]:
            lesion["z_ranges"] = sorted(
                [n_slices - stop, n_slices - start] for start, stop in lesion["z_ranges"]
            )
        geometry = record["myocardium"]
        geometry["r_endo_px"] = geometry["r_endo_px"][::-1]
        geometry["r_epi_px"] = geometry["r_epi_px"][::-1]
    if storage.transpose:
        for name in ("shape", "spacing"):
            record[name][0], record[name][1] = record[name][1], record[name][0]
    record["storage"] = storage.in_plane()
    return StoredSeries(array, affine, record, storage)


def encode_nifti_gz(
    phantom: Phantom, *, storage: StorageOrder | None = None, flipped: bool = False
) -> bytes:
    """Serialise a phantom to gzipped NIfTI-1 bytes, byte-identical for the same phantom.

    nibabel's own ``.nii.gz`` writer stamps the gzip header with the current
    time, which would change the file hash on every run; here the gzip
    stream is made with ``mtime=0`` instead.

    Args:
        phantom: The phantom to write.
        storage: The storage order; by default the drawing as drawn (the sample
            writer passes ``phantom.storage``).
        flipped: Store it with the first axis reversed, the same as
            ``storage=StorageOrder(flip_rows=True)``.

    Returns:
        The ``.nii.gz`` file content.

    Raises:
        ValueError: If both ``storage`` and ``flipped`` are given.
    """
    if storage is not None and flipped:
        raise ValueError("give either storage or flipped=True, not both")
    stored = store(phantom, storage or StorageOrder(flip_rows=flipped))
    image = nib.Nifti1Image(stored.array, stored.affine)
    header = image.header
    header.set_data_dtype(np.uint8)
    header.set_zooms(tuple(stored.truth["spacing"]))
    header.set_xyzt_units(xyz="mm", t="msec" if stored.array.ndim == 4 else "unknown")
    header["descrip"] = DESCRIP
    image.set_qform(stored.affine, code=1)
    image.set_sform(stored.affine, code=1)
    return gzip.compress(image.to_bytes(), compresslevel=3, mtime=0)
