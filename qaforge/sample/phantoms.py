"""Synthetic CMR phantoms: small, deterministic NIfTI series that agree with a case's truth.

Angle convention (used for every short-axis image, the truth records and the
tests): the array is indexed ``data[row, col, z, t]`` (NIfTI axes i, j, k, t)
and shown with row 0 at the top and column 0 on the left, as
``matplotlib.pyplot.imshow(data[:, :, z, t])`` does. About the LV centre
``(row_c, col_c)`` the angle of a pixel is measured in degrees clockwise from
the top of the image::

    theta = degrees(arctan2(col - col_c, -(row - row_c))) mod 360

so anterior is at the top (0 deg), lateral on the viewer's right (90 deg),
inferior at the bottom (180 deg) and the septum on the viewer's left
(270 deg, where the RV sits). The six walls are 60-degree sectors
``[start, end)``: anterior 330-30, anterolateral 30-90, inferolateral 90-150,
inferior 150-210, inferoseptal 210-270, anteroseptal 270-330; the coarse
``septal`` is 210-330 and ``lateral`` 30-150. Slice 0 is the base; the
levels are the thirds of the slice stack (``numpy.array_split(range(Z), 3)``:
basal, mid, apical). Depth inside the wall is 0 at the endocardium and 1 at
the epicardium: subendocardial 0-0.5, midwall 1/3-2/3, subepicardial 2/3-1,
transmural 0-1, diffuse 0-0.5 in every wall given.

The convention holds for the array of a file whose affine has a positive
x axis (as written by default). A file saved with ``flipped=True`` stores
the same image with the x axis reversed (data flipped along axis 0, affine
adjusted, so world geometry is unchanged): reorient it to the closest
canonical (RAS) orientation first, e.g. with ``nibabel.as_closest_canonical``.

The world geometry is not anatomical: every series has the diagonal affine
diag(2 mm, 2 mm, 8 mm) centred on the image; long-axis views are drawn with
the apex at the top of the image.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
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
CINE = {"tissue": 45, "blood": 235, "myo": 90, "fluid": 245, "thrombus": 40, "void": 70}
LGE = {"tissue": 45, "blood": 100, "myo": 12, "fluid": 60, "thrombus": 6, "lesion": 235}
T2 = {"tissue": 40, "blood": 15, "myo": 90, "fluid": 230, "thrombus": 55, "lesion": 200}
NOISE_SD = {"cine": 1.0, "lge": 1.5, "t2": 1.5, "perfusion": 1.0}

EFFUSION_PX = 2.5
THROMBUS_RADIUS_PX = 2.25
RV_WIDTH_PX = 7.0


class Phantom(NamedTuple):
    """A phantom series before it is written.

    Attributes:
        array: Voxel data, uint8, (H, W, Z) or (H, W, Z, T).
        affine: 4x4 voxel-to-world matrix (mm).
        truth: What was drawn: frames, geometry, lesions (JSON-ready).
    """

    array: np.ndarray
    affine: np.ndarray
    truth: dict[str, Any]


@dataclass(frozen=True)
class StudyParams:
    """Per-study acquisition choices, drawn once from the seed and shared by its series.

    Attributes:
        n_slices: Short-axis slices (6 to 8).
        n_frames: Cine frames per cycle (16, 18 or 20).
        ed_frame: End-diastolic cine frame.
        es_frame: End-systolic cine frame (35-40 % of the cycle after ED).
        rr_ms: R-R interval in ms.
        center_rc: LV centre (row, col) in short-axis images.
        perfusion_shift: Frames by which the perfusion bolus arrives late (0-2).
    """

    n_slices: int
    n_frames: int
    ed_frame: int
    es_frame: int
    rr_ms: float
    center_rc: tuple[float, float]
    perfusion_shift: int


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


def study_params(case: SampleCase, seed: int = 0) -> StudyParams:
    """Draw the acquisition choices of a study.

    Args:
        case: The sample case.
        seed: Global seed of the sample.

    Returns:
        The study parameters; the same for the same (case, seed).
    """
    rng = np.random.default_rng(_seed_for(seed, case.study_id, "study"))
    n_frames = int(rng.choice([16, 18, 20]))
    ed = int(rng.integers(0, n_frames))
    offsets = [k for k in range(n_frames) if 0.35 <= k / n_frames <= 0.40]
    es_offset = int(rng.choice(offsets))
    return StudyParams(
        n_slices=int(rng.integers(6, 9)),
        n_frames=n_frames,
        ed_frame=ed,
        es_frame=(ed + es_offset) % n_frames,
        rr_ms=float(rng.integers(800, 1001)),
        center_rc=(float(rng.integers(31, 34)), float(rng.integers(33, 36))),
        perfusion_shift=int(rng.integers(0, 3)),
    )


def level_slices(n_slices: int) -> dict[str, range]:
    """Map each level to its slice range: the thirds of the stack, base first.

    Args:
        n_slices: Number of short-axis slices.

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
    """Long-axis positions (0 base, 0.9 near the apex) of a cine/LGE/T2 short-axis stack."""
    return np.linspace(0.0, 0.9, n_slices)


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


def _region_truth(kind: str, region: Region, n_slices: int) -> dict[str, Any]:
    """The JSON record of a drawn lesion."""
    return {
        "kind": kind,
        "levels": list(region.levels),
        "walls": list(region.walls),
        "pattern": region.pattern,
        "z_ranges": _z_ranges(_level_mask(region.levels, n_slices)),
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


def _static_sax(
    truth: CaseTruth, params: StudyParams, palette: dict[str, int], lesions: tuple[Region, ...]
) -> tuple[np.ndarray, LvShape]:
    """An end-diastolic short-axis stack (LGE or T2) with bright lesions, float (H, W, Z)."""
    grid = _grid(params.center_rc)
    shape = lv_shape(truth, params.n_slices)
    endo, epi = _radii_at(shape.endo, grid), _radii_at(shape.epi, grid)
    z = params.n_slices
    scale = 1.0 - 0.55 * sax_positions(z)
    image = np.broadcast_to(grid.body * palette["tissue"], (z, MATRIX, MATRIX)).copy()
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
    return np.moveaxis(image, 0, -1), shape


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
    image = np.broadcast_to(grid.body * CINE["tissue"], (z, t, MATRIX, MATRIX)).copy()
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
    return np.moveaxis(image, (0, 1), (2, 3)), shape


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


def _perfusion(truth: CaseTruth, params: StudyParams) -> tuple[np.ndarray, LvShape, int]:
    """First-pass perfusion, float (H, W, 3, T): basal, mid and apical slices."""
    grid = _grid(params.center_rc)
    positions = np.array([0.15, 0.45, 0.75])
    shape = lv_shape(truth, 3, positions)
    endo, epi = _radii_at(shape.endo, grid), _radii_at(shape.epi, grid)
    curves = perfusion_curves(params.perfusion_shift)
    defect = np.zeros((3, MATRIX, MATRIX), dtype=bool)
    for region in truth.perfusion_defects:
        defect |= _region_mask(region, 3, grid, endo, epi)
    myo_gain = np.where(defect, 0.3, 1.0)[:, None]  # (3, 1, H, W) against (T,) curves below
    tissue = grid.body * 25.0
    lv = (30.0 + 190.0 * curves["lv"])[None, :, None, None]
    rv = (30.0 + 200.0 * curves["rv"])[None, :, None, None]
    myo = 35.0 + 100.0 * curves["myo"][None, :, None, None] * myo_gain
    image = np.broadcast_to(tissue, (3, PERFUSION_FRAMES, MATRIX, MATRIX)).copy()
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


def _long_axis(truth: CaseTruth, params: StudyParams, view: str, shape: LvShape) -> np.ndarray:
    """A long-axis cine (H, W, 1, T): an elongated LV, apex at the top, atria below."""
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    f = cycle_fraction(params.n_frames, params.ed_frame, params.es_frame)[:, None, None]
    f = f.astype(np.float32)
    es_size = np.sqrt(1.0 - truth.lvef / 100.0)
    size = 1.0 - (1.0 - es_size) * f  # both axes shrink, so the cavity area follows the LVEF
    b_en = float(shape.endo[0, 0])
    a_en = 1.5 * b_en
    septal = float(shape.epi[0, 270] - shape.endo[0, 270])
    lateral = float(shape.epi[0, 90] - shape.endo[0, 90])
    left, right = (septal, lateral) if view in ("4ch", "3ch") else (lateral, lateral)
    r0, c0 = 30.0, 34.0
    dy, dx = rows - r0, cols - c0
    a, b = a_en * size, b_en * size
    # wall area is kept: the wall thickens as the cavity shrinks
    grow_left = np.sqrt((b_en + left) ** 2 - b_en**2 + b**2) - b
    grow_right = np.sqrt((b_en + right) ** 2 - b_en**2 + b**2) - b
    wall_b = np.where(cols < c0, b + grow_left, b + grow_right)
    wall_a = a + 0.5 * (grow_left + grow_right)
    body = _ellipse_cover(rows - (MATRIX - 1) / 2, cols - (MATRIX - 1) / 2, 29.0, 31.0)
    image = np.broadcast_to(body * CINE["tissue"], (params.n_frames, MATRIX, MATRIX)).copy()
    if truth.pericardial_effusion:
        fluid = _ellipse_cover(dy, dx, wall_a + EFFUSION_PX, wall_b + EFFUSION_PX)
        image = _paint(image, fluid, CINE["fluid"])
    if view == "4ch":
        rv_dy, rv_dx = rows - (r0 + 0.15 * a_en), cols - (c0 - b_en - left - 6.0)
        rv_a, rv_b = 0.8 * a_en, 6.5 * (1.0 - 0.3 * f)
        image = _paint(image, _ellipse_cover(rv_dy, rv_dx, rv_a + 1.2, rv_b + 1.2), CINE["myo"])
        image = _paint(image, _ellipse_cover(rv_dy, rv_dx, rv_a, rv_b), CINE["blood"])
        ra_dy = rows - (r0 + 0.8 * a_en + 6.0)
        image = _paint(image, _ellipse_cover(ra_dy, rv_dx, 6.0, 6.0), CINE["blood"])
    if view == "3ch":
        aorta_dy, aorta_dx = rows - (r0 + 0.55 * a_en), cols - (c0 + b_en + right + 4.0)
        image = _paint(image, _ellipse_cover(aorta_dy, aorta_dx, 0.45 * a_en, 4.0), CINE["blood"])
    image = _paint(image, _ellipse_cover(dy, dx, wall_a, wall_b), CINE["myo"])
    image = _paint(image, _ellipse_cover(dy, dx, a, b), CINE["blood"])
    atrium_dy = rows - (r0 + 0.8 * a_en + 7.0)
    image = _paint(image, _ellipse_cover(atrium_dy, dx, 7.0, 0.8 * b_en), CINE["blood"])
    if truth.lvot_obstruction and view == "3ch":
        # systolic flow void below the aortic valve while the LVOT is obstructed
        void = _ellipse_cover(rows - (r0 + 0.6 * a_en), cols - (c0 + 0.5 * b_en), 3.0, 2.5)
        image = _paint(image, void * (f > 0.35), CINE["void"])
    if truth.thrombus:
        top = r0 - a_en * es_size  # the apex of the cavity at end-systole
        blob = np.hypot(rows - (top + THROMBUS_RADIUS_PX + 1.0), cols - c0)
        image = _paint(image, _cover(THROMBUS_RADIUS_PX, blob), CINE["thrombus"])
    return np.moveaxis(image, 0, -1)[:, :, None, :]


def _affine(shape: tuple[int, ...]) -> np.ndarray:
    """Diagonal RAS affine (2, 2, 8 mm) with the volume centred on the world origin."""
    spacing = np.array([PIXEL_MM, PIXEL_MM, SLICE_MM])
    affine = np.diag([*spacing, 1.0])
    affine[:3, 3] = -spacing * (np.array(shape[:3]) - 1) / 2.0
    return affine


def _finish(image: np.ndarray, sequence: str, rng: np.random.Generator) -> np.ndarray:
    """Add seeded noise inside the body outline and quantise to uint8."""
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32) - (MATRIX - 1) / 2
    body = _ellipse_cover(rows, cols, 29.0, 31.0) > 0
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
        The phantom: uint8 array, affine and a JSON-ready truth dict.

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
        "lesions": [],
        "thrombus": truth.thrombus,
        "pericardial_effusion": truth.pericardial_effusion,
    }
    frame_ms = params.rr_ms / params.n_frames
    if key == "cine_sax":
        image, shape = _cine_sax(truth, params)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lvef_drawn"] = round(
            100.0 * _ejection_fraction(shape.endo, shape.motion, shape.contraction), 2
        )
        record["max_wall_thickness_mm_drawn"] = round(
            float((shape.epi - shape.endo).max()) * PIXEL_MM, 2
        )
    elif sequence == "cine":
        shape = lv_shape(truth, params.n_slices)
        image = _long_axis(truth, params, view, shape)
    elif sequence in ("lge", "t2"):
        palette, lesions = (LGE, truth.lge) if sequence == "lge" else (T2, truth.t2_edema)
        image, shape = _static_sax(truth, params, palette, lesions)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lesions"] = [_region_truth(sequence, r, params.n_slices) for r in lesions]
    else:
        image, shape, peak = _perfusion(truth, params)
        record["myocardium"] = _geometry_truth(params.center_rc, shape)
        record["lesions"] = [_region_truth("perfusion", r, 3) for r in truth.perfusion_defects]
        record["peak_frame"] = peak
        frame_ms = params.rr_ms
    if sequence == "cine":
        record["ed_frame"], record["es_frame"] = params.ed_frame, params.es_frame
    array = _finish(image, sequence, rng)
    spacing = [PIXEL_MM, PIXEL_MM, SLICE_MM] + ([frame_ms] if array.ndim == 4 else [])
    record["shape"] = list(array.shape)
    record["spacing"] = [round(s, 4) for s in spacing]
    return Phantom(array, _affine(array.shape), record)


def flip_x(array: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reverse the x (first) voxel axis and adjust the affine so world geometry is unchanged.

    Args:
        array: Voxel data, x first.
        affine: Its 4x4 affine.

    Returns:
        (flipped array, adjusted affine).
    """
    flip = np.eye(4)
    flip[0, 0] = -1.0
    flip[0, 3] = array.shape[0] - 1
    return np.ascontiguousarray(array[::-1]), affine @ flip


def encode_nifti_gz(phantom: Phantom, *, flipped: bool = False) -> bytes:
    """Serialise a phantom to gzipped NIfTI-1 bytes, byte-identical for the same phantom.

    nibabel's own ``.nii.gz`` writer stamps the gzip header with the current
    time, which would change the file hash on every run; here the gzip
    stream is made with ``mtime=0`` instead.

    Args:
        phantom: The phantom to write.
        flipped: Store it with the x axis reversed (see :func:`flip_x`).

    Returns:
        The ``.nii.gz`` file content.
    """
    array, affine = phantom.array, phantom.affine
    if flipped:
        array, affine = flip_x(array, affine)
    image = nib.Nifti1Image(array, affine)
    header = image.header
    header.set_data_dtype(np.uint8)
    header.set_zooms(tuple(phantom.truth["spacing"]))
    header.set_xyzt_units(xyz="mm", t="msec" if array.ndim == 4 else "unknown")
    header["descrip"] = DESCRIP
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    return gzip.compress(image.to_bytes(), compresslevel=3, mtime=0)
