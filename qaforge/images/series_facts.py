"""Analysing stored series: display transform, cardiac phases, perfusion peaks, slice geometry.

A unit of work is one *stack*: usually one series, but the single-phase
files of one short-axis stack (an ED file and an ES file with the same
geometry, as UK Biobank and M&Ms-2 ship them) are analysed together as one
two-phase stack, so their slice order and LV extent come from the motion
between them. Input and output are plain data (no database), so the work
runs in a worker process or inline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.analysis import peak_enhancement_frames
from qaforge.images.heart import (
    CardiacPhases,
    SliceGeometry,
    affine_slice_order,
    cardiac_phases,
    slice_geometry,
)
from qaforge.images.routing import SeriesRef
from qaforge.images.volume import Volume, load_volume

ANALYSIS_VERSION = 1
"""Bump when an analysis method changes, so stored analyses are redone."""


@dataclass(frozen=True)
class SeriesToAnalyse:
    """A stored series as the analysis sees it.

    Attributes:
        series_id: The series.
        study_id: Its study.
        sequence: cine, lge, perfusion or t2.
        view: sax, 2ch, 3ch or 4ch.
        path: Absolute path of the file.
        sha256: Hash of the file (the analysis is made from this content).
        phase: ``ed``/``es`` for a single-phase file named so, else None.
        shape: Header shape.
        affine: Header affine.
        trigger_times: Per-frame trigger times of a sidecar, if any.
    """

    series_id: str
    study_id: str
    sequence: str
    view: str
    path: str
    sha256: str
    phase: str | None
    shape: tuple[int, ...]
    affine: tuple[tuple[float, ...], ...]
    trigger_times: tuple[float, ...] | None = None


@dataclass(frozen=True)
class AnalysedSeries:
    """What a series' voxels say (the stored analysis).

    Attributes:
        series_id: The series.
        sha256: The file hash it was made from.
        ed_frame: End-diastolic frame, or None (not cine, or an ES-only file).
        es_frame: End-systolic frame, or None.
        phase_method: How the phases were found.
        phase_confidence: 0..1.
        peak_frames: Peak myocardial enhancement frame per slice (perfusion).
        slice_order: ``base_first`` / ``apex_first`` for stacks, else None.
        slice_order_method: ``images`` or ``affine``.
        lv_slices: ``(first, last)`` file slices holding LV, or None.
        display: The in-plane display transform (see ``InPlaneOrientation.as_record``).
        notes: Anything a reader should check.
    """

    series_id: str
    sha256: str
    ed_frame: int | None
    es_frame: int | None
    phase_method: str | None
    phase_confidence: float | None
    peak_frames: tuple[int, ...] | None
    slice_order: str | None
    slice_order_method: str | None
    lv_slices: tuple[int, int] | None
    display: dict[str, Any]
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AnalysisProblem:
    """A series whose voxels could not be read."""

    series_id: str
    path: str
    reason: str


def stacks_to_analyse(series: Sequence[SeriesToAnalyse]) -> list[tuple[SeriesToAnalyse, ...]]:
    """Group series into units of analysis.

    Single-phase cine files of one study with the same shape and affine are
    one stack, ED file first; every other series is a stack of its own.

    Args:
        series: Series to analyse.

    Returns:
        The stacks, in a stable order.
    """
    groups: dict[tuple, list[SeriesToAnalyse]] = defaultdict(list)
    singles: list[tuple[SeriesToAnalyse, ...]] = []
    for item in series:
        if item.sequence == "cine" and item.phase in ("ed", "es"):
            geometry = (item.study_id, item.view, item.shape, _rounded(item.affine))
            groups[geometry].append(item)
        else:
            singles.append((item,))
    for members in groups.values():
        members.sort(key=lambda item: (item.phase != "ed", item.path))
        phases = [member.phase for member in members]
        if len(members) == 2 and sorted(phases) == ["ed", "es"]:
            singles.append(tuple(members))
        else:
            singles.extend((member,) for member in members)
    return sorted(singles, key=lambda stack: stack[0].path)


def _rounded(affine: tuple[tuple[float, ...], ...]) -> tuple[float, ...]:
    return tuple(round(value, 3) for row in affine for value in row)


def analyse_stack(
    stack: Sequence[SeriesToAnalyse],
    load: Callable[[Path, str], Volume] = load_volume,
) -> tuple[list[AnalysedSeries], list[AnalysisProblem]]:
    """Analyse one stack (one series, or the ED and ES files of one short-axis stack).

    Args:
        stack: Its series; two members are the ED and the ES file, in that order.
        load: Reads a file's volume for a view (a caller may pass one that
            keeps volumes it loaded already).

    Returns:
        Facts per readable member, and a problem per unreadable one (a pair
        with an unreadable member is analysed member by member).
    """
    volumes: dict[str, Volume] = {}
    problems = []
    for member in stack:
        try:
            volumes[member.series_id] = load(Path(member.path), member.view)
        except UnreadableSeriesError as error:
            problems.append(AnalysisProblem(member.series_id, member.path, error.reason))
        except Exception as error:  # any other failure of one file is that file's
            problems.append(_unexpected(member, error))
    if len(stack) == 2 and len(volumes) == 2:
        try:
            return _analyse_phase_pair(stack, volumes), problems
        except Exception:  # analysed member by member below, each failing on its own
            pass
    facts = []
    for member in stack:
        if member.series_id not in volumes:
            continue
        try:
            facts.append(_analyse_one(member, volumes[member.series_id]))
        except Exception as error:
            problems.append(_unexpected(member, error))
    return facts, problems


def _unexpected(member: SeriesToAnalyse, error: Exception) -> AnalysisProblem:
    """The error's type only: its message might quote file contents."""
    reason = f"could not be analysed ({type(error).__name__})"
    return AnalysisProblem(member.series_id, member.path, reason)


def _pixel_mm(volume: Volume) -> float:
    return float(np.linalg.norm(volume.affine[:3, 0]))


def _display(volume: Volume) -> dict[str, Any]:
    return volume.orientation.as_record(tuple(volume.data.shape[:2]))


def _trigger_frame(member: SeriesToAnalyse, volume: Volume) -> int | None:
    if member.trigger_times and len(member.trigger_times) == volume.n_frames:
        return int(np.argmin(member.trigger_times))
    if volume.frame_interval_ms is not None:
        return 0
    return None


def _analyse_one(member: SeriesToAnalyse, volume: Volume) -> AnalysedSeries:
    phases: CardiacPhases | None = None
    peaks = None
    geometry: SliceGeometry | None = None
    ed = es = None
    if member.sequence == "cine":
        phases = cardiac_phases(
            volume.data,
            pixel_mm=_pixel_mm(volume),
            view=member.view,
            trigger_frame=_trigger_frame(member, volume),
        )
        ed, es = phases.ed_frame, phases.es_frame
        if volume.n_frames == 1 and member.phase in ("ed", "es"):
            ed, es = (0, None) if member.phase == "ed" else (None, 0)
    elif member.sequence == "perfusion":
        peaks = peak_enhancement_frames(volume.data)
    if member.view == "sax" and volume.n_slices > 1:
        if member.sequence == "cine" and phases is not None and volume.n_frames > 1:
            geometry = slice_geometry(
                volume.data,
                pixel_mm=_pixel_mm(volume),
                affine=volume.affine,
                ed_frame=phases.ed_frame,
                es_frame=phases.es_frame,
            )
        else:
            geometry = SliceGeometry(affine_slice_order(volume.affine), "affine", None)
    method = phases.method if phases else None
    if phases and volume.n_frames == 1 and member.phase:
        method = "file-name"
    return AnalysedSeries(
        series_id=member.series_id,
        sha256=member.sha256,
        ed_frame=ed,
        es_frame=es,
        phase_method=method,
        phase_confidence=phases.confidence if phases else None,
        peak_frames=peaks,
        slice_order=geometry.slice_order if geometry else None,
        slice_order_method=geometry.method if geometry else None,
        lv_slices=geometry.lv_slices if geometry else None,
        display=_display(volume),
        notes=geometry.notes if geometry else (),
    )


def _analyse_phase_pair(
    stack: Sequence[SeriesToAnalyse], volumes: dict[str, Volume]
) -> list[AnalysedSeries]:
    ed_member, es_member = stack
    ed_volume, es_volume = volumes[ed_member.series_id], volumes[es_member.series_id]
    if ed_volume.data.shape != es_volume.data.shape or ed_volume.n_frames != 1:
        return [_analyse_one(member, volumes[member.series_id]) for member in stack]
    pair = np.concatenate([ed_volume.data, es_volume.data], axis=3)
    geometry = (
        slice_geometry(
            pair, pixel_mm=_pixel_mm(ed_volume), affine=ed_volume.affine, ed_frame=0, es_frame=1
        )
        if ed_member.view == "sax" and ed_volume.n_slices > 1
        else None
    )
    partner = {ed_member.series_id: es_member.path, es_member.series_id: ed_member.path}
    facts = []
    for member, (ed, es) in ((ed_member, (0, None)), (es_member, (None, 0))):
        notes = [f"analysed with its other phase file {Path(partner[member.series_id]).name}"]
        notes.extend(geometry.notes if geometry else ())
        facts.append(
            AnalysedSeries(
                series_id=member.series_id,
                sha256=member.sha256,
                ed_frame=ed,
                es_frame=es,
                phase_method="file-name",
                phase_confidence=1.0,
                peak_frames=None,
                slice_order=geometry.slice_order if geometry else None,
                slice_order_method=geometry.method if geometry else None,
                lv_slices=geometry.lv_slices if geometry else None,
                display=_display(volumes[member.series_id]),
                notes=tuple(notes),
            )
        )
    return facts


def lv_slices_by_position(
    affine: Sequence[Sequence[float]],
    shape: Sequence[int],
    reference_affine: Sequence[Sequence[float]],
    reference_shape: Sequence[int],
    reference_lv: tuple[int, int],
) -> tuple[int, int] | None:
    """The slices of a static stack (LGE, T2, perfusion) that lie within a cine's LV extent.

    A stack without motion cannot show where the LV is; the study's short-axis
    cine can. Each slice's centre is placed along the cine's slice normal and
    kept when it falls within the cine's LV slices (half a cine slice of margin
    at each end).

    Args:
        affine: The static stack's affine.
        shape: Its shape.
        reference_affine: The cine's affine.
        reference_shape: The cine's shape.
        reference_lv: The cine's LV slices ``(first, last)``.

    Returns:
        ``(first, last)`` of the static stack's slices inside the LV, or None
        when none is (the stacks do not overlap).
    """
    matrix, reference = np.asarray(affine, dtype=float), np.asarray(reference_affine, dtype=float)
    spacing = float(np.linalg.norm(reference[:3, 2]))
    if spacing <= 0 or len(shape) < 3:
        return None
    normal = reference[:3, 2] / spacing

    def centre(of: np.ndarray, of_shape: Sequence[int], k: float) -> np.ndarray:
        return (of @ np.array([(of_shape[0] - 1) / 2, (of_shape[1] - 1) / 2, k, 1.0]))[:3]

    origin = centre(reference, reference_shape, 0.0)
    low, high = (value * spacing for value in sorted(reference_lv))
    inside = [
        k
        for k in range(int(shape[2]))
        if low - spacing / 2
        <= float((centre(matrix, shape, k) - origin) @ normal)
        <= high + spacing / 2
    ]
    return (inside[0], inside[-1]) if inside else None


def routed_ref(member: SeriesToAnalyse, facts: AnalysedSeries) -> SeriesRef:
    """The series as routing and selection see it, with the facts its analysis found."""
    return SeriesRef(
        series_id=member.series_id,
        sequence=member.sequence,
        view=member.view,
        path=member.path,
        sha256=member.sha256,
        ed_frame=facts.ed_frame,
        es_frame=facts.es_frame,
        peak_frames=facts.peak_frames,
        slice_order=facts.slice_order,
        lv_slices=facts.lv_slices,
        analysed=True,
    )
