"""Series analyses and readers' overrides: what the voxels say, and corrections that win."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from qaforge.store.models import ImageSeries, SeriesAnalysis, SeriesOverride, utc_now

CHUNK = 500


@dataclass(frozen=True)
class SeriesRow:
    """A stored series with its analysis and override (if any).

    Attributes mirror the columns; ``analysis`` and ``override`` are dicts
    of their columns, or None.
    """

    series_id: str
    study_id: str
    path: str
    absolute_path: str
    sha256: str
    sequence: str
    view: str
    n_slices: int
    n_frames: int
    phase: str | None
    shape: list[int]
    affine: list[list[float]]
    sidecar: dict[str, Any] | None
    analysis: dict[str, Any] | None
    override: dict[str, Any] | None


_ANALYSIS_COLUMNS = (
    "sha256",
    "method_version",
    "ed_frame",
    "es_frame",
    "phase_method",
    "phase_confidence",
    "peak_frames",
    "slice_order",
    "slice_order_method",
    "lv_first",
    "lv_last",
    "display",
    "notes",
)
_OVERRIDE_COLUMNS = ("ed_frame", "es_frame", "slice_order", "source")
_SERIES_COLUMNS = (
    "id",
    "study_id",
    "path",
    "absolute_path",
    "sha256",
    "sequence",
    "view",
    "n_slices",
    "n_frames",
    "phase",
    "shape",
    "affine",
    "sidecar",
)


def list_series_rows(
    connection: Connection, *, study_ids: Sequence[str] | None = None
) -> list[SeriesRow]:
    """Every stored series (or those of some studies) with analysis and override, by path.

    Args:
        connection: An open connection.
        study_ids: Only these studies; None for all.

    Returns:
        The rows ordered by study and path.
    """
    query = (
        select(
            *(getattr(ImageSeries, name).label(f"s_{name}") for name in _SERIES_COLUMNS),
            *(getattr(SeriesAnalysis, name).label(f"a_{name}") for name in _ANALYSIS_COLUMNS),
            *(getattr(SeriesOverride, name).label(f"o_{name}") for name in _OVERRIDE_COLUMNS),
        )
        .outerjoin(SeriesAnalysis, SeriesAnalysis.series_id == ImageSeries.id)
        .outerjoin(SeriesOverride, SeriesOverride.series_id == ImageSeries.id)
        .order_by(ImageSeries.study_id, ImageSeries.path)
    )
    chunks = (
        [None]
        if study_ids is None
        else [list(study_ids[start : start + CHUNK]) for start in range(0, len(study_ids), CHUNK)]
    )
    rows: list[SeriesRow] = []
    for chunk in chunks:
        bounded = query if chunk is None else query.where(ImageSeries.study_id.in_(chunk))
        for row in connection.execute(bounded):
            analysis = {name: getattr(row, f"a_{name}") for name in _ANALYSIS_COLUMNS}
            override = {name: getattr(row, f"o_{name}") for name in _OVERRIDE_COLUMNS}
            series = {name: getattr(row, f"s_{name}") for name in _SERIES_COLUMNS}
            rows.append(
                SeriesRow(
                    series_id=series.pop("id"),
                    **series,
                    analysis=analysis if analysis["sha256"] is not None else None,
                    override=override if override["source"] is not None else None,
                )
            )
    return rows


def replace_analyses(connection: Connection, *, analyses: Sequence[dict[str, Any]]) -> None:
    """Store analyses, replacing any earlier one of the same series.

    Args:
        connection: An open connection inside the caller's transaction.
        analyses: Dicts with ``series_id`` and the analysis columns.
    """
    if not analyses:
        return
    ids = [row["series_id"] for row in analyses]
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            delete(SeriesAnalysis).where(SeriesAnalysis.series_id.in_(ids[start : start + CHUNK]))
        )
    now = utc_now()
    connection.execute(insert(SeriesAnalysis), [{**row, "created_at": now} for row in analyses])


def replace_overrides(connection: Connection, *, overrides: Sequence[dict[str, Any]]) -> None:
    """Store readers' overrides (series_id, ed_frame, es_frame, slice_order, source), replacing earlier ones."""
    if not overrides:
        return
    ids = [row["series_id"] for row in overrides]
    connection.execute(delete(SeriesOverride).where(SeriesOverride.series_id.in_(ids)))
    now = utc_now()
    connection.execute(insert(SeriesOverride), [{**row, "created_at": now} for row in overrides])
