"""``qaforge generate``, ``qaforge review-findings`` and ``qaforge stats``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.context import app_state, with_db_option
from qaforge.cli.paths import output_file

# The options of `generate`, named once so the command's signature stays readable.
RunOption = Annotated[
    str | None,
    typer.Option(help="Extraction run id (or its first characters); default: the latest finished."),
]
CatalogueOption = Annotated[
    Path | None, typer.Option(help="A custom catalogue YAML (or a folder with catalogue.yaml).")
]
MajorityCapOption = Annotated[
    float,
    typer.Option(
        min=0.01, max=1.0, help="Largest share one answer may have in a subtask; 1 turns it off."
    ),
]
IncludePossibleOption = Annotated[
    bool, typer.Option(help="Let items rest on findings of 'possible' certainty.")
]
RequireSeriesOption = Annotated[
    bool,
    typer.Option(
        help="Only ask about a sequence when the study has a series of it in a fitting view."
    ),
]
SeedOption = Annotated[
    int, typer.Option(help="Seed of option order, paraphrase choice and the cap.")
]
MinConfidenceOption = Annotated[
    float,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Findings of lower confidence make no item but a review entry "
        "(`qaforge review-findings`); 0 holds only disputed findings.",
    ),
]


@user_errors
def generate_command(
    ctx: typer.Context,
    run: RunOption = None,
    catalogue: CatalogueOption = None,
    majority_cap: MajorityCapOption = 0.5,
    include_possible: IncludePossibleOption = False,
    require_series: RequireSeriesOption = True,
    seed: SeedOption = 0,
    min_confidence: MinConfidenceOption = 0.6,
) -> None:
    """Make QA items from the stored findings, with the subtask catalogue.

    Every subtask of the catalogue (templates/catalogue.yaml, see
    docs/generation.md) asks about each study whose findings answer it. Item
    ids are hashes of their content, so re-running keeps unchanged items and
    their verifications; items that no longer arise are retired, never
    deleted. Items beyond the majority cap are kept as 'capped'. A doubtful
    finding (confidence below --min-confidence, or one the rules and the LLM
    disagree on) makes no item of any subtask it touches: it becomes a review
    entry, listed by `qaforge review-findings`.
    """
    from qaforge.domain.qa import GenerationConfig
    from qaforge.pipeline.generate import generate_database

    state = app_state(ctx)
    config = GenerationConfig(
        include_possible=include_possible,
        majority_cap=majority_cap,
        require_series=require_series,
        seed=seed,
        min_confidence=min_confidence,
    )
    with progress_bar() as progress:
        summary = generate_database(
            state.engine(),
            config=config,
            catalogue_path=catalogue,
            run_id=run,
            batch_size=state.settings().batch_size,
            progress=progress,
        )
    print_generation_summary(summary)


def print_generation_summary(summary) -> None:
    """One table per tier (subtasks in catalogue order), then the totals."""
    from qaforge.domain.qa import TIERS

    for tier in TIERS:
        rows = [(name, counts) for name, counts in summary.subtasks.items() if counts.tier == tier]
        if not rows:
            continue
        table = Table(
            title=f"{tier.replace('_', ' ')}: {sum(c.active for _, c in rows)} active items",
            title_justify="left",
        )
        table.add_column("subtask", no_wrap=True)
        for column in ("active", "capped", "new", "retired"):
            table.add_column(column, justify="right")
        for name, counts in rows:
            table.add_row(
                name,
                str(counts.active),
                str(counts.capped),
                str(counts.new),
                str(counts.retired),
            )
        console.print(table)
    skipped = [
        (name, counts.skipped) for name, counts in summary.subtasks.items() if counts.skipped
    ]
    if skipped:
        console.print("findings that made no item (see docs/generation.md, 'Why no item'):")
        for name, reasons in skipped:
            text = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
            console.print(f"  {name}: {text}")
    console.print(
        f"generate: run {summary.run_id[:12]}, {summary.studies_generated} of {summary.studies} "
        f"studies: {summary.items_active} active items ({summary.items_new} new, "
        f"{summary.items_kept} kept, {summary.items_reactivated} reactivated), "
        f"{summary.items_capped} capped at {summary.config.majority_cap:.0%}, "
        f"{summary.items_retired} retired"
    )
    _print_generation_notices(summary)


def _print_generation_notices(summary) -> None:
    """What the user may want to do next: held findings, unread or quarantined studies."""
    if summary.findings_held:
        doubts = ", ".join(f"{name} {n}" for name, n in sorted(summary.held_doubts.items()))
        console.print(
            f"{summary.findings_held} findings held for review instead of making items "
            f"(below confidence {summary.config.min_confidence:g} or disputed; {doubts}): "
            + with_db_option("see `qaforge review-findings`")
        )
    if summary.studies_not_extracted:
        console.print(
            f"[yellow]{summary.studies_not_extracted} studies have report versions this run has "
            + with_db_option(
                "not read; their items were left as they were: run `qaforge extract` first"
            )
            + "[/]"
        )
    if summary.studies_quarantined:
        console.print(
            f"[yellow]{summary.studies_quarantined} studies have stored findings that fail the "
            + with_db_option(
                "vocabulary; they were left out (see `qaforge quarantine --stage generate`)"
            )
            + "[/]"
        )


@user_errors
def review_findings_command(
    ctx: typer.Context,
    run: RunOption = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, max=1_000_000_000, help="Show at most this many entries."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Also write the entries, with their evidence sentences, as JSON lines "
            "to this file (it holds report text: keep it where the reports are kept)."
        ),
    ] = None,
) -> None:
    """List the findings `generate` held for review instead of making items of them.

    A finding is held when its confidence is below `generate --min-confidence`
    (the rules doubt their reading: the report contradicts it, the place came
    from another sentence, ...; see docs/generation.md) or when the rules and
    the LLM disagree on it (`extract --extractor both`). Lowest confidence
    first; 'conf' is the confidence, 'held' the number of subtasks the
    finding kept from making items. The table shows no report text; --output
    writes each entry with its evidence sentence and the subtasks it held,
    for the reviewer.
    """
    from qaforge.pipeline.review_findings import list_finding_reviews, write_finding_reviews

    reviews = list_finding_reviews(app_state(ctx).engine(), run_id=run, limit=limit)
    if not reviews.total:
        console.print(f"no findings held for review in run {reviews.run_id[:12]}")
        return
    table = Table(
        title=f"findings held for review (run {reviews.run_id[:12]})", title_justify="left"
    )
    for column in ("study", "report", "code", "value", "conf", "doubts", "held"):
        table.add_column(
            column,
            justify="right" if column in ("conf", "held") else "left",
            no_wrap=column in ("code", "doubts"),
        )
    for entry in reviews.entries:
        table.add_row(
            entry.study_id,
            entry.report_id,
            entry.code,
            str(entry.value),
            f"{entry.confidence:.2f}",
            ", ".join(entry.doubts),
            str(len(entry.subtasks)),
        )
    console.print(table)
    shown = len(reviews.entries)
    console.print(f"review-findings: {shown} of {reviews.total} entries shown")
    if output is not None:
        write_finding_reviews(reviews, output)
        console.print(f"{shown} entries written to {output}")


@user_errors
def stats_command(
    ctx: typer.Context,
    json_output: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Also write the statistics as JSON to this file.", callback=output_file
        ),
    ] = None,
) -> None:
    """Counts and answer distributions of the stored QA items, per subtask.

    'top' is the most frequent answer's share among active items (the majority
    cap keeps it at or below the cap). 'letters p' is the chi-square p-value
    that the correct letter is uniform over the option positions
    (single-choice items); a small value means the letters are unbalanced.
    Then each subtask's answers with their counts.
    """
    import json

    from qaforge.domain.qa import TIERS
    from qaforge.pipeline.generate import generation_statistics

    statistics = generation_statistics(app_state(ctx).engine())
    if not statistics:
        console.print(with_db_option("no QA items yet: run `qaforge generate`"))
        return
    for tier in TIERS:
        rows = [stats for stats in statistics if stats.tier == tier]
        if not rows:
            continue
        table = Table(title=tier.replace("_", " "), title_justify="left")
        table.add_column("subtask", no_wrap=True)
        for column in ("active", "capped", "retired", "top", "letters p"):
            table.add_column(column, justify="right")
        for stats in rows:
            share = stats.majority_share
            p_value = stats.position_p_value
            table.add_row(
                stats.subtask_id,
                str(stats.active),
                str(stats.statuses["capped"]),
                str(stats.statuses["retired"]),
                f"{share:.0%}" if share is not None else "",
                f"{p_value:.2f}" if p_value is not None else "",
            )
        console.print(table)
    console.print("answers of active items:")
    for stats in statistics:
        if stats.answers:
            shown = ", ".join(f"{key} {count}" for key, count in stats.answers.most_common())
            console.print(f"  {stats.subtask_id}: {shown}")
    if json_output is not None:
        payload = [_stats_json(stats) for stats in statistics]
        json_output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        console.print(f"statistics written to {json_output}")


def _stats_json(stats) -> dict:
    """One subtask's statistics as written by `stats --json`."""
    return {
        "subtask": stats.subtask_id,
        "tier": stats.tier,
        "sequence": stats.sequence,
        "answer_type": stats.answer_type,
        "statuses": dict(stats.statuses),
        "answers": dict(stats.answers),
        "majority_share": stats.majority_share,
        "letter_positions": {chr(65 + i): n for i, n in sorted(stats.positions.items())},
        "letters_p_value": stats.position_p_value,
    }
