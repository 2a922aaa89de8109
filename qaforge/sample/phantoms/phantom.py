"""Drawing one series of a sample study: the phantom, its affine and its truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from qaforge.sample.cases import CaseTruth, SampleCase, SeriesKey, series_kind
from qaforge.sample.phantoms.anatomy import (
    PERFUSION_POSITIONS,
    SAX_SPAN,
    ejection_fraction,
    long_axis_center_rc,
    long_axis_semi_axes,
    lv_shape,
)
from qaforge.sample.phantoms.drawing import LGE, T2, noisy_uint8
from qaforge.sample.phantoms.geometry import (
    PIXEL_MM,
    SLICE_MM,
    long_axis_direction_rc,
    oblique_affine,
    view_axes,
)
from qaforge.sample.phantoms.long_axis import draw_long_axis
from qaforge.sample.phantoms.short_axis import draw_cine_sax, draw_perfusion, draw_static_sax
from qaforge.sample.phantoms.storage import StorageOrder, study_storage
from qaforge.sample.phantoms.study import StudyParams, sax_affine, seed_for, study_params
from qaforge.sample.phantoms.truth import geometry_truth, region_truth


class Phantom(NamedTuple):
    """A phantom series before it is written.

    Attributes:
        array: The drawing (see the package docstring), uint8, (H, W, Z) or (H, W, Z, T).
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


@dataclass
class _DrawnSeries:
    """One series as drawn, before noise: float image, affine and its own truth fields.

    Attributes:
        image: Float drawing (H, W, Z) or (H, W, Z, T).
        affine: Its 4x4 voxel-to-world matrix.
        record: Truth fields of this kind of series, in the order they are recorded.
        frame_ms: Time between frames.
        slice_mm: Distance between slices.
        lv_slices: ``[first, last]`` drawn slice holding LV (short axis).
    """

    image: np.ndarray
    affine: np.ndarray
    record: dict[str, Any]
    frame_ms: float
    slice_mm: float = SLICE_MM
    lv_slices: list[int] = field(default_factory=list)


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
    rng = np.random.default_rng(seed_for(seed, case.study_id, key))
    record = _common_truth(truth, sequence, view)
    if key == "cine_sax":
        drawn = _cine_sax_series(truth, params)
    elif sequence == "cine":
        drawn = _long_axis_series(truth, params, view)
    elif sequence in ("lge", "t2"):
        drawn = _static_sax_series(truth, params, sequence)
    else:
        drawn = _perfusion_series(truth, params)
    record.update(drawn.record)
    if sequence == "cine":
        record["ed_frame"], record["es_frame"] = params.ed_frame, params.es_frame
    if view == "sax":
        record["lv_slices"] = drawn.lv_slices
    array = noisy_uint8(drawn.image, sequence, rng)
    spacing = [PIXEL_MM, PIXEL_MM, drawn.slice_mm] + ([drawn.frame_ms] if array.ndim == 4 else [])
    record["shape"] = list(array.shape)
    record["spacing"] = [round(s, 4) for s in spacing]
    storage = study_storage(case)
    if view != "sax":
        storage = StorageOrder(storage.transpose, storage.flip_rows, storage.flip_cols)
    return Phantom(array, drawn.affine, record, storage)


def _common_truth(truth: CaseTruth, sequence: str, view: str) -> dict[str, Any]:
    """The truth fields every series records, with the per-series ones still empty."""
    return {
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


def _stack_lv_slices(params: StudyParams) -> list[int]:
    return [params.n_above, params.n_above + params.n_slices - 1]


def _cine_sax_series(truth: CaseTruth, params: StudyParams) -> _DrawnSeries:
    """The short-axis cine stack, with the LVEF and wall thickness actually drawn."""
    image, shape = draw_cine_sax(truth, params)
    record = {
        "myocardium": geometry_truth(params.center_rc, shape),
        "lvef_drawn": round(
            100.0 * ejection_fraction(shape.endo, shape.motion, shape.contraction), 2
        ),
        "max_wall_thickness_mm_drawn": round(float((shape.epi - shape.endo).max()) * PIXEL_MM, 2),
    }
    affine = sax_affine(params, first_lv_slice=params.n_above)
    frame_ms = params.rr_ms / params.n_frames
    return _DrawnSeries(image, affine, record, frame_ms, lv_slices=_stack_lv_slices(params))


def _long_axis_series(truth: CaseTruth, params: StudyParams, view: str) -> _DrawnSeries:
    """A long-axis cine, with the drawn base, apex and half width of the LV cavity."""
    shape = lv_shape(truth, params.n_slices)
    direction = long_axis_direction_rc(params.geometry, view)
    image = draw_long_axis(truth, params, view, shape, direction)
    center = long_axis_center_rc(direction)
    a_en, b_en = long_axis_semi_axes(truth, shape)
    record = {
        "lv_axis_rc": {
            "base": [round(c - a_en * d, 3) for c, d in zip(center, direction, strict=True)],
            "apex": [round(c + a_en * d, 3) for c, d in zip(center, direction, strict=True)],
            "half_width": round(b_en, 3),
        }
    }
    cavity_centre = np.array(params.geometry.base_centre) + a_en * PIXEL_MM * np.array(
        params.geometry.long_axis
    )
    affine = oblique_affine(view_axes(params.geometry, view), SLICE_MM, center, 0.0, cavity_centre)
    return _DrawnSeries(image, affine, record, params.rr_ms / params.n_frames)


def _static_sax_series(truth: CaseTruth, params: StudyParams, sequence: str) -> _DrawnSeries:
    """An LGE or T2 short-axis stack, with its lesions."""
    palette, lesions = (LGE, truth.lge) if sequence == "lge" else (T2, truth.t2_edema)
    image, shape = draw_static_sax(truth, params, palette, lesions)
    lv_first = params.n_above
    record = {
        "myocardium": geometry_truth(params.center_rc, shape),
        "lesions": [region_truth(sequence, r, params.n_slices, lv_first) for r in lesions],
    }
    affine = sax_affine(params, first_lv_slice=lv_first)
    frame_ms = params.rr_ms / params.n_frames
    return _DrawnSeries(image, affine, record, frame_ms, lv_slices=_stack_lv_slices(params))


def _perfusion_series(truth: CaseTruth, params: StudyParams) -> _DrawnSeries:
    """First-pass perfusion: three slices, one frame per heartbeat, with its defects."""
    image, shape, peak = draw_perfusion(truth, params)
    record = {
        "myocardium": geometry_truth(params.center_rc, shape),
        "lesions": [region_truth("perfusion", r, 3, 0) for r in truth.perfusion_defects],
        "peak_frame": peak,
    }
    lv_length_mm = (params.n_slices - 1) * SLICE_MM / SAX_SPAN
    slice_mm = round(float(PERFUSION_POSITIONS[1] - PERFUSION_POSITIONS[0]) * lv_length_mm, 3)
    affine = sax_affine(
        params,
        first_lv_slice=0,
        slice_mm=slice_mm,
        start_mm=float(PERFUSION_POSITIONS[0]) * lv_length_mm,
    )
    return _DrawnSeries(image, affine, record, params.rr_ms, slice_mm, lv_slices=[0, 2])
