"""``qaforge extract`` and ``qaforge score-extraction``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.context import app_state, check_input_limits
from qaforge.cli.executors import ExecutorOption, SchedulerOption
from qaforge.cli.paths import output_file
from qaforge.errors import QaforgeError

# The options of `extract`, named once so the command's signature stays readable.
InputOption = Annotated[
    Path | None,
    typer.Option(
        "--input",
        help="Reports file (.jsonl/.csv/.parquet) to extract without a database. Needs --output.",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="Findings JSONL to write, one line per report (with --input).",
        callback=output_file,
    ),
]
ExtractorOption = Annotated[
    str,
    typer.Option(
        help="rules, llm (an OpenAI-compatible server, docs/llm.md) or both (then reconciled)."
    ),
]
MAX_WORKERS = 1024
"""Most worker processes: the pool starts every one at once, so a mistyped count must not fork on."""

WorkersOption = Annotated[
    int,
    typer.Option(
        min=1,
        max=MAX_WORKERS,
        help="Worker processes for the rules (each builds its own pipeline).",
    ),
]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="LLM server URL (default QAFORGE_LLM_BASE_URL).")
]
ModelOption = Annotated[
    str | None, typer.Option(help="LLM model name (default QAFORGE_LLM_MODEL).")
]
ResponseFormatOption = Annotated[
    str | None,
    typer.Option(help="json_schema (vLLM, OpenAI) or json_object (llama.cpp, Ollama)."),
]
ServerKindOption = Annotated[
    str | None,
    typer.Option(
        help="vllm, ollama, llamacpp (one request at a time, json_object) or openai; "
        "default QAFORGE_LLM_SERVER_KIND, else asked of GET /v1/models."
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(min=1, help="LLM requests in flight (default QAFORGE_LLM_CONCURRENCY)."),
]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Ignore cached LLM answers and ask again.")
]
PolicyOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Reconciliation policy STATE=DECISION, e.g. llm_only=keep or conflict=rules "
        "(default: agree=keep, rules_only=keep, llm_only=review, conflict=review)."
    ),
]


@user_errors
def extract_command(
    ctx: typer.Context,
    input_file: InputOption = None,
    output: OutputOption = None,
    extractor: ExtractorOption = "rules",
    workers: WorkersOption = 1,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    response_format: ResponseFormatOption = None,
    server_kind: ServerKindOption = None,
    concurrency: ConcurrencyOption = None,
    refresh: RefreshOption = False,
    policy: PolicyOption = None,
    executor: ExecutorOption = "process",
    scheduler: SchedulerOption = None,
) -> None:
    """Extract findings from reports with the rules, an LLM, or both.

    The LLM extractor asks an OpenAI-compatible server (vLLM, Ollama,
    llama.cpp, OpenAI; settings QAFORGE_LLM_*, the key from
    QAFORGE_LLM_API_KEY only). Every finding must quote the report; others
    are refused with their reason. Answers are cached in the database; a report
    whose request fails is recorded with the reason and asked again on the
    next run. With 'both', the rules' and the LLM's findings are reconciled
    (agree / rules_only / llm_only / conflict) into a third run that
    'generate' uses.

    Without --input: reads every current report version in the database that
    this configuration (extractor, version, hash of its rule files) has not
    read, and stores its findings with an extraction run. A re-run with
    unchanged rules does nothing; changed rules make a new run.

    With --input FILE --output FILE: no database. Writes one line per valid
    report, {"report_id": ..., "findings": [...]}, in input order; refused rows
    go to OUTPUT.quarantine.jsonl with their reason and line.

    --extractor llm --executor dask --scheduler tcp://HOST:8786 reads the reports on a
    Dask cluster, a task per study; findings are stored here (docs/distributed.md).
    """
    _check_choice(extractor, input_file, output, executor, scheduler)
    if extractor != "rules":
        from qaforge.cli.llm import run_llm_extraction

        run_llm_extraction(
            ctx,
            both=extractor == "both",
            input_file=input_file,
            output=output,
            overrides=_overrides(base_url, model, response_format, server_kind, concurrency),
            refresh=refresh,
            policy_args=policy or [],
            workers=workers,
            executor=executor,
            scheduler=scheduler,
        )
    else:
        _extract_rules(ctx, input_file, output, workers)


def _overrides(
    base_url: str | None,
    model: str | None,
    response_format: str | None,
    server_kind: str | None,
    concurrency: int | None,
) -> dict[str, object]:
    """The LLM settings given on the command line."""
    given = dict(
        base_url=base_url,
        model=model,
        response_format=response_format,
        server_kind=server_kind,
        concurrency=concurrency,
    )
    return {name: value for name, value in given.items() if value is not None}


def _extract_rules(ctx: typer.Context, input_file: Path | None, output: Path | None, workers: int):
    """The rules on a file (with --input and --output) or on the database."""
    if input_file is not None and output is not None:
        _extract_file(input_file, output, workers)
    else:
        _extract_database(ctx, workers)


def _check_choice(
    extractor: str,
    input_file: Path | None,
    output: Path | None,
    executor: str,
    scheduler: str | None,
) -> None:
    """E004 for an unknown extractor, E005 for --input without --output or the reverse,
    E011-E013 for a bad executor (E012: dask reads only with the LLM on the database).

    Also E002 for a bad ``QAFORGE_MAX_*`` limit: with --input no database
    settings are read, and the limits would fail every report instead.
    """
    from qaforge.pipeline.executors import checked_executor

    if extractor not in ("rules", "llm", "both"):
        raise QaforgeError.of("E004", extractor=extractor)
    if (input_file is None) != (output is None):
        raise QaforgeError.of("E005")
    check_input_limits()
    checked_executor(executor, scheduler)
    if executor == "dask" and (extractor != "llm" or input_file is not None):
        raise QaforgeError.of(
            "E012", problem="--executor dask reads with --extractor llm on the database only"
        )


def _extract_file(input_file: Path, output: Path, workers: int) -> None:
    """``extract --input --output`` with the rules; exit 1 when no row was valid."""
    from qaforge.pipeline.extract import extract_file

    with progress_bar() as progress:
        summary = extract_file(input_file, output, workers=workers, progress=progress)
    console.print(
        f"extract: {summary.reports} reports from {summary.source} -> {summary.output}: "
        f"{summary.findings} findings, {summary.quarantined} rows quarantined"
        + (f" (see {summary.quarantine_file})" if summary.quarantine_file else "")
    )
    for entry in summary.examples[:10]:
        console.print(f"  {entry.location}: {entry.reason}")
    if summary.quarantined and not summary.reports:
        raise typer.Exit(1)


def _extract_database(ctx: typer.Context, workers: int) -> None:
    """``extract`` with the rules on the database, and the run's findings per code."""
    from qaforge.pipeline.extract import extract_database

    state = app_state(ctx)
    with progress_bar() as progress:
        result = extract_database(
            state.engine(),
            workers=workers,
            batch_size=state.settings().batch_size,
            progress=progress,
        )
    console.print(
        f"extract: run {result.run_id[:12]} ({'new' if result.new_run else 'known'} rules): "
        f"{result.extracted} report versions read, {result.already_extracted} already read, "
        f"{result.findings} findings stored, {result.quarantined} unreadable reports quarantined"
    )
    if result.findings_by_code:
        table = Table(title="findings of this run, per code", title_justify="left")
        table.add_column("code")
        table.add_column("findings", justify="right")
        for code, count in result.findings_by_code.items():
            table.add_row(code, str(count))
        console.print(table)


@user_errors
def score_extraction_command(
    gold: Annotated[Path, typer.Option(help="Gold findings JSONL (the stateless extract format).")],
    pred: Annotated[Path, typer.Option(help="Predicted findings JSONL (from `qaforge extract`).")],
    json_output: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Also write the scores as JSON to this file.", callback=output_file
        ),
    ] = None,
) -> None:
    """Score predicted findings against gold: per-code precision, recall and F1.

    Values are matched on (code, value) per report; locations (levels, walls,
    segments) and certainty are scored on the matched pairs. Only reports in
    the gold file are scored. See docs/extraction.md.
    """
    from qaforge.pipeline.extract import score_extraction_files

    scored = score_extraction_files(gold, pred)
    gold_file, pred_file, score = scored.gold, scored.pred, scored.score
    for name, loaded in (("gold", gold_file), ("pred", pred_file)):
        for problem in loaded.problems[:10]:
            console.print(f"[yellow]{name} line {problem.line} skipped:[/] {problem.reason}")
        if len(loaded.problems) > 10:
            console.print(
                f"[yellow]... and {len(loaded.problems) - 10} more {name} lines skipped[/]"
            )
    table = Table(
        title=f"extraction scores over {score.reports_scored} gold reports", title_justify="left"
    )
    for column in ("code", "tp", "fp", "fn", "precision", "recall", "f1"):
        table.add_column(column, justify="left" if column == "code" else "right")
    for code, counts in score.values.per_code.items():
        table.add_row(code, *_count_cells(counts))
    table.add_section()
    table.add_row("micro (code, value)", *_count_cells(score.values.micro))
    table.add_row("micro locations", *_count_cells(score.locations.micro))
    console.print(table)
    console.print(
        f"certainty agreement on matched findings: {score.certainty.agreement:.3f}; "
        f"macro-F1 (code, value): {score.values.macro_f1:.3f}"
    )
    if score.missing_pred_reports or score.unscored_pred_reports:
        console.print(
            f"{score.missing_pred_reports} gold reports have no prediction line; "
            f"{score.unscored_pred_reports} predicted reports are not in the gold file"
        )
    if json_output is not None:
        json_output.write_text(
            json.dumps(score.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"
        )
        console.print(f"wrote {json_output}")
    if gold_file.problems and not gold_file.reports:
        raise typer.Exit(1)


def _count_cells(counts) -> list[str]:
    return [
        str(counts.tp),
        str(counts.fp),
        str(counts.fn),
        f"{counts.precision:.3f}",
        f"{counts.recall:.3f}",
        f"{counts.f1:.3f}",
    ]
