"""Analysis of stored series, stack by stack, pure of the database.

Shared by ``qaforge series`` (:func:`qaforge.pipeline.series.analyse_series`,
in this process) and ``select`` (per study, in the worker that loads the
study's volumes anyway). A static short-axis stack without an LV extent
takes it from the same study's short-axis cine, so a study is a complete
unit: its cines are analysed before its static stacks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import SeriesListing
from qaforge.images.series_facts import (
    ANALYSIS_VERSION,
    AnalysedSeries,
    AnalysisProblem,
    SeriesToAnalyse,
    analyse_stack,
    lv_slices_by_position,
    stacks_to_analyse,
)
from qaforge.images.volume import Volume, load_volume
from qaforge.store.series_analysis import SeriesRow


class StudyAnalyser:
    """Analyses the stale stacks among some stored series (one study's, or all).

    Keeps each study's short-axis cine LV extent (stored, or found now) so a
    static short-axis stack analysed later can be placed from it.
    """

    def __init__(self, rows: Sequence[SeriesRow]) -> None:
        self.rows = list(rows)
        self.by_id = {row.series_id: row for row in self.rows}
        self.stale = {row.series_id for row in self.rows if not is_current(row)}
        self.stale_count = len(self.stale)
        self.cine_lv = _cine_lv_by_study(self.rows)

    def stale_stacks(self) -> list[tuple[SeriesToAnalyse, ...]]:
        """The stacks with a stale member, cines first (static stacks take their LV)."""
        stacks = [
            stack
            for stack in stacks_to_analyse([_to_analyse(row) for row in self.rows])
            if any(member.series_id in self.stale for member in stack)
        ]
        stacks.sort(key=lambda stack: stack[0].sequence != "cine")
        return stacks

    def analyse(
        self,
        stack: Sequence[SeriesToAnalyse],
        load: Callable[[Path, str], Volume] = load_volume,
    ) -> tuple[list[dict[str, Any]], list[AnalysisProblem]]:
        """Analyse one stack; returns the analysis rows to store and the unreadable members."""
        facts, problems = analyse_stack(stack, load)
        for item in facts:
            row = self.by_id[item.series_id]
            if row.sequence == "cine" and row.view == "sax" and item.lv_slices:
                self.cine_lv.setdefault(row.study_id, (row.affine, row.shape, item.lv_slices))
        facts = [
            _with_lv_from_cine(item, self.by_id[item.series_id], self.cine_lv) for item in facts
        ]
        return [_analysis_row(item) for item in facts], problems


def unreadable_entry(problem: AnalysisProblem) -> QuarantineEntry:
    """The quarantine entry of a series whose voxels could not be analysed."""
    return QuarantineEntry(
        stage="analyse_series",
        source=problem.path,
        location=problem.path,
        reason=problem.reason,
        record_key=problem.series_id,
    )


def _cine_lv_by_study(rows: Sequence[SeriesRow]) -> dict[str, tuple]:
    """The stored LV extent of each study's short-axis cine (geometry and slices)."""
    found: dict[str, tuple] = {}
    for row in rows:
        analysis = row.analysis if is_current(row) else None
        if (
            row.sequence == "cine"
            and row.view == "sax"
            and analysis
            and analysis["lv_first"] is not None
        ):
            found.setdefault(
                row.study_id, (row.affine, row.shape, (analysis["lv_first"], analysis["lv_last"]))
            )
    return found


def _with_lv_from_cine(
    facts: AnalysedSeries, row: SeriesRow, cine_lv: dict[str, tuple]
) -> AnalysedSeries:
    """A static short-axis stack without an LV extent takes it from its study's cine by position."""
    if (
        row.sequence == "cine"
        or row.view != "sax"
        or facts.lv_slices
        or row.study_id not in cine_lv
    ):
        return facts
    affine, shape, lv = cine_lv[row.study_id]
    found = lv_slices_by_position(row.affine, row.shape, affine, shape, lv)
    if found is None:
        return facts
    note = "LV slices placed from the study's short-axis cine by slice position"
    return replace(facts, lv_slices=found, notes=(*facts.notes, note))


def is_current(row: SeriesRow) -> bool:
    analysis = row.analysis
    return (
        analysis is not None
        and analysis["sha256"] == row.sha256
        and analysis["method_version"] == ANALYSIS_VERSION
    )


def _to_analyse(row: SeriesRow) -> SeriesToAnalyse:
    triggers = (row.sidecar or {}).get("TriggerTimes")
    trigger_times = (
        tuple(float(value) for value in triggers)
        if isinstance(triggers, list) and all(isinstance(v, int | float) for v in triggers)
        else None
    )
    return SeriesToAnalyse(
        series_id=row.series_id,
        study_id=row.study_id,
        sequence=row.sequence,
        view=row.view,
        path=row.absolute_path,
        sha256=row.sha256,
        phase=row.phase,
        shape=tuple(row.shape),
        affine=tuple(tuple(float(v) for v in line) for line in row.affine),
        trigger_times=trigger_times,
    )


def _analysis_row(facts: AnalysedSeries) -> dict[str, Any]:
    return {
        "series_id": facts.series_id,
        "sha256": facts.sha256,
        "method_version": ANALYSIS_VERSION,
        "ed_frame": facts.ed_frame,
        "es_frame": facts.es_frame,
        "phase_method": facts.phase_method,
        "phase_confidence": facts.phase_confidence,
        "peak_frames": list(facts.peak_frames) if facts.peak_frames is not None else None,
        "slice_order": facts.slice_order,
        "slice_order_method": facts.slice_order_method,
        "lv_first": facts.lv_slices[0] if facts.lv_slices else None,
        "lv_last": facts.lv_slices[1] if facts.lv_slices else None,
        "display": facts.display,
        "notes": list(facts.notes),
    }


def series_listing(row: SeriesRow) -> SeriesListing:
    """The effective facts of a stored series: the analysis, with a reader's override winning."""
    analysis = row.analysis if is_current(row) else None
    listing = SeriesListing(
        series_id=row.series_id,
        study_id=row.study_id,
        path=row.path,
        sequence=row.sequence,
        view=row.view,
        frames=row.n_frames,
        slices=row.n_slices,
        phase=row.phase,
        analysed=analysis is not None,
    )
    if analysis is not None:
        lv = analysis["lv_first"], analysis["lv_last"]
        listing = listing.model_copy(
            update={
                "ed_frame": analysis["ed_frame"],
                "es_frame": analysis["es_frame"],
                "phase_method": analysis["phase_method"],
                "phase_confidence": analysis["phase_confidence"],
                "slice_order": analysis["slice_order"],
                "slice_order_method": analysis["slice_order_method"],
                "lv_slices": lv if lv[0] is not None else None,
                "peak_frames": analysis["peak_frames"],
                "display": analysis["display"],
                "notes": list(analysis["notes"] or []),
            }
        )
    override = row.override
    if override is not None:
        update: dict[str, Any] = {"override_source": override["source"]}
        if override["ed_frame"] is not None or override["es_frame"] is not None:
            update["phase_method"] = "override"
            update["phase_confidence"] = 1.0
            for name in ("ed_frame", "es_frame"):
                if override[name] is not None:
                    update[name] = override[name]
        if override["slice_order"] is not None:
            update["slice_order"] = override["slice_order"]
            update["slice_order_method"] = "override"
        listing = listing.model_copy(update=update)
    return listing
