"""The dataset card: ``README.md`` and its charts, from what an export holds (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from qaforge.charts import bar_chart
from qaforge.domain.export import SCHEMA_VERSION
from qaforge.export.records import ExportedItem

ANSWERS_SHOWN = 6
"""Most frequent answers listed per subtask."""

ANSWERS_FROM_SPLIT = "train"
"""The only split whose answers the card shows (never test or validation answers)."""

DEFAULT_LICENSE = "other"
"""The card's license until the data owner sets one (``qaforge export --license``)."""


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
        features: The Parquet files' features in YAML form
            (:func:`~qaforge.export.hf_features.hf_features`).
        license: The license identifier of the card's header (a Hub license id).
    """

    exported: Sequence[ExportedItem]
    verification: dict[str, int]
    sizes: dict[str, dict[str, int]]
    flags: dict[str, dict[str, int]]
    check_names: Sequence[str]
    include_unverified: bool
    features: list[dict[str, Any]] = field(default_factory=list)
    license: str = DEFAULT_LICENSE


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


def card_header(facts: CardFacts) -> dict[str, Any]:
    """The card's YAML header (the Hub's dataset card metadata): license, task,
    one ``data_files`` entry per split (its Parquet file) and the features.

    ``datasets.load_dataset(EXPORT_DIR)`` reads it, so only the Parquet files
    load, as the named splits, with ``images`` decoded as a list of Image.
    """
    splits = sorted({e.split for e in facts.exported})
    return {
        "license": facts.license,
        "task_categories": ["visual-question-answering"],
        "language": ["en"],
        "tags": ["medical", "cardiac-mri"],
        "pretty_name": "qaforge cardiac MRI VQA benchmark",
        "configs": [
            {
                "config_name": "default",
                "data_files": [
                    {"split": split, "path": f"data/{split}.parquet"} for split in splits
                ],
            }
        ],
        "dataset_info": {"features": facts.features},
    }


def _license_line(license_id: str) -> str:
    if license_id == DEFAULT_LICENSE:
        return (
            f"**License: not set (`{DEFAULT_LICENSE}`). The data owner must set it: "
            "`qaforge export --license ID`.**"
        )
    return f"License: `{license_id}`."


def card_text(facts: CardFacts) -> str:
    """The card's Markdown after its YAML header: contents, license, provenance, splits,
    charts, answers (training split only), verification, checks."""
    header = yaml.safe_dump(card_header(facts), sort_keys=False, allow_unicode=True)
    lines = [
        "---",
        header.rstrip("\n"),
        "---",
        "",
        "# Dataset card",
        "",
        f"Made by qaforge (export schema {SCHEMA_VERSION}). One Parquet file per split in",
        "`data/<split>.parquet` (images embedded; `datasets.load_dataset(THIS_FOLDER)`),",
        "the same records as JSON lines in `data/<split>.jsonl` (image paths relative to",
        "this folder), images in `images/`, provenance in `provenance.jsonl`, the record's",
        "JSON Schema in `schema/`, every file's SHA-256 in `manifest.json`.",
        "",
        _license_line(facts.license),
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
    """Items per subtask, and the commonest training-split answers of choice items.

    Test and validation answers are never shown, nor any open answer (report
    generation answers are report text).
    """
    items: Counter[str] = Counter(e.subtask for e in exported)
    answers: dict[str, Counter[str]] = defaultdict(Counter)
    for e in exported:
        if e.split == ANSWERS_FROM_SPLIT and e.answer_type != "open_text":
            answers[e.subtask][e.answer_text] += 1
    lines = [
        "## Answers per subtask",
        "",
        f"Answers of the `{ANSWERS_FROM_SPLIT}` split only; open answers are not shown.",
        "",
        f"| subtask | items | {ANSWERS_FROM_SPLIT} answers (count) |",
        "|---|---|---|",
    ]
    for subtask, count in sorted(items.items()):
        common = sorted(answers[subtask].items(), key=lambda kv: (-kv[1], kv[0]))[:ANSWERS_SHOWN]
        shown = ", ".join(f"{answer} ({n})" for answer, n in common) or "not shown"
        lines.append(f"| {subtask} | {count} | {shown} |")
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
