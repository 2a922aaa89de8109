"""The dataset card: ``README.md`` and its charts, from what an export holds (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from qaforge.charts import bar_chart
from qaforge.domain.export import SCHEMA_VERSION
from qaforge.export.records import ExportedItem

ANSWERS_SHOWN = 6
"""Most frequent answers listed per subtask."""


@dataclass(frozen=True)
class CardFacts:
    """What the card reports.

    Attributes:
        exported: One entry per exported record.
        verification: Active items by verification status (``verification_counts``).
        sizes: Per split: patients, studies and active items (``split_sizes``).
        flags: Stored flags per check and severity; empty when ``check`` never ran.
        check_names: The checks, in report order.
        include_unverified: The export includes unverified items.
    """

    exported: Sequence[ExportedItem]
    verification: dict[str, int]
    sizes: dict[str, dict[str, int]]
    flags: dict[str, dict[str, int]]
    check_names: Sequence[str]
    include_unverified: bool


def card_files(facts: CardFacts) -> dict[str, bytes]:
    """Path in the export -> bytes: ``README.md`` and one PNG chart per count under ``card/``."""
    files = {f"card/{name}.png": png for name, png in card_charts(facts).items()}
    files["README.md"] = card_text(facts).encode("utf-8")
    return files


def card_charts(facts: CardFacts) -> dict[str, bytes]:
    """Chart name -> PNG: records per tier, sequence, split and subtask; items by verification.

    Bars go from the largest count down (ties by label).
    """
    exported = facts.exported
    charts = {
        "tiers": ("Items per tier", Counter(e.tier for e in exported)),
        "sequences": ("Items per sequence", Counter(e.sequence for e in exported)),
        "splits": ("Items per split", Counter(e.split for e in exported)),
        "subtasks": ("Items per subtask", Counter(e.subtask for e in exported)),
        "verification": ("Verification status of active items", Counter(facts.verification)),
    }
    return {
        name: bar_chart(title, dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
        for name, (title, counts) in charts.items()
    }


def card_text(facts: CardFacts) -> str:
    """The card's Markdown: contents, provenance, splits, charts, answers, verification, checks."""
    lines = [
        "# Dataset card",
        "",
        f"Made by qaforge (export schema {SCHEMA_VERSION}). One JSON record per line in",
        "`data/<split>.jsonl`, images in `images/`, provenance in `provenance.jsonl`,",
        "the record's JSON Schema in `schema/`, every file's SHA-256 in `manifest.json`.",
        "",
        provenance_statement(facts.include_unverified, facts.verification),
        "",
        *_splits_section(facts),
        "",
        "![splits](card/splits.png)",
        "",
        "## Tiers, sequences, subtasks",
        "",
        "![tiers](card/tiers.png)",
        "",
        "![sequences](card/sequences.png)",
        "",
        "![subtasks](card/subtasks.png)",
        "",
        *_answers_section(facts.exported),
        "",
        "## Verification",
        "",
        "![verification](card/verification.png)",
        "",
        *(f"- {k}: {v}" for k, v in sorted(facts.verification.items())),
        "",
        *_checks_section(facts.flags, facts.check_names),
    ]
    return "\n".join(lines)


def provenance_statement(include_unverified: bool, verification: dict[str, int]) -> str:
    """The card's bold line on who verified the records."""
    if include_unverified:
        return "**Includes unverified items (pilot export; each record says so).**"
    if verification.get("demo_accept"):
        return (
            "**Demo export: items were auto-accepted by `qaforge demo`, not verified by a "
            "radiologist (records say `demo_verified`).**"
        )
    return "Only radiologist-verified items with no blocking check flag."


def _splits_section(facts: CardFacts) -> list[str]:
    lines = [
        "## Splits",
        "",
        "| split | patients | studies | active items | exported |",
        "|---|---|---|---|---|",
    ]
    per_split = Counter(e.split for e in facts.exported)
    for split, size in sorted(facts.sizes.items()):
        lines.append(
            f"| {split} | {size['patients']} | {size['studies']} | {size['items']} "
            f"| {per_split.get(split, 0)} |"
        )
    return lines


def _answers_section(exported: Sequence[ExportedItem]) -> list[str]:
    answers: dict[str, Counter[str]] = defaultdict(Counter)
    for e in exported:
        answers[e.subtask][e.answer] += 1
    lines = [
        "## Answers per subtask",
        "",
        "| subtask | items | answers (count) |",
        "|---|---|---|",
    ]
    for subtask, counts in sorted(answers.items()):
        common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:ANSWERS_SHOWN]
        shown = ", ".join(f"{answer} ({n})" for answer, n in common)
        lines.append(f"| {subtask} | {sum(counts.values())} | {shown} |")
    return lines


def _checks_section(flags: dict[str, dict[str, int]], check_names: Sequence[str]) -> list[str]:
    lines = ["## Checks (leakage report summary)", ""]
    if not flags:
        return [*lines, "`qaforge check` was not run before this export.", ""]
    lines += ["| check | blocking | warning |", "|---|---|---|"]
    for check in check_names:
        counts = flags.get(check, {})
        lines.append(f"| {check} | {counts.get('blocking', 0)} | {counts.get('warning', 0)} |")
    return [
        *lines,
        "",
        "Blocked items are not in this export. Details: `qaforge check --json`.",
        "",
    ]
