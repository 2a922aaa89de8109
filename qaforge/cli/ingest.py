"""``qaforge ingest reports|series``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qaforge.cli.console import error_console, progress_bar, user_errors
from qaforge.cli.context import app_state
from qaforge.cli.render import print_report_summary, print_series_summary

app = typer.Typer(help="Bring reports and image series into the store.", no_args_is_help=True)


@app.command("reports")
@user_errors
def ingest_reports_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Reports as .jsonl, .csv, .parquet or .xlsx (first sheet).")
    ],
) -> None:
    """Validate and store reports; bad rows are quarantined with reason and line.

    Each record needs report_id, patient_id, study_id and text; study_date and
    accession are optional. Re-ingesting the same file adds nothing; a changed
    text for a known report_id is stored as a new version. Records over a size
    limit (QAFORGE_MAX_REPORT_CHARS, QAFORGE_MAX_JSON_DEPTH, QAFORGE_MAX_LINE_BYTES)
    are quarantined. Exits 1 if the file holds no valid row at all (an empty or
    header-only file included), 2 if it cannot be read.
    """
    from qaforge.pipeline.ingest import ingest_reports

    state = app_state(ctx)
    engine = state.engine()
    with progress_bar() as progress:
        summary = ingest_reports(
            engine, file, batch_size=state.settings().batch_size, progress=progress
        )
    print_report_summary(summary)
    if not summary.rows:
        error_console.print(f"error: {file.name} holds no report rows (empty or header only)")
        raise typer.Exit(1)
    if not summary.valid:
        raise typer.Exit(1)


@app.command("series")
@user_errors
def ingest_series_command(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="Folder of .nii / .nii.gz files (searched recursively).")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="YAML file mapping file names to sequence and view (default: the shipped one)."
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="CSV with path,study_id[,sequence,view] (paths relative to FOLDER)."),
    ] = None,
) -> None:
    """Read NIfTI headers, hash the files, classify sequence and view, link to studies.

    A series links to its study through the manifest, a JSON sidecar's study_id,
    or the nearest enclosing folder named like a stored study (ingest reports
    first). Segmentations and label files, and single phases whose cine is in
    the same folder, are skipped by name and counted per reason. Unreadable or
    truncated files, label maps (by their voxels), unknown sequences and unknown
    studies are quarantined with path and reason; the rest goes on. Exits 1 if
    no NIfTI file is found (a folder of DICOM files says so: convert them with
    dcm2niix first), or if files other than skipped ones were found and none of
    them is a valid series.
    """
    from qaforge.pipeline.ingest import ingest_series

    engine = app_state(ctx).engine()
    with progress_bar() as progress:
        summary = ingest_series(
            engine, folder, mapping_path=mapping, manifest_path=manifest, progress=progress
        )
    print_series_summary(summary)
    if summary.files == 0:
        if summary.dicom_files:
            error_console.print(
                f"error: {summary.dicom_files} DICOM files and no NIfTI file in {folder}; "
                "hint: convert them first, e.g. dcm2niix -z y -o OUT FOLDER"
            )
        else:
            error_console.print(
                f"error: no NIfTI files (.nii, .nii.gz) in {folder}; hint: give the folder that holds them"
            )
        raise typer.Exit(1)
    # Skipped files are not failures: a folder of segmentations only is fine.
    if summary.files > summary.skipped and not summary.valid:
        raise typer.Exit(1)
