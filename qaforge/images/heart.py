"""What a cine's voxels say about the heart: cardiac phases, slice order, LV extent (pure).

Counting bright pixels over a whole long-axis image hardly moves over the
cycle (the atria fill while the ventricles empty) and is dominated by
tissue outside the heart, so these estimates look only at the heart and
separate the ventricles from the atria:

1. **Heart region**: the disk of radius 60 mm around the maximum of the
   smoothed temporal standard deviation (the heart is what moves).
2. **Ventricle signal**: inside it, the first temporal mode of the moving
   pixels (SVD) splits them into two groups moving in opposite phase:
   ventricles (blood at end-diastole, wall at end-systole) and atria (the
   other way round). Each group's blood content per frame is the sum of
   its blood fractions (intensity between half and one Otsu threshold of
   the region, mapped to 0..1).
3. **Which group is the ventricle**: on short-axis stacks the group with the
   larger swing (the stack cuts the ventricles, the atria only at the base);
   on long-axis views the group whose emptying (systole) is shorter than its
   filling (diastole), as in every heart at rest; the swing only breaks
   near-ties there, since the atria of a long-axis plane can swing as much
   as the ventricles.
4. **ED** is the frame of largest ventricular blood; when the frame timing
   is known (a plausible frame interval in the header, or trigger times in a
   sidecar) the cine is ECG-gated from the R wave, and the trigger frame is
   taken when it lies on the end-diastolic plateau (within the noise of the
   maximum), since ED is defined by the R wave. **ES** is the last frame
   within the noise of the smallest: the cavity stays smallest through
   isovolumic relaxation, and readers mark the last frame before filling.
5. **Slice order and LV extent** (short-axis stacks with two or more
   phases, including an ED and an ES file of one stack): per slice, the
   ventricular emptying (blood at ED that is wall at ES) and the atrial
   filling (the reverse). The LV slices are the contiguous run where
   emptying exceeds filling by 15 % of the largest emptying; the base is
   the end of the stack where the two together are larger (atria, outflow
   tracts and the widest ventricle lie there). Without motion the slice
   order comes from the affine alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import ndimage

from qaforge.images.display import APEX_TO_BASE

SliceOrder = Literal["base_first", "apex_first"]
HEART_RADIUS_MM = 60.0
SMOOTHING_MM = 10.0
MOVING_PERCENTILE = 60.0
GROUP_CORRELATION = 0.5
NOISE_FLOOR = (
    0.03  # 3 % of the swing: the frame-to-frame jitter of real cines (through-plane motion, flow)
)
LV_MOTION_SHARE = 0.15
ORDER_EVIDENCE_RATIO = 1.25
FRAME_INTERVAL_MS = (5.0, 150.0)


@dataclass(frozen=True)
class CardiacPhases:
    """End-diastole and end-systole of a cine, and how they were found.

    Attributes:
        ed_frame: End-diastolic frame (index of the 4th axis as stored).
        es_frame: End-systolic frame.
        method: ``ventricle-signal``, ``ventricle-signal+trigger`` or ``single-frame``.
        confidence: 0..1: how clearly the ventricle signal and its sign were found.
        curve: The ventricular blood signal per frame, scaled to 0..1 (empty
            for a single frame).
    """

    ed_frame: int
    es_frame: int
    method: str
    confidence: float
    curve: tuple[float, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class SliceGeometry:
    """Where the base is and which slices hold LV, for a short-axis stack.

    Attributes:
        slice_order: ``base_first`` (slice 0 at the base) or ``apex_first``.
        method: ``images`` (motion along the stack) or ``affine``.
        lv_slices: ``(first, last)`` file slice indices holding LV, or None when unknown.
        notes: Disagreements worth a reader's look (e.g. header vs images).
    """

    slice_order: SliceOrder
    method: str
    lv_slices: tuple[int, int] | None
    notes: tuple[str, ...] = ()


def frame_interval_ms(time_spacing: float, time_unit: str) -> float | None:
    """The frame interval in ms when the header gives a plausible one, else None.

    Args:
        time_spacing: The header's spacing of the 4th axis.
        time_unit: nibabel's time unit (``sec``, ``msec``, ``usec`` or ``unknown``).

    Returns:
        The interval in ms if it lies within 5..150 ms (an unknown unit is
        tried as seconds, then as ms), else None: many files carry 1.0 as a
        placeholder.
    """
    scales = {"sec": (1000.0,), "msec": (1.0,), "usec": (0.001,)}.get(time_unit, (1000.0, 1.0))
    low, high = FRAME_INTERVAL_MS
    for scale in scales:
        interval = float(time_spacing) * scale
        if low <= interval <= high:
            return interval
    return None


def heart_region(cine: np.ndarray, pixel_mm: float) -> np.ndarray:
    """The in-plane disk where the heart moves.

    Args:
        cine: ``(rows, cols, slices, frames)`` with at least 2 frames.
        pixel_mm: In-plane pixel size.

    Returns:
        A boolean ``(rows, cols)`` mask.
    """
    # slice by slice: a whole-volume std makes float32 temporaries of twice the volume
    motion = np.stack(
        [cine[:, :, z, :].std(axis=2, dtype=np.float32) for z in range(cine.shape[2])], axis=2
    ).mean(axis=2)
    smooth = ndimage.gaussian_filter(motion, SMOOTHING_MM / pixel_mm)
    row, col = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    rows, cols = np.indices(smooth.shape)
    return np.hypot(rows - row, cols - col) * pixel_mm < HEART_RADIUS_MM


def otsu_threshold(values: np.ndarray) -> float:
    """Otsu's threshold of a sample (the split that maximises between-class variance).

    Hand-written (16 lines) rather than taking scikit-image for one function.
    """
    counts, edges = np.histogram(values, bins=256)
    centres = (edges[:-1] + edges[1:]) / 2.0
    weight = np.cumsum(counts).astype(np.float64)
    mass = np.cumsum(counts * centres)
    total_weight, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight / total_weight - mass) ** 2 / (
            weight * (total_weight - weight)
        )
    return float(centres[int(np.nanargmax(between))])


def _blood_fraction(values: np.ndarray, threshold: float) -> np.ndarray:
    return np.clip((values - 0.5 * threshold) / threshold, 0.0, 1.0)


def _scaled(curve: np.ndarray) -> np.ndarray:
    span = float(curve.max() - curve.min())
    return (curve - curve.min()) / span if span > 0 else np.zeros_like(curve)


@dataclass(frozen=True)
class _Groups:
    curves: dict[int, np.ndarray]
    swings: dict[int, float]


def _opposed_groups(cine: np.ndarray, region: np.ndarray) -> _Groups | None:
    """Blood per frame of the two groups of moving pixels that move in opposite phase."""
    frames = cine.shape[3]
    pixels = cine[region].reshape(-1, frames).astype(np.float64)
    top = float(np.percentile(pixels, 99.0))
    if top <= 0:
        return None
    pixels /= top
    centred = pixels - pixels.mean(axis=1, keepdims=True)
    spread = centred.std(axis=1)
    if not np.any(spread > 0):
        return None
    # the first right singular vector, from the small frames x frames covariance
    _, vectors = np.linalg.eigh(centred.T @ centred)
    mode = vectors[:, -1] - vectors[:, -1].mean()
    norms = np.linalg.norm(centred, axis=1) * np.linalg.norm(mode)
    correlation = np.divide(centred @ mode, norms, out=np.zeros(len(norms)), where=norms > 0)
    moving = spread > np.percentile(spread, MOVING_PERCENTILE)
    threshold = otsu_threshold(pixels.ravel())
    curves, swings = {}, {}
    for sign in (1, -1):
        group = moving & (sign * correlation > GROUP_CORRELATION)
        blood = _blood_fraction(pixels[group], threshold).sum(axis=0)
        curves[sign] = blood
        swings[sign] = float(blood.max() - blood.min())
    if max(swings.values()) <= 0:
        return None
    return _Groups(curves, swings)


def _systolic_fraction(curve: np.ndarray) -> float:
    frames = len(curve)
    return ((int(np.argmin(curve)) - int(np.argmax(curve))) % frames) / frames


def _ventricle_sign(groups: _Groups, view: str) -> tuple[int, float]:
    """Which group is the ventricle, and the margin of that decision (0..1)."""
    swing_total = groups.swings[1] + groups.swings[-1]
    scores = {}
    for sign in (1, -1):
        swing_share = (groups.swings[sign] - groups.swings[-sign]) / swing_total
        shorter_systole = 0.5 - _systolic_fraction(groups.curves[sign])
        if view == "sax":
            scores[sign] = swing_share + 0.25 * shorter_systole
        else:
            scores[sign] = shorter_systole + 0.05 * swing_share  # swing only breaks near-ties
    sign = 1 if scores[1] >= scores[-1] else -1
    return sign, float(min(1.0, abs(scores[1] - scores[-1]) * 2.0))


def _noise(curve: np.ndarray) -> float:
    """Frame-to-frame noise of a 0..1 curve: the median deviation from its 3-frame mean."""
    if len(curve) < 3:
        return 0.0
    smooth = (np.roll(curve, 1) + curve + np.roll(curve, -1)) / 3.0
    return float(np.median(np.abs(curve - smooth)))


def _end_of_minimum(curve: np.ndarray, tolerance: float) -> int:
    """The last frame, going forward cyclically from the minimum, still within tolerance of it."""
    frames = len(curve)
    frame = int(np.argmin(curve))
    for _ in range(frames - 1):
        following = (frame + 1) % frames
        if curve[following] > curve.min() + tolerance:
            break
        frame = following
    return frame


def cardiac_phases(
    cine: np.ndarray,
    *,
    pixel_mm: float,
    view: str,
    trigger_frame: int | None = None,
) -> CardiacPhases:
    """End-diastolic and end-systolic frames of a cine series, from the heart.

    Args:
        cine: ``(rows, cols, slices, frames)``.
        pixel_mm: In-plane pixel size.
        view: ``sax``, ``2ch``, ``3ch`` or ``4ch``.
        trigger_frame: The frame at the ECG trigger when the timing is known
            (frame 0 of a gated cine with a real frame interval, or the frame
            of the smallest trigger time of a sidecar), else None.

    Returns:
        The phases, the method and a confidence. A single frame gives
        ``(0, 0)`` with method ``single-frame``; a cine without motion gives
        ``(0, 0)`` with confidence 0.
    """
    frames = cine.shape[3]
    if frames < 2:
        return CardiacPhases(0, 0, "single-frame", 1.0)
    groups = _opposed_groups(cine, heart_region(cine, pixel_mm))
    if groups is None:
        return CardiacPhases(0, 0, "no-motion", 0.0)
    sign, margin = _ventricle_sign(groups, view)
    curve = _scaled(groups.curves[sign])
    tolerance = max(NOISE_FLOOR, 3.0 * _noise(curve))
    ed, method = int(np.argmax(curve)), "ventricle-signal"
    if trigger_frame is not None and curve[trigger_frame] >= 1.0 - tolerance:
        ed, method = trigger_frame, "ventricle-signal+trigger"
    es = _end_of_minimum(curve, tolerance) if frames > 2 else int(np.argmin(curve))
    confidence = round(margin * float(np.clip(1.0 - 5.0 * _noise(curve), 0.0, 1.0)), 3)
    return CardiacPhases(ed, es, method, confidence, tuple(round(float(v), 4) for v in curve))


def affine_slice_order(affine: np.ndarray) -> SliceOrder:
    """Slice order from the header: does the slice index grow towards the base?"""
    slice_axis = np.asarray(affine, dtype=float)[:3, 2]
    return "apex_first" if float(slice_axis @ APEX_TO_BASE) > 0 else "base_first"


def slice_geometry(
    stack: np.ndarray,
    *,
    pixel_mm: float,
    affine: np.ndarray,
    ed_frame: int,
    es_frame: int,
) -> SliceGeometry:
    """Slice order and LV extent of a short-axis stack.

    Args:
        stack: ``(rows, cols, slices, frames)``; motion needs two frames (ED and ES).
        pixel_mm: In-plane pixel size.
        affine: The file's affine (for the header's slice order).
        ed_frame: End-diastolic frame.
        es_frame: End-systolic frame.

    Returns:
        The geometry; from the affine alone (LV extent unknown) when the stack
        has one slice or one frame, or ED equals ES.
    """
    by_header = affine_slice_order(affine)
    n_slices = stack.shape[2]
    if n_slices < 2 or stack.shape[3] < 2 or ed_frame == es_frame:
        return SliceGeometry(by_header, "affine", None)
    region = heart_region(stack[:, :, :, [ed_frame, es_frame]], pixel_mm)
    scale = float(np.percentile(stack[region], 99.0)) or 1.0
    change = (stack[:, :, :, ed_frame].astype(np.float64) - stack[:, :, :, es_frame]) / scale
    emptying = np.clip(change, 0.0, None)[region].sum(axis=0)
    filling = np.clip(-change, 0.0, None)[region].sum(axis=0)
    if emptying.max() <= 0:
        return SliceGeometry(by_header, "affine", None, ("no ventricular motion found",))
    lv_slices = _lv_run((emptying - filling) / emptying.max())
    third = max(1, n_slices // 3)
    motion = emptying + filling
    first, last = float(motion[:third].mean()), float(motion[-third:].mean())
    notes: list[str] = []
    if max(first, last) >= ORDER_EVIDENCE_RATIO * min(first, last):
        order: SliceOrder = "base_first" if first > last else "apex_first"
        method = "images"
        if order != by_header:
            notes.append(f"the header says {by_header}; the images say {order} (images used)")
    else:
        order, method = by_header, "affine"
    return SliceGeometry(order, method, lv_slices, tuple(notes))


def _lv_run(net_emptying: np.ndarray) -> tuple[int, int] | None:
    """The contiguous run of slices around the strongest one where the LV empties."""
    holds_lv = net_emptying >= LV_MOTION_SHARE
    if not holds_lv.any():
        return None
    peak = int(np.argmax(net_emptying))
    first = last = peak
    while first > 0 and holds_lv[first - 1]:
        first -= 1
    while last < len(holds_lv) - 1 and holds_lv[last + 1]:
        last += 1
    return first, last
