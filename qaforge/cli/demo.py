"""``qaforge demo``: the pipeline's demo run, printed step by step."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any

import typer

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.context import app_state
from qaforge.cli.paths import output_folder
from qaforge.pipeline.run import Progress


@user_errors
def demo_command(
    ctx: typer.Context,
    outdir: Annotated[
        Path,
        typer.Argument(help="Folder for the sample data and the database.", callback=output_folder),
    ],
) -> None:
    """Run the pipeline end to end on the bundled sample data.

    Writes the sample into OUTDIR/sample, uses OUTDIR/qaforge.db unless --db is
    given, then runs init, ingest reports, ingest series, extract, generate,
    select (clinical protocol, 16 images per item, PNGs in OUTDIR/images),
    split, check, a demo-only auto-accept in place of radiologist verification,
    export (OUTDIR/export), the majority baseline and its evaluation, and status.
    """
    from qaforge.pipeline.demo import run_demo

    state = app_state(ctx)
    if state.db_option is None:
        outdir.mkdir(parents=True, exist_ok=True)
        state.db_option = f"sqlite:///{(outdir / 'qaforge.db').resolve()}"
    run_demo(state.engine(create_missing=True), outdir, PrintedDemo(outdir))


class PrintedDemo:
    """A demo reporter that prints each step's rule and result to the console."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def step(self, number: int, total: int, title: str) -> None:
        console.rule(f"{number}/{total} {title}")

    def progress(self) -> AbstractContextManager[Progress]:
        return progress_bar()

    def show(self, name: str, result: Any) -> None:
        getattr(self, f"_show_{name}")(result)

    def _show_sample(self, summary: Any) -> None:
        console.print(
            f"wrote {summary.n_reports} reports and {summary.n_series} series "
            f"to {self.outdir / 'sample'}"
        )

    def _show_init(self, _: Any) -> None:
        console.print("schema ready")

    def _show_reports(self, summary: Any) -> None:
        from qaforge.cli.render import print_report_summary

        print_report_summary(summary)

    def _show_series(self, summary: Any) -> None:
        from qaforge.cli.render import print_series_summary

        print_series_summary(summary)

    def _show_extract(self, extracted: Any) -> None:
        console.print(
            f"extract: {extracted.extracted} report versions read, {extracted.findings} findings "
            f"stored in run {extracted.run_id[:12]} ({len(extracted.findings_by_code)} codes)"
        )

    def _show_generate(self, summary: Any) -> None:
        from qaforge.cli.generate import print_generation_summary

        print_generation_summary(summary)

    def _show_select(self, summary: Any) -> None:
        from qaforge.cli.select import print_selection_summary

        print_selection_summary(summary)

    def _show_split(self, splits: Any) -> None:
        console.print(
            "split: "
            + ", ".join(
                f"{name} {size['patients']} patients / {size['items']} items"
                for name, size in sorted(splits.sizes.items())
            )
        )

    def _show_check(self, report: Any) -> None:
        flagged = (
            ", ".join(f"{name} {c['flags']}" for name, c in report.checks.items() if c["flags"])
            or "no flags"
        )
        console.print(
            f"check: {report.items} items, {report.blocked_items} blocked ({flagged}); "
            f"report in {self.outdir / 'checks.json'}"
        )

    def _show_accept(self, accepted: int) -> None:
        console.print(
            f"demo: {accepted} items marked demo_accept "
            "(exported as demo_verified, never for real data)"
        )

    def _show_export(self, exported: Any) -> None:
        console.print(
            f"export: {sum(exported.records.values())} records "
            f"({', '.join(f'{k} {v}' for k, v in exported.records.items())}), "
            f"{exported.images} images, "
            f"{exported.skipped_blocked} blocked left out -> {self.outdir / 'export'}"
        )

    def _show_evaluate(self, summary: Any) -> None:
        from qaforge.cli.evaluate import print_evaluation_summary

        print_evaluation_summary(summary)

    def _show_status(self, status: Any) -> None:
        from qaforge.cli.render import print_status

        print_status(status)
