"""``qaforge split``, ``qaforge check`` and ``qaforge export``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qaforge.cli.console import console, user_errors
from qaforge.cli.context import app_state
from qaforge.cli.paths import output_file, replaced_folder
from qaforge.errors import QaforgeError


class ExportFormat(StrEnum):
    """What ``qaforge export --format`` writes."""

    benchmark = "benchmark"
    vlmevalkit = "vlmevalkit"
    lmms_eval = "lmms-eval"


@user_errors
def split_command(
    ctx: typer.Context,
    ratio: Annotated[
        list[str] | None,
        typer.Option(help="NAME=SHARE, repeatable (default train=0.7 validation=0.1 test=0.2)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the patient order.")] = 0,
    stratify: Annotated[
        bool, typer.Option(help="Split each etiology in the same proportions.")
    ] = False,
    split_file: Annotated[
        Path | None,
        typer.Option(
            help="CSV/JSONL with split and patient_id or study_id; overrides the seeded splits."
        ),
    ] = None,
) -> None:
    """Assign patient-level splits (every study of a patient in one split) and store them."""
    from qaforge.pipeline.split import assign_database_splits

    ratios = _ratios(ratio) if ratio else None
    summary = assign_database_splits(
        app_state(ctx).engine(), ratios=ratios, seed=seed, stratify=stratify, split_file=split_file
    )
    table = Table(title=f"splits ({summary.source})", title_justify="left")
    for column in ("split", "patients", "studies", "active items"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split, size in sorted(summary.sizes.items()):
        table.add_row(split, str(size["patients"]), str(size["studies"]), str(size["items"]))
    console.print(table)
    for problem in summary.refused_rows:
        console.print(f"[yellow]refused[/] {problem}")
    if summary.refused_rows:
        console.print(f"{len(summary.refused_rows)} split file rows refused")


def _ratios(entries: list[str]) -> dict[str, float]:
    """``--ratio NAME=SHARE`` options as a mapping; E701 for a bad, nameless or repeated one."""
    ratios: dict[str, float] = {}
    for entry in entries:
        name, _, share = entry.partition("=")
        name = name.strip()
        try:
            value = float(share)
        except ValueError:
            raise QaforgeError.of("E701", problem=f"{entry!r} is not NAME=SHARE") from None
        if not name or name in ratios:
            # a later share would silently win over the first, a nameless split be "(none)"
            problem = f"{entry!r} has no NAME" if not name else f"split {name!r} is given twice"
            raise QaforgeError.of("E701", problem=problem)
        ratios[name] = value
    return ratios


@user_errors
def check_command(
    ctx: typer.Context,
    reference: Annotated[
        list[Path] | None,
        typer.Option(help="A reference corpus (text) for the contamination check; repeatable."),
    ] = None,
    json_path: Annotated[
        Path,
        typer.Option("--json", help="Where to write the leakage report.", callback=output_file),
    ] = Path("checks.json"),
    protocol: Annotated[
        str, typer.Option(help="Image selection compared by the near-duplicate check.")
    ] = "clinical",
    budget: Annotated[int, typer.Option(help="Its budget.")] = 16,
) -> None:
    """Run the leakage and PHI checks over the active items and store a flag per finding.

    Blocking flags keep an item out of every export and out of Label Studio.
    Checks: patient in two splits, shared image files, near-duplicates across
    splits, answer in the question, report text in the question,
    contamination against --reference corpora, blind baselines, PHI.
    """
    from qaforge.pipeline.check import check_database

    report = check_database(
        app_state(ctx).engine(),
        references=reference,
        protocol=protocol,
        budget=budget,
        json_path=json_path,
    )
    table = Table(
        title=f"checks: {report.items} active items, {report.blocked_items} blocked",
        title_justify="left",
    )
    for column in ("check", "blocking", "warning", "items"):
        table.add_column(column, justify="left" if column == "check" else "right")
    for name, result in report.checks.items():
        table.add_row(
            name, str(result["blocking"]), str(result["warning"]), str(len(result["items"]))
        )
    console.print(table)
    console.print(f"leakage report written to {json_path}")


@user_errors
def export_command(
    ctx: typer.Context,
    outdir: Annotated[
        Path,
        typer.Argument(
            help="Folder to write the benchmark into (replaced as a whole).",
            callback=replaced_folder,
        ),
    ],
    include_unverified: Annotated[
        bool, typer.Option(help="Also export unverified items (pilots); every record says so.")
    ] = False,
    protocol: Annotated[str, typer.Option(help="Which image selection to export.")] = "clinical",
    budget: Annotated[int, typer.Option(help="Its budget.")] = 16,
    export_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="benchmark (the folder of docs/export.md), vlmevalkit (TSVs) or "
            "lmms-eval (a task folder); see docs/formats.md.",
        ),
    ] = ExportFormat.benchmark,
    license_id: Annotated[
        str,
        typer.Option(
            "--license",
            envvar="QAFORGE_EXPORT_LICENSE",
            help="License id for the card's YAML header (default 'other': the data owner must set it).",
        ),
    ] = "other",
) -> None:
    """Write verified items with no blocking flag as a benchmark folder (docs/export.md)."""
    if export_format is not ExportFormat.benchmark:
        _export_harness_format(
            ctx, outdir, export_format.value, protocol, budget, include_unverified
        )
        return
    from qaforge.pipeline.export import export_database

    summary = export_database(
        app_state(ctx).engine(),
        outdir,
        protocol=protocol,
        budget=budget,
        include_unverified=include_unverified,
        license_id=license_id,
    )
    records = ", ".join(f"{split} {n}" for split, n in summary.records.items()) or "none"
    console.print(
        f"export: {sum(summary.records.values())} records ({records}), {summary.images} images to {outdir}; "
        f"left out: {summary.skipped_blocked} blocked, {summary.skipped_rejected} rejected, "
        f"{summary.skipped_in_adjudication} in adjudication, {summary.skipped_unverified} unverified, "
        f"{summary.skipped_no_split} without a split; manifest sha256 {summary.manifest_sha256[:12]}"
    )


def _export_harness_format(
    ctx: typer.Context,
    outdir: Path,
    harness: str,
    protocol: str,
    budget: int,
    include_unverified: bool,
) -> None:
    """``export --format vlmevalkit|lmms-eval``: write the files and list them."""
    from qaforge.pipeline.export_formats import export_harness_format

    summary = export_harness_format(
        app_state(ctx).engine(),
        outdir,
        harness,  # type: ignore[arg-type]
        protocol=protocol,
        budget=budget,
        include_unverified=include_unverified,
    )
    left_out = ", ".join(f"{n} {reason}" for reason, n in summary.skipped.items() if n) or "none"
    console.print(
        f"export ({summary.format}): {summary.records} records to {outdir}; left out: {left_out}"
    )
    for name, rows in summary.files.items():
        console.print(f"  {name}" + (f" ({rows} rows)" if rows else ""))
