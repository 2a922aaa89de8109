"""Tables and summaries printed by the commands."""

from __future__ import annotations

from rich.table import Table

from qaforge.cli.console import console
from qaforge.cli.context import with_db_option
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.pipeline.ingest import ReportIngestSummary, SeriesIngestSummary
from qaforge.pipeline.status import DatabaseStatus, SelectionCount

EXAMPLES_SHOWN = 10
UNKNOWN_SHOWN = 10


def print_report_summary(summary: ReportIngestSummary) -> None:
    """Print what `ingest reports` did, with the first refusals."""
    console.print(
        f"reports: {summary.rows} rows read from {summary.source}: "
        f"{summary.new_reports} new, {summary.new_versions} new versions, "
        f"{summary.unchanged} unchanged, {summary.quarantined} quarantined"
    )
    if summary.unknown_fields:
        named = sorted(summary.unknown_fields.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{name!r} ({count} rows)" for name, count in named[:UNKNOWN_SHOWN])
        more = f" and {len(named) - UNKNOWN_SHOWN} more" if len(named) > UNKNOWN_SHOWN else ""
        console.print(
            f"warning: ignored {len(named)} unknown field(s): {shown}{more}; "
            "known fields are report_id, patient_id, study_id, text, study_date, accession"
        )
    _print_examples(summary.examples, summary.quarantined)


def print_series_summary(summary: SeriesIngestSummary) -> None:
    """Print what `ingest series` did: the counts, the skipped files per reason, the first refusals."""
    reasons = sorted(summary.skipped_by_reason.items(), key=lambda item: (-item[1], item[0]))
    why = ", ".join(f"{count} {reason}" for reason, count in reasons)
    console.print(
        f"series: {summary.files} files found in {summary.source}: "
        f"{summary.new} new, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.quarantined} quarantined"
        + (f", {summary.skipped} skipped ({why})" if summary.skipped else "")
    )
    if reasons:
        first = {item.reason: item for item in summary.skipped_examples}
        table = Table(title="skipped: not series (not read, not quarantined)", title_justify="left")
        table.add_column("reason")
        table.add_column("files", justify="right")
        table.add_column("first", overflow="fold")
        for reason, count in reasons:
            example = first.get(reason)
            table.add_row(
                reason, str(count), f"{example.path}: {example.detail}" if example else ""
            )
        console.print(table)
    _print_examples(summary.examples, summary.quarantined)


def _print_examples(examples: list[QuarantineEntry], total: int) -> None:
    if not total:
        return
    table = Table(
        title=with_db_option("quarantined (see `qaforge quarantine` for all)"),
        title_justify="left",
    )
    table.add_column("where")
    table.add_column("id")
    table.add_column("reason", overflow="fold")
    for entry in examples[:EXAMPLES_SHOWN]:
        table.add_row(entry.location, entry.record_key or "", entry.reason)
    console.print(table)
    if total > EXAMPLES_SHOWN:
        console.print(f"... and {total - EXAMPLES_SHOWN} more")


def print_status(status: DatabaseStatus) -> None:
    """Print row counts per table, series per sequence/view, refusals per stage, recent runs."""
    table = Table(title="rows per table", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in status.tables.items():
        table.add_row(name, str(count))
    console.print(table)
    if status.series:
        by_sequence = Table(title="series per sequence and view", title_justify="left")
        by_sequence.add_column("sequence")
        by_sequence.add_column("view")
        by_sequence.add_column("series", justify="right")
        for sequence, view, count in status.series:
            by_sequence.add_row(sequence, view, str(count))
        console.print(by_sequence)
    if status.selections:
        _print_selections(status.selections)
    _print_stages(status)
    if status.runs:
        recent = Table(title="latest ingest runs", title_justify="left")
        for column in ("stage", "source", "status", "counts"):
            recent.add_column(column, overflow="fold")
        for run in status.runs:
            counts = ", ".join(f"{k}={v}" for k, v in run.counts.items())
            recent.add_row(run.stage, run.source, run.status, counts)
        console.print(recent)


def _print_selections(selections: list[SelectionCount]) -> None:
    selected = Table(title="image selections of active items", title_justify="left")
    for column in ("protocol", "budget", "status", "items", "images"):
        selected.add_column(column, justify="left" if column in ("protocol", "status") else "right")
    for row in selections:
        selected.add_row(row.protocol, str(row.budget), row.status, str(row.items), str(row.images))
    console.print(selected)


def _print_stages(status: DatabaseStatus) -> None:
    tables, refusals = status.tables, status.refusals
    stages = Table(title="per stage", title_justify="left")
    stages.add_column("stage")
    stages.add_column("stored", justify="right")
    stages.add_column("quarantined", justify="right")
    stages.add_row(
        "ingest reports",
        f"{tables['reports']} reports / {tables['report_versions']} versions",
        str(refusals.get("ingest_reports", 0)),
    )
    stages.add_row(
        "ingest series", str(tables["image_series"]), str(refusals.get("ingest_series", 0))
    )
    stages.add_row("select", f"{tables['qa_images']} images", str(refusals.get("select", 0)))
    console.print(stages)
