"""``qaforge series``: the stored series and what their voxels say; readers' corrections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qaforge.cli.console import console, error_console, progress_bar, user_errors
from qaforge.cli.context import app_state


@user_errors
def series_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per series on stdout (a contract).")
    ] = False,
    study: Annotated[
        list[str] | None, typer.Option(help="Only this study (repeat for several).")
    ] = None,
    override: Annotated[
        Path | None,
        typer.Option(
            help="CSV of corrections: series_id (or study_id,path), ed_frame, es_frame, "
            "slice_order. They win over the analysis on every later select."
        ),
    ] = None,
) -> None:
    """List stored series with their cardiac phases, slice order, LV slices and display.

    Series not yet analysed for their current file are analysed first (their
    voxels are read once; later runs reuse the stored analysis). ED/ES come
    from the heart's ventricular signal, slice order and LV slices from the
    motion along a short-axis stack, the display transform from the affine
    (docs/images.md). With --override, a reader's corrections are stored
    first; bad rows are quarantined with their line.
    """
    from qaforge.pipeline.series import series_report

    with progress_bar() as progress:
        report = series_report(
            app_state(ctx).engine(),
            study_ids=study or None,
            override_path=override,
            progress=progress,
        )
    applied, analysis, listings = report.overrides, report.analysis, report.listings
    if applied is not None:
        for entry in applied.examples:
            error_console.print(f"[yellow]refused[/] {entry.location}: {entry.reason}")
        error_console.print(
            f"overrides: {applied.rows} rows in {applied.source}: {applied.applied} applied, "
            f"{applied.quarantined} quarantined"
        )
    if as_json:
        for listing in listings:
            typer.echo(json.dumps(listing.model_dump(mode="json"), sort_keys=True))
    else:
        _print_table(listings)
    error_console.print(
        f"series: {len(listings)} listed; {analysis.analysed} analysed now, "
        f"{analysis.current} already current, {analysis.unreadable} unreadable"
        + (" (see 'qaforge quarantine')" if analysis.unreadable else "")
    )
    if analysis.unreadable or (applied is not None and applied.quarantined):
        raise typer.Exit(1)


def _print_table(listings) -> None:
    table = Table(title="series", title_justify="left")
    for column in ("study", "path", "seq", "view", "Z×T", "ED", "ES", "phases by", "order", "LV"):
        table.add_column(column)
    for item in listings:
        lv = f"{item.lv_slices[0]}–{item.lv_slices[1]}" if item.lv_slices else "—"
        table.add_row(
            item.study_id,
            item.path,
            item.sequence,
            item.view,
            f"{item.slices}×{item.frames}",
            "—" if item.ed_frame is None else str(item.ed_frame),
            "—" if item.es_frame is None else str(item.es_frame),
            item.phase_method or "—",
            item.slice_order or "—",
            lv,
        )
    console.print(table)
