"""The drawn heart's anatomy and motion: walls, levels, LV shape, cardiac cycle, bolus.

Angles, sectors and depth bands follow the drawing convention of the
package docstring; radii are in pixels of the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qaforge.sample.cases import LEVELS, CaseTruth, WallMotion
from qaforge.sample.phantoms.geometry import MATRIX, PIXEL_MM
from qaforge.sample.phantoms.study import StudyParams

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
PERFUSION_FRAMES = 30


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
    """Whether angles (degrees, the drawing convention) fall in ``[start, end)`` going clockwise.

    Args:
        theta: Angles in degrees.
        sector: (start, end) in degrees; may wrap through 0.

    Returns:
        Boolean array of the same shape.
    """
    start, end = sector
    return np.mod(theta - start, 360.0) < np.mod(end - start, 360.0)


def wall_mask(walls: tuple[str, ...]) -> np.ndarray:
    """Boolean (360,) mask of the degree bins (bin centres) covered by any of the walls."""
    centres = np.arange(ANGLE_BINS) + 0.5
    mask = np.zeros(ANGLE_BINS, dtype=bool)
    for wall in walls:
        mask |= in_sector(centres, WALL_SECTORS[wall])
    return mask


def level_mask(levels: tuple[str, ...], n_slices: int) -> np.ndarray:
    """Boolean (Z,) mask of the slices at the given levels."""
    ranges = level_slices(n_slices)
    mask = np.zeros(n_slices, dtype=bool)
    for level in levels:
        mask[list(ranges[level])] = True
    return mask


def z_ranges(mask: np.ndarray) -> list[list[int]]:
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
        rows = level_mask(abnormality.levels, n_slices)
        cols = wall_mask(abnormality.walls)
        value = MOTION_WEIGHT[abnormality.kind]
        block = weights[np.ix_(rows, cols)]
        weights[np.ix_(rows, cols)] = np.minimum(block, value)
    kernel = np.ones(21) / 21.0
    padded = np.concatenate([weights[:, -10:], weights, weights[:, :10]], axis=1)
    return np.stack([np.convolve(row, kernel, mode="valid") for row in padded])


def ejection_fraction(endo: np.ndarray, motion: np.ndarray, contraction: float) -> float:
    """Volume EF of the slice stack for a given contraction (area summed over slices)."""
    es = endo * (1.0 - contraction * motion)
    return float(1.0 - (es**2).sum() / (endo**2).sum())


def _solve_contraction(endo: np.ndarray, motion: np.ndarray, lvef: float) -> float:
    """Bisect the endocardial shortening that gives the target LVEF (percent)."""
    target = lvef / 100.0
    low, high = 0.0, 0.95
    if ejection_fraction(endo, motion, high) < target:
        raise ValueError(f"LVEF {lvef} cannot be drawn with this wall motion")
    for _ in range(60):
        mid = (low + high) / 2.0
        if ejection_fraction(endo, motion, mid) < target:
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
