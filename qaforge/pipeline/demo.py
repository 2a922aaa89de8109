"""The demo as one pipeline function, and its stand-in for the radiologist."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from qaforge.pipeline.check import check_database
from qaforge.pipeline.evaluate import evaluate_benchmark, majority_baseline
from qaforge.pipeline.export import export_database
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.run import Progress
from qaforge.pipeline.select import select_images
from qaforge.pipeline.split import assign_database_splits
from qaforge.pipeline.status import database_status
from qaforge.sample import write_sample_data
from qaforge.sample.writer import SampleDataSummary
from qaforge.store.engine import Engine
from qaforge.store.schema import require_current_schema, upgrade_database

DEMO_ANNOTATOR = "qaforge-demo-auto-accept"


def demo_auto_accept(engine: Engine) -> int:
    """Mark every active item without a verification as ``demo_accept`` (the demo only, never real data).

    The export labels such records ``demo_verified`` and the card says so.
    """
    from qaforge.store.checks import add_demo_verifications

    require_current_schema(engine)
    with engine.begin() as connection:
        return add_demo_verifications(connection, annotator=DEMO_ANNOTATOR)


DEMO_STEPS = 12
AUTO_ACCEPT_TITLE = (
    "auto-accept (demo only: stands in for radiologist verification in Label Studio)"
)


class DemoReporter(Protocol):
    """Where the demo shows its steps; the CLI prints them, tests may collect them."""

    def step(self, number: int, total: int, title: str) -> None:
        """A step begins."""

    def progress(self) -> AbstractContextManager[Progress]:
        """A progress display for one long piece of work."""

    def show(self, name: str, result: Any) -> None:
        """A step's result: ``name`` says which (sample, init, reports, series, extract,
        generate, select, split, check, accept, export, evaluate, status)."""


class DemoSummary(BaseModel):
    """The figures of a demo run, step by step."""

    results: dict[str, Any]


def run_demo(engine: Engine, outdir: Path, reporter: DemoReporter) -> DemoSummary:
    """The whole pipeline on the bundled sample, in OUTDIR.

    Writes the sample into OUTDIR/sample, then runs init, ingest reports and
    series, extract, generate, select (clinical protocol, 16 images per item,
    PNGs in OUTDIR/images), split, check (OUTDIR/checks.json), the demo-only
    auto-accept in place of radiologist verification, export (OUTDIR/export),
    the majority baseline (OUTDIR/baseline-preds.jsonl) with its evaluation (OUTDIR/evaluation),
    and status. Each step's result goes to ``reporter`` as soon as it is known.

    Returns:
        Every step's result by name.
    """
    sample, export = outdir / "sample", outdir / "export"
    steps = _Steps(reporter)
    steps.begin("sample data")
    steps.done("sample", write_sample_data(sample))
    steps.begin("init")
    steps.done("init", upgrade_database(engine))
    steps.begin("ingest")
    with reporter.progress() as progress:
        steps.done("reports", ingest_reports(engine, sample / "reports.jsonl", progress=progress))
    with reporter.progress() as progress:
        steps.done("series", ingest_series(engine, sample / "series", progress=progress))
    steps.begin("extract")
    with reporter.progress() as progress:
        steps.done("extract", extract_database(engine, progress=progress))
    steps.begin("generate")
    with reporter.progress() as progress:
        steps.done("generate", generate_database(engine, progress=progress))
    steps.begin("select")
    with reporter.progress() as progress:
        selected = select_images(
            engine,
            protocols=["clinical"],
            budgets=[16],
            images_dir=outdir / "images",
            progress=progress,
        )
    steps.done("select", selected)
    steps.begin("split")
    steps.done("split", assign_database_splits(engine, stratify=True))
    steps.begin("check")
    steps.done("check", check_database(engine, json_path=outdir / "checks.json"))
    steps.begin(AUTO_ACCEPT_TITLE)
    steps.done("accept", demo_auto_accept(engine))
    steps.begin("export")
    steps.done("export", export_database(engine, export))
    steps.begin("evaluate the majority baseline")
    predictions = outdir / "baseline-preds.jsonl"
    majority_baseline(export, predictions)
    evaluation = evaluate_benchmark(
        export, predictions, outdir / "evaluation", title="majority baseline"
    )
    steps.done("evaluate", evaluation)
    steps.begin("status")
    steps.done("status", database_status(engine))
    return DemoSummary(results=steps.results)


class _Steps:
    """Numbers the demo's steps and keeps their results."""

    def __init__(self, reporter: DemoReporter) -> None:
        self.reporter = reporter
        self.number = 0
        self.results: dict[str, Any] = {}

    def begin(self, title: str) -> None:
        self.number += 1
        self.reporter.step(self.number, DEMO_STEPS, title)

    def done(self, name: str, result: Any) -> None:
        self.results[name] = result
        self.reporter.show(name, result)


def write_demo_data(outdir: Path, *, seed: int = 0) -> SampleDataSummary:
    """Write the bundled sample (reports, NIfTI phantoms, their truth) into ``outdir``.

    Returns:
        The sample's counts (reports, series, studies).
    """
    return write_sample_data(outdir, seed=seed)
