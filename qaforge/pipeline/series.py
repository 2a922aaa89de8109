"""Series facts: analyse stored series, list them, and apply readers' corrections.

Composes :mod:`qaforge.images.series_facts` (reads voxels, pure of the
database) with :mod:`qaforge.store.series_analysis`. An analysis is made
from one file hash and one method version; it is redone only when either
changes. A reader's override (``qaforge series --override FILE``) is kept
apart and wins over the analysis on every later ``select``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import SeriesListing
from qaforge.errors import QaforgeError
from qaforge.pipeline.run import Progress, begin_stage
from qaforge.pipeline.series_analyse import (
    StudyAnalyser,
    series_listing,
    unreadable_entry,
)
from qaforge.store.engine import Engine
from qaforge.store.quarantine import add_quarantine_entries
from qaforge.store.schema import require_current_schema
from qaforge.store.series_analysis import (
    SeriesRow,
    list_series_rows,
    replace_analyses,
    replace_overrides,
)

STACKS_PER_TRANSACTION = 20
OVERRIDE_COLUMNS = ("series_id", "path", "study_id", "ed_frame", "es_frame", "slice_order")
SLICE_ORDERS = ("base_first", "apex_first")


class AnalysisSummary(BaseModel):
    """What :func:`analyse_series` did.

    Attributes:
        analysed: Series analysed now.
        current: Series whose stored analysis was already current.
        unreadable: Series whose voxels could not be read (quarantined).
    """

    analysed: int = 0
    current: int = 0
    unreadable: int = 0


def analyse_series(
    engine: Engine,
    *,
    study_ids: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> AnalysisSummary:
    """Analyse every stored series (of some studies) whose analysis is missing or stale.

    Args:
        engine: The store.
        study_ids: Only these studies; None for all.
        progress: Where to report progress (per stack).

    Returns:
        Counts of analysed, current and unreadable series.
    """
    progress = begin_stage(engine, progress)
    with engine.connect() as connection:
        rows = list_series_rows(connection, study_ids=study_ids)
    summary = AnalysisSummary()
    analyser = StudyAnalyser(rows)
    stacks = analyser.stale_stacks()
    summary.current = len(rows) - analyser.stale_count
    progress.start("Analysing series", len(stacks) or None)
    pending: list[dict[str, Any]] = []
    entries: list[QuarantineEntry] = []
    for done, stack in enumerate(stacks, start=1):
        analyses, problems = analyser.analyse(stack)
        pending.extend(analyses)
        summary.analysed += len(analyses)
        summary.unreadable += len(problems)
        entries.extend(unreadable_entry(problem) for problem in problems)
        if done % STACKS_PER_TRANSACTION == 0:
            _store(engine, pending, entries)
            pending, entries = [], []
        progress.advance()
    _store(engine, pending, entries)
    return summary


def _store(engine: Engine, rows: list[dict[str, Any]], entries: list[QuarantineEntry]) -> None:
    if not rows and not entries:
        return
    with engine.begin() as connection:
        replace_analyses(connection, analyses=rows)
        add_quarantine_entries(connection, entries=entries)


def list_series(engine: Engine, *, study_ids: Sequence[str] | None = None) -> list[SeriesListing]:
    """Every stored series with its effective facts, ordered by study and path."""
    require_current_schema(engine)
    with engine.connect() as connection:
        return [series_listing(row) for row in list_series_rows(connection, study_ids=study_ids)]


class OverrideSummary(BaseModel):
    """What :func:`apply_series_overrides` did.

    Attributes:
        source: The CSV file.
        rows: Data rows read.
        applied: Overrides stored.
        quarantined: Rows refused (with line and reason).
        examples: The first refusals.
    """

    source: str
    rows: int = 0
    applied: int = 0
    quarantined: int = 0
    examples: list[QuarantineEntry] = Field(default_factory=list)


def apply_series_overrides(engine: Engine, path: Path) -> OverrideSummary:
    """Store a reader's corrections of ED/ES frames and slice order from a CSV file.

    Columns: ``series_id`` (or ``study_id`` and ``path``), and any of
    ``ed_frame``, ``es_frame``, ``slice_order``; an empty cell leaves that
    value to the analysis. A row naming no stored series, a frame outside
    the series, or an unknown slice order is quarantined with its line.

    Args:
        engine: The store.
        path: The CSV file.

    Returns:
        Counts of applied and refused rows.

    Raises:
        InputFileError: E611 if the file cannot be read or its header is unusable.
    """
    require_current_schema(engine)
    summary = OverrideSummary(source=str(path))
    with engine.connect() as connection:
        rows = list_series_rows(connection)
    by_id = {row.series_id: row for row in rows}
    by_path = {(row.study_id, row.path): row for row in rows}
    overrides, refused = [], []
    for line, record in _read_override_csv(path):
        summary.rows += 1
        found = _override_row(record, by_id, by_path, source=str(path))
        if isinstance(found, str):
            refused.append(
                QuarantineEntry(
                    stage="series_override",
                    source=str(path),
                    location=f"line {line}",
                    reason=found,
                    record_key=(record.get("series_id") or record.get("path") or None),
                )
            )
        else:
            overrides.append(found)
    with engine.begin() as connection:
        replace_overrides(connection, overrides=overrides)
        add_quarantine_entries(connection, entries=refused)
    summary.applied = len(overrides)
    summary.quarantined = len(refused)
    summary.examples = refused[:5]
    return summary


def _read_override_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip() for name in reader.fieldnames or []]
            unknown = [name for name in columns if name not in OVERRIDE_COLUMNS]
            if unknown or not (
                {"series_id"} <= set(columns) or {"study_id", "path"} <= set(columns)
            ):
                raise QaforgeError.of(
                    "E611",
                    path=path,
                    problem=f"has header {','.join(columns) or '(empty)'}"
                    f"{' (unknown: ' + ', '.join(unknown) + ')' if unknown else ''}",
                )
            return [
                (reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k})
                for row in reader
                if any((value or "").strip() for value in row.values())
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise QaforgeError.of(
            "E611", path=path, problem=f"cannot be read ({type(error).__name__})"
        ) from None


def _override_row(
    record: dict[str, str],
    by_id: dict[str, SeriesRow],
    by_path: dict[tuple[str, str], SeriesRow],
    *,
    source: str,
) -> dict[str, Any] | str:
    """The override to store, or why the row is refused."""
    row = by_id.get(record.get("series_id", "")) or by_path.get(
        (record.get("study_id", ""), record.get("path", ""))
    )
    if row is None:
        return "names no stored series (give series_id, or study_id and path as 'qaforge series' lists them)"
    values: dict[str, Any] = {"series_id": row.series_id, "source": source}
    for name in ("ed_frame", "es_frame"):
        text = record.get(name, "")
        if not text:
            values[name] = None
            continue
        if not text.isdigit() or int(text) >= row.n_frames:
            return f"{name} {text!r} is not a frame of this series (0..{row.n_frames - 1})"
        values[name] = int(text)
    order = record.get("slice_order", "") or None
    if order is not None and order not in SLICE_ORDERS:
        return f"slice_order {order!r} is not one of {', '.join(SLICE_ORDERS)}"
    values["slice_order"] = order
    if all(values[name] is None for name in ("ed_frame", "es_frame", "slice_order")):
        return "sets nothing (give ed_frame, es_frame or slice_order)"
    return values


class SeriesReport(BaseModel):
    """What `qaforge series` did: the overrides applied first, the analysis, the listing."""

    overrides: OverrideSummary | None = None
    analysis: AnalysisSummary
    listings: list[SeriesListing]


def series_report(
    engine: Engine,
    *,
    study_ids: Sequence[str] | None = None,
    override_path: Path | None = None,
    progress: Progress | None = None,
) -> SeriesReport:
    """Store a reader's overrides (if given), analyse what is stale, then list the series.

    Args:
        engine: The store.
        study_ids: Only these studies; all when None.
        override_path: A CSV of corrections (see :func:`apply_series_overrides`).
        progress: Where to report the analysis's progress.

    Returns:
        The override counts (None without a file), the analysis counts and the listings.
    """
    overrides = None if override_path is None else apply_series_overrides(engine, override_path)
    analysis = analyse_series(engine, study_ids=study_ids, progress=progress)
    return SeriesReport(
        overrides=overrides,
        analysis=analysis,
        listings=list_series(engine, study_ids=study_ids),
    )
