"""Evaluation on an export folder: score predictions, write the baseline, run a model.

- :func:`evaluate_benchmark`: scores ``preds.jsonl`` (``{"id", "output"}``
  per line) against the exported records, with the rule extractor for the
  findings-based F1 of report-generation items, and writes the report.
- :func:`majority_baseline`: the trivial baseline (per subtask, the most
  common gold answer text of the training split).
- :func:`run_model`: asks an OpenAI-compatible multimodal chat endpoint for
  every item (images as base64 PNG), with the LLM extractor's client
  (concurrency, limits, retries) and a cache file, and writes ``preds.jsonl``.

Reading the benchmark, the baseline's answers, the prompts and the scoring
are the evaluate stage's (:mod:`qaforge.evaluate`); this module reads and
writes the files, builds the rule extractor's findings function and calls
the model.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from qaforge.domain.export import ExportRecord
from qaforge.errors import QaforgeError
from qaforge.evaluate.baseline import majority_answers
from qaforge.evaluate.benchmark import (
    PredictionFile,
    read_benchmark,
    read_predictions,
    select_split,
)
from qaforge.evaluate.compare import compare_scores
from qaforge.evaluate.prompts import PROMPTS, PromptName, chat_messages
from qaforge.evaluate.report import format_metric, write_report
from qaforge.evaluate.scoring import score
from qaforge.evaluate.tables import comparison_table, write_table
from qaforge.extract.llm.client import LLMCaller
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.settings import LLMSettings

__all__ = [
    "PROMPTS",
    "EvaluationSummary",
    "RunSummary",
    "compare_predictions",
    "evaluate_benchmark",
    "format_metric",
    "item_messages",
    "majority_baseline",
    "run_model",
]


class EvaluationSummary(BaseModel):
    """What :func:`evaluate_benchmark` did.

    Attributes:
        report: Path of the Markdown report.
        result: Every metric (see :func:`~qaforge.evaluate.scoring.score`).
        refused_lines: ``"line N: why"`` for each prediction line refused.
        unknown_ids: Prediction lines whose id is not in the split scored.
        unknown_examples: The first few of those ids.
    """

    report: str
    result: dict[str, Any]
    refused_lines: list[str]
    unknown_ids: int
    unknown_examples: list[str] = Field(default_factory=list)


def _split_predictions(
    benchmark: Path, predictions: Path, split: str
) -> tuple[list[ExportRecord], PredictionFile]:
    """The records of ``split`` and the predictions for them.

    Raises:
        InputFileError: E801 for the benchmark, E802 if the predictions
            cannot be read, E804 when no prediction names an item of the split.
    """
    records = select_split(read_benchmark(benchmark), split, folder=benchmark)
    read = read_predictions(predictions, {record.id for record in records})
    if not read.outputs:
        raise QaforgeError.of(
            "E804",
            path=predictions,
            split=split,
            items=len(records),
            unknown=read.unknown_ids,
            examples=", ".join(read.unknown_examples) or "none",
        )
    return records, read


def evaluate_benchmark(
    benchmark: Path,
    predictions: Path,
    outdir: Path | None = None,
    *,
    split: str = "test",
    seed: int = 0,
    title: str | None = None,
) -> EvaluationSummary:
    """Score predictions against one split of an export folder and write the report.

    Args:
        benchmark: An export folder.
        predictions: JSONL of ``{"id", "output"}`` per item.
        outdir: Where the report goes (never inside the export folder); by
            default :func:`default_evaluation_dir`.
        split: The split scored (``all`` for every split); predictions for
            other items are counted as unknown ids.
        seed: Bootstrap seed.
        title: The report's title (default: the predictions file's name).

    Returns:
        The report's path, the metrics and the prediction lines refused.

    Raises:
        InputFileError: E801 if the benchmark (or the split) has no records or
            a bad line, E802 if the predictions cannot be read, E804 if no
            prediction matches an item of the split.
        ConfigError: E809 if ``outdir`` is inside the export folder.
    """
    target = evaluation_dir(benchmark, predictions, outdir)
    records, read = _split_predictions(benchmark, predictions, split)
    result = score(records, read.outputs, rule_findings(), seed=seed)
    result["summary"].update(
        split=split,
        unknown_ids=read.unknown_ids,
        unknown_examples=read.unknown_examples,
        refused_lines=len(read.refused),
    )
    report = write_report(result, target, title=title or predictions.name)
    return EvaluationSummary(
        report=str(report),
        result=result,
        refused_lines=read.refused,
        unknown_ids=read.unknown_ids,
        unknown_examples=read.unknown_examples,
    )


def rule_findings() -> Callable[[str], set[tuple[str, str]]]:
    """Text -> its (code, value) findings by the rule extractor, "possible" ones left out:
    what report-generation items are scored on (also by the lmms-eval task's ``utils.py``)."""
    extractor = RuleExtractor()

    def findings_of(text: str) -> set[tuple[str, str]]:
        return {
            (f.code, str(f.value)) for f in extractor.extract(text) if f.certainty != "possible"
        }

    return findings_of


def default_evaluation_dir(benchmark: Path, predictions: Path) -> Path:
    """``<export>-eval/<predictions stem>``: beside the export folder, one folder per predictions file."""
    if benchmark.name in ("", ".."):
        # "." (or "export/..") names no folder of its own: its absolute path does
        benchmark = Path(os.path.abspath(benchmark))
    return benchmark.with_name(benchmark.name + "-eval") / predictions.stem


def evaluation_dir(benchmark: Path, predictions: Path, outdir: Path | None) -> Path:
    """Where an evaluation goes: ``outdir`` or the default, never inside the export.

    Files inside the export would be loaded with it (``datasets`` took the
    plot PNGs of an evaluation written there for a split) and would not be in
    its manifest.

    Raises:
        ConfigError: E809 if ``outdir`` is the export folder or inside it.
    """
    default = default_evaluation_dir(benchmark, predictions)
    if outdir is None:
        return default
    if outdir.resolve().is_relative_to(benchmark.resolve()):
        raise QaforgeError.of("E809", outdir=outdir, folder=benchmark, default=default)
    return outdir


def compare_predictions(
    benchmark: Path,
    first: Path,
    second: Path,
    *,
    split: str = "test",
    seed: int = 0,
    table: Path | None = None,
) -> dict[str, Any]:
    """Compare two models' predictions on the same items (see :func:`~qaforge.evaluate.compare.compare_scores`).

    Items that only one file answers count as wrong for the other, as in
    :func:`evaluate_benchmark`.

    Args:
        benchmark: An export folder.
        first: The first model's predictions.
        second: The second model's predictions.
        split: The split compared (``all`` for every split).
        seed: Seed of the permutation tests.
        table: If given, the accuracy rows are written as ``table.csv`` (and
            ``.parquet``).

    Returns:
        The comparison, with ``split`` added.

    Raises:
        InputFileError: as :func:`evaluate_benchmark`, for either file.
    """
    records, read_first = _split_predictions(benchmark, first, split)
    _, read_second = _split_predictions(benchmark, second, split)
    result = compare_scores(records, read_first.outputs, read_second.outputs, seed=seed)
    result["split"] = split
    if table is not None:
        table.parent.mkdir(parents=True, exist_ok=True)
        write_table(comparison_table(result), table)
    return result


def majority_baseline(
    benchmark: Path, output: Path, *, split: str = "test", train_split: str = "train"
) -> int:
    """Write the majority-answer baseline's predictions (see :func:`~qaforge.evaluate.baseline.majority_answers`).

    Args:
        benchmark: An export folder.
        output: The predictions JSONL to write.
        split: The split answered (``all`` for every split).
        train_split: The split whose answers are counted (always from all records).

    Returns:
        The lines written (one per item of ``split``).

    Raises:
        InputFileError: E801 for the benchmark.
    """
    records = read_benchmark(benchmark)
    wanted = {record.id for record in select_split(records, split, folder=benchmark)}
    answers = majority_answers(records, train_split=train_split)
    lines = [
        json.dumps({"id": record.id, "output": answer}, ensure_ascii=False)
        for record, answer in zip(records, answers, strict=True)
        if record.id in wanted
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


class RunSummary(BaseModel):
    """What :func:`run_model` did.

    Attributes:
        items: Items in the benchmark.
        from_cache: Items answered from the cache file.
        answered: Items with an answer after the run.
        failed: Items whose request failed (written with an empty output).
        failures: The first ten failures: (item id prefix, reason).
    """

    items: int
    from_cache: int
    answered: int
    failed: int
    failures: list[tuple[str, str]] = Field(default_factory=list)


def run_model(
    benchmark: Path,
    output: Path,
    settings: LLMSettings,
    *,
    prompt: PromptName = "plain",
    split: str = "test",
    progress=None,
) -> RunSummary:
    """Ask a multimodal model every item of a split; write ``{"id", "output"}`` lines (failures as empty output).

    Answers are cached in ``<output>.cache.jsonl`` by model, prompt, item id
    and image hashes, so a re-run asks only for what is missing or failed.

    Args:
        benchmark: An export folder.
        output: The predictions JSONL to write.
        settings: The endpoint, model, limits and retries.
        prompt: The system prompt, a key of :data:`~qaforge.evaluate.prompts.PROMPTS`.
        split: The split asked about (``all`` for every split).
        progress: Reports progress per item, if given.

    Returns:
        Counts of the items answered, from the cache and failed.

    Raises:
        InputFileError: E801 for the benchmark.
    """
    records = select_split(read_benchmark(benchmark), split, folder=benchmark)
    cache_path = output.with_name(output.name + ".cache.jsonl")
    cache = _read_cache(cache_path)
    keys = {r.id: _run_key(settings, prompt, r) for r in records}
    todo = [r for r in records if keys[r.id] not in cache]
    if progress is not None:
        progress.start(f"run {settings.model}", len(records))
        progress.advance(len(records) - len(todo))
    results = asyncio.run(_ask_all(settings, prompt, benchmark, todo, progress))
    summary = RunSummary(
        items=len(records), from_cache=len(records) - len(todo), answered=0, failed=0
    )
    with cache_path.open("a", encoding="utf-8") as handle:
        for record, (content, error) in zip(todo, results, strict=True):
            if content is None:
                summary.failed += 1
                if len(summary.failures) < 10:
                    summary.failures.append((record.id[:12], error or "unknown"))
                continue
            cache[keys[record.id]] = content
            handle.write(json.dumps({"key": keys[record.id], "output": content}) + "\n")
    summary.answered = sum(1 for r in records if keys[r.id] in cache)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        "".join(
            json.dumps({"id": r.id, "output": cache.get(keys[r.id], "")}, ensure_ascii=False) + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    return summary


def _read_cache(path: Path) -> dict[str, str]:
    """The cached answers of earlier runs: run key -> output."""
    cache: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            cache[entry["key"]] = entry["output"]
    return cache


def _run_key(settings: LLMSettings, prompt: str, record: ExportRecord) -> str:
    parts = [
        settings.model,
        PROMPTS[prompt],
        json.dumps(settings.request_params(), sort_keys=True),
        record.id,
        *record.images,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def item_messages(
    benchmark: Path, record: ExportRecord | Mapping[str, Any], prompt: str
) -> list[dict[str, Any]]:
    """The chat messages of one item: system prompt, then the question, options and images.

    Args:
        benchmark: The export folder the item's image paths are relative to.
        record: The item, as read by :func:`~qaforge.evaluate.benchmark.read_benchmark`
            or as the JSON object of its line.
        prompt: A key of :data:`~qaforge.evaluate.prompts.PROMPTS`.

    Returns:
        The messages (see :func:`~qaforge.evaluate.prompts.chat_messages`).
    """
    if not isinstance(record, ExportRecord):
        record = ExportRecord.model_validate(record)
    images = [(benchmark / image).read_bytes() for image in record.images]
    return chat_messages(record, prompt, images)


async def _ask_all(
    settings: LLMSettings,
    prompt: str,
    benchmark: Path,
    records: list[ExportRecord],
    progress,
) -> list[tuple[str | None, str | None]]:
    caller = LLMCaller(settings)
    try:

        async def one(record: ExportRecord) -> tuple[str | None, str | None]:
            result = await caller.complete(
                item_messages(benchmark, record, prompt), structured=False
            )
            if progress is not None:
                progress.advance()
            return result.content, result.error

        return list(await asyncio.gather(*(one(r) for r in records)))
    finally:
        await caller.close()
