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
from qaforge.cli.evaluate import baseline_command, evaluate_command, run_model_command
from qaforge.cli.export import check_command, export_command, split_command
from qaforge.cli.extract import extract_command, score_extraction_command
from qaforge.cli.generate import generate_command, stats_command
from qaforge.cli.render import print_status
from qaforge.cli.select import select_command
from qaforge.cli.series import series_command

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
app.command("stats")(stats_command)
app.command("select")(select_command)
app.command("series")(series_command)
app.command("split")(split_command)
app.command("check")(check_command)
app.command("export")(export_command)
app.command("evaluate")(evaluate_command)
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
    from qaforge.store.engine import describe_url
    from qaforge.store.schema import upgrade_database

    engine = app_state(ctx).engine()
    before = upgrade_database(engine)
    where = describe_url(engine)
    if before.current is None:
        console.print(f"created qaforge schema {before.head} in {where}")
    elif before.is_current:
        console.print(f"{where} is up to date (schema {before.head})")
    else:
        console.print(f"upgraded {where} from schema {before.current} to {before.head}")


@app.command()
@user_errors
def status(ctx: typer.Context) -> None:
    """Print row counts per table and per stage, and the latest ingest runs."""
    print_status(app_state(ctx).engine())


@app.command("demo-data")
@user_errors
def demo_data(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the sample into.")],
    seed: Annotated[int, typer.Option(help="Seed for the synthetic images.")] = 0,
) -> None:
    """Write the bundled sample: ~30 synthetic CMR reports and matching NIfTI phantoms.

    Writes OUTDIR/reports.jsonl, OUTDIR/series/<study_id>/*.nii.gz and
    OUTDIR/series_truth.jsonl (the phantoms' ground truth).
    """
    from qaforge.sample import write_sample_data

    summary = write_sample_data(outdir, seed=seed)
    console.print(
        f"wrote {summary.n_reports} reports and {summary.n_series} series "
        f"for {summary.n_studies} studies to {outdir}"
    )


@app.command()
@user_errors
def demo(
    ctx: typer.Context,
    outdir: Annotated[Path, typer.Argument(help="Folder for the sample data and the database.")],
) -> None:
    """Run the pipeline end to end on the bundled sample data.

    Writes the sample into OUTDIR/sample, uses OUTDIR/qaforge.db unless --db is
    given, then runs init, ingest reports, ingest series, extract, generate,
    select (clinical protocol, 16 images per item, PNGs in OUTDIR/images),
    split, check, a demo-only auto-accept in place of radiologist verification,
    export (OUTDIR/export), the majority baseline and its evaluation, and status.
    """
    from qaforge.cli.console import progress_bar
    from qaforge.cli.generate import print_generation_summary
    from qaforge.cli.render import print_report_summary, print_series_summary
    from qaforge.cli.select import print_selection_summary
    from qaforge.pipeline.extract import extract_database
    from qaforge.pipeline.generate import generate_database
    from qaforge.pipeline.ingest import ingest_reports, ingest_series
    from qaforge.pipeline.select import select_images
    from qaforge.sample import write_sample_data
    from qaforge.store.schema import upgrade_database

    state = app_state(ctx)
    if state.db_option is None:
        outdir.mkdir(parents=True, exist_ok=True)
        state.db_option = f"sqlite:///{(outdir / 'qaforge.db').resolve()}"
    engine = state.engine()
    sample = outdir / "sample"
    console.rule("1/12 sample data")
    summary = write_sample_data(sample)
    console.print(f"wrote {summary.n_reports} reports and {summary.n_series} series to {sample}")
    console.rule("2/12 init")
    upgrade_database(engine)
    console.print("schema ready")
    console.rule("3/12 ingest")
    with progress_bar() as progress:
        reports = ingest_reports(engine, sample / "reports.jsonl", progress=progress)
    print_report_summary(reports)
    with progress_bar() as progress:
        series = ingest_series(engine, sample / "series", progress=progress)
    print_series_summary(series)
    console.rule("4/12 extract")
    with progress_bar() as progress:
        extracted = extract_database(engine, progress=progress)
    console.print(
        f"extract: {extracted.extracted} report versions read, {extracted.findings} findings "
        f"stored in run {extracted.run_id[:12]} ({len(extracted.findings_by_code)} codes)"
    )
    console.rule("5/12 generate")
    with progress_bar() as progress:
        generated = generate_database(engine, progress=progress)
    print_generation_summary(generated)
    console.rule("6/12 select")
    with progress_bar() as progress:
        selected = select_images(
            engine,
            protocols=["clinical"],
            budgets=[16],
            images_dir=outdir / "images",
            progress=progress,
        )
    print_selection_summary(selected)
    _demo_release(engine, outdir)
    console.rule("12/12 status")
    print_status(engine)


def _demo_release(engine, outdir: Path) -> None:
    """Steps 7-11 of the demo: split, check, auto-accept, export, baseline and evaluation."""
    from qaforge.cli.evaluate import print_evaluation_summary
    from qaforge.pipeline.check import check_database
    from qaforge.pipeline.demo import demo_auto_accept
    from qaforge.pipeline.evaluate import evaluate_benchmark, majority_baseline
    from qaforge.pipeline.export import export_database
    from qaforge.pipeline.split import assign_database_splits

    console.rule("7/12 split")
    splits = assign_database_splits(engine, stratify=True)
    console.print(
        "split: "
        + ", ".join(
            f"{name} {size['patients']} patients / {size['items']} items"
            for name, size in sorted(splits.sizes.items())
        )
    )
    console.rule("8/12 check")
    report = check_database(engine, json_path=outdir / "checks.json")
    flagged = (
        ", ".join(f"{name} {c['flags']}" for name, c in report.checks.items() if c["flags"])
        or "no flags"
    )
    console.print(
        f"check: {report.items} items, {report.blocked_items} blocked ({flagged}); report in {outdir / 'checks.json'}"
    )
    console.rule(
        "9/12 auto-accept (demo only: stands in for radiologist verification in Label Studio)"
    )
    accepted = demo_auto_accept(engine)
    console.print(
        f"demo: {accepted} items marked demo_accept (exported as demo_verified, never for real data)"
    )
    console.rule("10/12 export")
    exported = export_database(engine, outdir / "export")
    console.print(
        f"export: {sum(exported.records.values())} records "
        f"({', '.join(f'{k} {v}' for k, v in exported.records.items())}), {exported.images} images, "
        f"{exported.skipped_blocked} blocked left out -> {outdir / 'export'}"
    )
    console.rule("11/12 evaluate the majority baseline")
    predictions = outdir / "baseline-preds.jsonl"
    majority_baseline(outdir / "export", predictions)
    summary = evaluate_benchmark(
        outdir / "export", predictions, outdir / "export" / "evaluation", title="majority baseline"
    )
    print_evaluation_summary(summary)


@app.command()
@user_errors
def quarantine(
    ctx: typer.Context,
    stage: Annotated[
        str | None,
        typer.Option(
            help="Only this stage: ingest_reports, ingest_series, extract, generate or select."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to show, newest first.")] = 50,
) -> None:
    """List refused input with where it came from and why (raw rows stay in the database)."""
    from rich.table import Table

    from qaforge.store.quarantine import list_quarantine
    from qaforge.store.schema import require_current_schema

    engine = app_state(ctx).engine()
    require_current_schema(engine)
    with engine.connect() as connection:
        entries = list_quarantine(connection, stage=stage, limit=limit)
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
