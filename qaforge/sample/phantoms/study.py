"""A study's acquisition choices, drawn once from the seed and shared by its series.

Slices above and below the LV, frames per cycle and the ED and ES frames,
the R-R interval, the LV centre, the bolus delay and the heart's geometry;
and the short-axis stack's affine that follows from them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from qaforge.sample.cases import SampleCase
from qaforge.sample.phantoms.geometry import (
    SLICE_MM,
    HeartGeometry,
    oblique_affine,
    random_heart_geometry,
    view_axes,
)


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


def seed_for(seed: int, *parts: str) -> np.random.SeedSequence:
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


def study_params(case: SampleCase, seed: int = 0) -> StudyParams:
    """Draw the acquisition choices of a study.

    Args:
        case: The sample case.
        seed: Global seed of the sample.

    Returns:
        The study parameters; the same for the same (case, seed).
    """
    rng = np.random.default_rng(seed_for(seed, case.study_id, "study"))
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
        geometry=random_heart_geometry(rng),
    )


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
    return oblique_affine(axes, slice_mm, params.center_rc, first_lv_slice, anchor)
