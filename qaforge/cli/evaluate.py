"""``qaforge evaluate``, ``qaforge baseline`` and ``qaforge run-model``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.errors import QaforgeError

if TYPE_CHECKING:
    from qaforge.pipeline.evaluate import EvaluationSummary


@user_errors
def evaluate_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder (qaforge export).")],
    predictions: Annotated[Path, typer.Option(help='JSONL of {"id", "output"} per item.')],
    outdir: Annotated[
        Path | None,
        typer.Option(
            help="Where the report goes, outside the export (default: EXPORT-eval/PREDICTIONS-STEM)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Score a model's outputs: accuracy, multi-label P/R/F1, diagnosis macro-F1, report findings F1,
    per tier / sequence / subtask with 95 % bootstrap intervals, confusion matrices, category collapse.

    Free-text outputs are parsed ("B", "Answer: B", "B, C and D", "(c)", the
    option's text); unparseable ones count as wrong and are reported.
    """
    from qaforge.pipeline.evaluate import evaluate_benchmark

    summary = evaluate_benchmark(benchmark, predictions, outdir, seed=seed)
    print_evaluation_summary(summary)


def print_evaluation_summary(summary: EvaluationSummary) -> None:
    """The headline figures and where the report is."""
    result = summary.result
    s = result["summary"]

    def fmt(metric) -> str:
        low, high = metric["ci95"]
        return f"{metric['value']:.3f} [{low:.3f}, {high:.3f}]"

    console.print(
        f"evaluate: {s['items']} items, accuracy {fmt(s['accuracy'])} on {s['choice_items']} choice items; "
        f"{s['unparseable']} unparseable, {s['missing_predictions']} without a prediction"
    )
    for tier, values in result["by_tier"].items():
        console.print(f"  {tier}: {values['items']} items, accuracy {fmt(values['accuracy'])}")
    console.print(
        f"  multiple choice micro F1 {result['multiple_choice']['micro_f1']:.3f}; "
        f"diagnosis macro F1 {fmt(result['diagnosis']['macro_f1'])}; "
        f"report findings F1 {fmt(result['report_generation']['findings_f1'])}"
    )
    if summary.refused_lines:
        console.print(
            f"[yellow]{len(summary.refused_lines)} prediction lines refused[/]: {summary.refused_lines[:3]}"
        )
    console.print(f"report: {summary.report}")


@user_errors
def baseline_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder.")],
    output: Annotated[Path, typer.Option(help="Predictions JSONL to write.")] = Path(
        "baseline-preds.jsonl"
    ),
) -> None:
    """Write the majority-answer baseline (per subtask, the commonest training answer) as predictions."""
    from qaforge.pipeline.evaluate import majority_baseline

    lines = majority_baseline(benchmark, output)
    console.print(f"baseline: majority answers for {lines} items written to {output}")


@user_errors
def run_model_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder.")],
    base_url: Annotated[
        str,
        typer.Option(help="OpenAI-compatible multimodal endpoint, e.g. http://127.0.0.1:8000/v1."),
    ],
    model: Annotated[str, typer.Option(help="Model name.")],
    output: Annotated[Path, typer.Option(help="Predictions JSONL to write.")] = Path("preds.jsonl"),
    prompt: Annotated[
        str, typer.Option(help="plain (answer only) or reasoning (think, then 'Answer: X').")
    ] = "plain",
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 8,
) -> None:
    """Ask a multimodal model every item (images as base64 PNG) and write its outputs.

    Uses the LLM extractor's client: limits, retries with backoff, the key
    from QAFORGE_LLM_API_KEY. Answers are cached beside the output, so a
    re-run asks only for what is missing. Exits with 1 when items failed.
    """
    from qaforge.cli.llm import llm_settings
    from qaforge.pipeline.evaluate import PROMPTS, run_model

    if prompt not in PROMPTS:
        raise QaforgeError.of("E803", prompt=prompt)
    settings = llm_settings({"base_url": base_url, "model": model, "concurrency": concurrency})
    with progress_bar() as progress:
        summary = run_model(benchmark, output, settings, prompt=prompt, progress=progress)  # type: ignore[arg-type]
    console.print(
        f"run-model: {summary.items} items, {summary.answered} answered ({summary.from_cache} from the cache), "
        f"{summary.failed} failed; predictions in {output}"
    )
    for item_id, reason in summary.failures:
        console.print(f"  {item_id}: {reason}")
    if summary.failed:
        raise typer.Exit(1)
