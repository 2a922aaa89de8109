"""``qaforge evaluate``, ``qaforge compare``, ``qaforge baseline`` and ``qaforge run-model``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.paths import output_file, output_folder
from qaforge.errors import QaforgeError

if TYPE_CHECKING:
    from qaforge.pipeline.evaluate import EvaluationSummary

SplitOption = Annotated[
    str, typer.Option(help="The split scored / answered: train, validation, test, or all.")
]


@user_errors
def evaluate_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder (qaforge export).")],
    predictions: Annotated[Path, typer.Option(help='JSONL of {"id", "output"} per item.')],
    outdir: Annotated[
        Path | None,
        typer.Option(
            help="Where the report goes, outside the export (default: EXPORT-eval/PREDICTIONS-STEM).",
            callback=output_folder,
        ),
    ] = None,
    split: SplitOption = "test",
    seed: Annotated[int, typer.Option(min=0, help="Bootstrap seed.")] = 0,
) -> None:
    """Score a model's outputs on one split: accuracy, multi-label P/R/F1, diagnosis macro-F1, report
    findings F1, per tier / sequence / subtask with 95 % intervals (Wilson for accuracies, BCa
    bootstrap for F1s) and chance levels, confusion matrices, category collapse.

    Free-text outputs are parsed ("B", "Answer: B", "B, C and D", "(c)", the
    option's text); unparseable and missing ones count as wrong and are
    reported apart. Exits non-zero when no prediction names an item of the split.
    """
    from qaforge.pipeline.evaluate import evaluate_benchmark

    summary = evaluate_benchmark(benchmark, predictions, outdir, split=split, seed=seed)
    print_evaluation_summary(summary)


def print_evaluation_summary(summary: EvaluationSummary) -> None:
    """The headline figures and where the report is."""
    from qaforge.pipeline.evaluate import format_metric as fmt

    result = summary.result
    s = result["summary"]
    console.print(
        f"evaluate: {s['items']} items, accuracy {fmt(s['accuracy'])} on {s['choice_items']} choice items; "
        f"{s['unparseable']} unparseable, {s['missing_predictions']} without a prediction"
    )
    if summary.unknown_ids:
        console.print(
            f"[yellow]{summary.unknown_ids} prediction lines for ids outside split "
            f"{s.get('split')!r}[/], e.g. {', '.join(summary.unknown_examples)}"
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
def compare_command(
    first: Annotated[Path, typer.Argument(help="The first model's predictions JSONL.")],
    second: Annotated[Path, typer.Argument(help="The second model's predictions JSONL.")],
    benchmark: Annotated[Path, typer.Option(help="An export folder (qaforge export).")],
    split: SplitOption = "test",
    table: Annotated[
        Path | None,
        typer.Option(help="Also write the rows as TABLE.csv (and .parquet).", callback=output_file),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Permutation test seed.")] = 0,
) -> None:
    """Compare two models on the same items: accuracy differences (first - second) per tier and
    subtask with McNemar's test, and F1 differences with a paired permutation test.
    """
    from qaforge.pipeline.evaluate import compare_predictions

    result = compare_predictions(benchmark, first, second, split=split, seed=seed, table=table)
    console.print(f"compare: {first.name} - {second.name} on split {split!r}")
    rows = [("overall", "all", result["overall"])]
    rows += [("tier", k, v) for k, v in result["by_tier"].items()]
    rows += [("subtask", k, v) for k, v in result["by_subtask"].items()]
    for level, group, row in rows:
        console.print(
            f"  {level} {group}: {row['items']} items, accuracy {row['accuracy_first']:.3f} vs "
            f"{row['accuracy_second']:.3f}, difference {row['difference']:+.3f} "
            f"(discordant {row['only_first_correct']}/{row['only_second_correct']}, "
            f"McNemar p = {row['p_value']:.4g})"
        )
    for name, row in result["f1"].items():
        p_value = "n/a" if row["p_value"] is None else f"{row['p_value']:.4g}"
        ci = row["difference_ci95"]
        shown = "no interval" if ci is None else f"[{ci[0]:+.3f}, {ci[1]:+.3f}]"
        console.print(
            f"  {name}: {row['items']} items, {row['first']:.3f} vs {row['second']:.3f}, "
            f"difference {row['difference']:+.3f} {shown} (paired permutation p = {p_value})"
        )
    if table is not None:
        console.print(f"table: {table.with_suffix('.csv')}")


@user_errors
def baseline_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder.")],
    output: Annotated[
        Path, typer.Option(help="Predictions JSONL to write.", callback=output_file)
    ] = Path("baseline-preds.jsonl"),
    split: SplitOption = "test",
) -> None:
    """Write the majority-answer baseline (per subtask, the commonest training answer) as predictions."""
    from qaforge.pipeline.evaluate import majority_baseline

    lines = majority_baseline(benchmark, output, split=split)
    console.print(f"baseline: majority answers for {lines} items written to {output}")


@user_errors
def run_model_command(
    benchmark: Annotated[Path, typer.Option(help="An export folder.")],
    base_url: Annotated[
        str,
        typer.Option(help="OpenAI-compatible multimodal endpoint, e.g. http://127.0.0.1:8000/v1."),
    ],
    model: Annotated[str, typer.Option(help="Model name.")],
    output: Annotated[
        Path, typer.Option(help="Predictions JSONL to write.", callback=output_file)
    ] = Path("preds.jsonl"),
    prompt: Annotated[
        str, typer.Option(help="plain (answer only) or reasoning (think, then 'Answer: X').")
    ] = "plain",
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 8,
    split: SplitOption = "test",
) -> None:
    """Ask a multimodal model every item of a split (images as base64 PNG) and write its outputs.

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
        summary = run_model(
            benchmark, output, settings, prompt=prompt, split=split, progress=progress
        )  # type: ignore[arg-type]
    console.print(
        f"run-model: {summary.items} items, {summary.answered} answered ({summary.from_cache} from the cache), "
        f"{summary.failed} failed; predictions in {output}"
    )
    for item_id, reason in summary.failures:
        console.print(f"  {item_id}: {reason}")
    if summary.failed:
        raise typer.Exit(1)
