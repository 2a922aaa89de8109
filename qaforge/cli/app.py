"""``qaforge``: one command per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qaforge import __version__
from qaforge.cli import annotate as annotate_commands
from qaforge.cli import ingest as ingest_commands
from qaforge.cli.console import console, user_errors
from qaforge.cli.context import app_state
from qaforge.cli.demo import demo_command
from qaforge.cli.evaluate import (
    baseline_command,
    compare_command,
    evaluate_command,
    run_model_command,
)
from qaforge.cli.export import check_command, export_command, split_command
from qaforge.cli.extract import extract_command, score_extraction_command
from qaforge.cli.generate import generate_command, review_findings_command, stats_command
from qaforge.cli.paths import output_folder
from qaforge.cli.render import print_status
from qaforge.cli.select import select_command
from qaforge.cli.series import series_command
from qaforge.domain.quarantine import QuarantineStage

MAX_LISTED = 1_000_000_000
"""Most rows a listing may ask for: the database takes a 64-bit limit, Python any integer."""

app = typer.Typer(
    name="qaforge",
    help=(
        "Build a verified, leakage-checked VQA benchmark from cardiac MRI reports and "
        "NIfTI series.\n\nThe database is a SQLite file qaforge.db in the working folder "
        "unless --db or QAFORGE_DATABASE_URL names another (postgresql+psycopg://... for teams)."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # report text in locals is PHI
    add_completion=False,
)
app.add_typer(ingest_commands.app, name="ingest")
app.add_typer(annotate_commands.app, name="annotate")
app.command("extract")(extract_command)
app.command("score-extraction")(score_extraction_command)
app.command("generate")(generate_command)
app.command("review-findings")(review_findings_command)
app.command("stats")(stats_command)
app.command("select")(select_command)
app.command("series")(series_command)
app.command("split")(split_command)
app.command("check")(check_command)
app.command("export")(export_command)
app.command("evaluate")(evaluate_command)
app.command("compare")(compare_command)
app.command("baseline")(baseline_command)
app.command("run-model")(run_model_command)


def _version(value: bool) -> None:
    if value:
        console.print(f"qaforge {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL, e.g. sqlite:///qaforge.db or postgresql+psycopg://user@host/db.",
            envvar=None,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    state = app_state(ctx)
    state.db_option = db
    ctx.call_on_close(state.close)


@app.command()
@user_errors
def init(ctx: typer.Context) -> None:
    """Create the database schema, or upgrade it to this version of qaforge."""
    from qaforge.pipeline.status import initialise_database

    done = initialise_database(app_state(ctx).engine(create_missing=True))
    if done.before is None:
        console.print(f"created qaforge schema {done.head} in {done.where}")
    elif done.was_current:
        console.print(f"{done.where} is up to date (schema {done.head})")
    else:
        console.print(f"upgraded {done.where} from schema {done.before} to {done.head}")


@app.command()
@user_errors
def status(ctx: typer.Context) -> None:
    """Print row counts per table and per stage, and the latest ingest runs."""
    from qaforge.pipeline.status import database_status

    print_status(database_status(app_state(ctx).engine()))


@app.command("demo-data")
@user_errors
def demo_data(
    outdir: Annotated[
        Path, typer.Argument(help="Folder to write the sample into.", callback=output_folder)
    ],
    seed: Annotated[int, typer.Option(min=0, help="Seed for the synthetic images.")] = 0,
) -> None:
    """Write the bundled sample: ~30 synthetic CMR reports and matching NIfTI phantoms.

    Writes OUTDIR/reports.jsonl, OUTDIR/series/<study_id>/*.nii.gz and
    OUTDIR/series_truth.jsonl (the phantoms' ground truth).
    """
    from qaforge.pipeline.demo import write_demo_data

    summary = write_demo_data(outdir, seed=seed)
    console.print(
        f"wrote {summary.n_reports} reports and {summary.n_series} series "
        f"for {summary.n_studies} studies to {outdir}"
    )


app.command("demo")(demo_command)


@app.command()
@user_errors
def quarantine(
    ctx: typer.Context,
    stage: Annotated[QuarantineStage | None, typer.Option(help="Only this stage.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_LISTED, help="How many to show, newest first.")
    ] = 50,
) -> None:
    """List refused input with where it came from and why (raw rows stay in the database)."""
    from rich.table import Table

    from qaforge.pipeline.status import quarantine_entries

    entries = quarantine_entries(app_state(ctx).engine(), stage=stage, limit=limit)
    table = Table(title=f"quarantine ({len(entries)} shown)", title_justify="left")
    for column in ("stage", "source", "where", "id", "reason"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            entry.stage, entry.source, entry.location, entry.record_key or "", entry.reason
        )
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="qaforge")
