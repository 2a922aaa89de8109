"""``qaforge extract --extractor llm|both``: settings, the runs, and their summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from qaforge.cli.console import console, progress_bar
from qaforge.cli.context import app_state
from qaforge.errors import QaforgeError


def llm_settings(overrides: dict[str, Any]):
    """LLM settings from the environment, with command-line overrides; E006 when invalid."""
    from qaforge.settings import LLMSettings

    try:
        return LLMSettings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise QaforgeError.of("E006", setting=field, problem=first["msg"]) from None


def reconciliation_policy(arguments: list[str]):
    """A policy from ``STATE=DECISION`` arguments; E007 when one is not understood."""
    from qaforge.pipeline.reconcile import ReconciliationPolicy

    values: dict[str, str] = {}
    for argument in arguments:
        state, _, decision = argument.partition("=")
        values[state.strip()] = decision.strip()
    try:
        return ReconciliationPolicy(**values)
    except ValidationError as error:
        first = error.errors()[0]
        raise QaforgeError.of(
            "E007", arguments=arguments, state=first["loc"][0], problem=first["msg"]
        ) from None


def run_llm_extraction(
    ctx: typer.Context,
    *,
    both: bool,
    input_file: Path | None,
    output: Path | None,
    overrides: dict[str, Any],
    refresh: bool,
    policy_args: list[str],
    workers: int,
    executor: str = "process",
    scheduler: str | None = None,
) -> None:
    """Run the LLM (and, with ``both``, the rules and reconciliation); exit 1 if reports failed."""
    from qaforge.pipeline.extract_llm_file import extract_file_llm
    from qaforge.pipeline.reconcile import extract_database_both

    settings = llm_settings(overrides)
    policy = reconciliation_policy(policy_args)
    if input_file is not None and output is not None:
        with progress_bar() as progress:
            summary = extract_file_llm(
                input_file, output, settings, both=both, policy=policy, progress=progress
            )
        print_llm_summary(summary, settings.model)
        console.print(f"findings written to {output}")
    elif both:
        state = app_state(ctx)
        with progress_bar() as progress:
            result = extract_database_both(
                state.engine(),
                settings,
                policy=policy,
                workers=workers,
                batch_size=state.settings().batch_size,
                refresh=refresh,
                progress=progress,
            )
        print_both_summary(result, settings.model)
        summary = result.llm
    else:
        summary = _extract_database_llm(ctx, settings, refresh, executor, scheduler)
    if summary.failed:
        retry = (
            f"their reasons are in {output.name}.failures.jsonl; without a database a re-run "
            "asks again for every report of the input"
            if input_file is not None and output is not None
            else "they stay pending: run the same command again to retry only them"
        )
        console.print(f"[yellow]{summary.failed} reports failed[/]; {retry}")
        raise typer.Exit(1)


def _extract_database_llm(
    ctx: typer.Context, settings, refresh: bool, executor: str, scheduler: str | None
):
    """``extract --extractor llm`` on the database; prints and returns the summary."""
    from qaforge.pipeline.extract_llm import extract_database_llm

    with progress_bar() as progress:
        summary = extract_database_llm(
            app_state(ctx).engine(),
            settings,
            refresh=refresh,
            executor=executor,
            scheduler=scheduler,
            progress=progress,
        )
    print_llm_summary(summary, settings.model)
    return summary


def print_both_summary(result, model: str) -> None:
    """The rules run, the LLM run and the reconciliation of ``extract --extractor both``."""
    rules, reconciled = result.rules, result.reconciled
    console.print(
        f"rules: run {rules.run_id[:12]}: {rules.extracted} report versions read, "
        f"{rules.findings} findings stored"
    )
    print_llm_summary(result.llm, model)
    states = ", ".join(
        f"{s} {reconciled.states.get(s, 0)}"
        for s in ("agree", "rules_only", "llm_only", "conflict")
    )
    console.print(
        f"reconcile: run {reconciled.run_id[:12]}: {reconciled.reconciled} report versions, "
        f"{reconciled.kept} findings kept, {reconciled.disputed} disputed (held for review "
        f"by `generate`); groups: {states}"
    )


def print_llm_summary(summary, model: str) -> None:
    """Counts, tokens and cost of an LLM extraction, then the first failures."""
    run = (
        f"run {summary.run_id[:12]} ({'new' if summary.new_run else 'known'}), "
        if summary.run_id
        else ""
    )
    console.print(
        f"llm: {run}model {model}: {summary.extracted} reports extracted "
        f"({summary.from_cache} from the cache), {summary.failed} failed, "
        f"{summary.requests} requests; {summary.findings} findings, "
        f"{summary.rejected} refused (evidence not found or outside the vocabulary); "
        f"tokens {summary.prompt_tokens} prompt + {summary.completion_tokens} answer, "
        f"estimated cost {summary.cost:.4f}"
        + (f"; {summary.quarantined} rows quarantined" if summary.quarantined else "")
    )
    if summary.failures:
        table = Table(title="first failures", title_justify="left")
        table.add_column("report")
        table.add_column("reason", overflow="fold")
        for report_id, reason in summary.failures:
            # plain text: a server's words are not console markup
            table.add_row(Text(report_id), Text(reason))
        console.print(table)
