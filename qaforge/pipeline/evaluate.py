"""Evaluation on an export folder: read records and predictions, score, report; a baseline; a model runner.

- :func:`evaluate_benchmark`: scores ``preds.jsonl`` (``{"id", "output"}``
  per line) against the exported records, with the rule extractor for the
  findings-based F1 of report-generation items, and writes the report.
- :func:`majority_baseline`: the trivial baseline (per subtask, the most
  common gold answer text of the training split).
- :func:`run_model`: asks an OpenAI-compatible multimodal chat endpoint for
  every item (images as base64 PNG), with the LLM extractor's client
  (concurrency, limits, retries) and a cache file, and writes ``preds.jsonl``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from qaforge.errors import InputFileError
from qaforge.evaluate.report import write_report
from qaforge.evaluate.scoring import score
from qaforge.extract.llm.client import LLMCaller
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.settings import LLMSettings

PROMPTS = {
    "plain": (
        "You are a cardiologist reading cardiac MRI. Answer the question about the images. "
        "For a choice question reply with the letter(s) only; for an open question reply with report text."
    ),
    "reasoning": (
        "You are a cardiologist reading cardiac MRI. Think step by step about the images, then end "
        "with a line 'Answer: <letter(s)>' for a choice question, or give the report text for an open question."
    ),
}


def read_benchmark(folder: Path) -> list[dict[str, Any]]:
    """Every record of ``folder/data/*.jsonl``, sorted by id.

    Raises:
        InputFileError: E801 when the folder has no records or a line is not a record.
    """
    files = sorted((folder / "data").glob("*.jsonl"))
    if not files:
        raise InputFileError(
            "E801",
            f"no benchmark records in {folder}/data",
            "give a folder written by 'qaforge export'",
        )
    records = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                record = json.loads(line)
                _ = record["id"], record["answer_type"], record["options"], record["answer"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputFileError(
                    "E801", f"{path.name} line {number} is not a benchmark record"
                ) from None
            records.append(record)
    return sorted(records, key=lambda r: r["id"])


class PredictionFile(BaseModel):
    """Predictions read from a JSONL file, and the lines refused."""

    outputs: dict[str, str]
    refused: list[str] = Field(default_factory=list)
    unknown_ids: int = 0


def read_predictions(path: Path, known: set[str]) -> PredictionFile:
    """``{"id", "output"}`` lines (``prediction`` or ``answer`` also accepted); bad lines refused with reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError("E802", f"cannot read the predictions {path} ({error})") from None
    result = PredictionFile(outputs={})
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            result.refused.append(f"line {number}: not JSON")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            result.refused.append(f"line {number}: no string 'id'")
            continue
        output = next((row[k] for k in ("output", "prediction", "answer") if k in row), None)
        if isinstance(output, list):
            output = ", ".join(map(str, output))
        if not isinstance(output, str):
            result.refused.append(f"line {number}: no 'output' text")
            continue
        if row["id"] not in known:
            result.unknown_ids += 1
            continue
        result.outputs[row["id"]] = output
    return result


class EvaluationSummary(BaseModel):
    """What :func:`evaluate_benchmark` did."""

    report: str
    result: dict[str, Any]
    refused_lines: list[str]
    unknown_ids: int


def evaluate_benchmark(
    benchmark: Path, predictions: Path, outdir: Path, *, seed: int = 0, title: str | None = None
) -> EvaluationSummary:
    """Score predictions against an export folder and write the report into ``outdir``."""
    records = read_benchmark(benchmark)
    read = read_predictions(predictions, {r["id"] for r in records})
    extractor = RuleExtractor()

    def findings_of(text: str) -> set[tuple[str, str]]:
        return {
            (f.code, str(f.value)) for f in extractor.extract(text) if f.certainty != "possible"
        }

    result = score(records, read.outputs, findings_of, seed=seed)
    report = write_report(result, outdir, title=title or predictions.name)
    return EvaluationSummary(
        report=str(report), result=result, refused_lines=read.refused, unknown_ids=read.unknown_ids
    )


def majority_baseline(benchmark: Path, output: Path, *, train_split: str = "train") -> int:
    """Write the majority-answer baseline's predictions; returns the lines written.

    Per subtask, the most common gold answer text of the training split (all
    splits when there is none) is answered on every item: the option letter
    with that text, or that text for open items.
    """
    records = read_benchmark(benchmark)
    train = [r for r in records if r["split"] == train_split] or records
    common: dict[str, Counter] = defaultdict(Counter)
    for record in train:
        common[record["subtask"]][json.dumps(_answer_texts(record))] += 1
    lines = []
    for record in records:
        if not common[record["subtask"]]:
            answer: str = ""
        else:
            texts = json.loads(common[record["subtask"]].most_common(1)[0][0])
            if record["answer_type"] == "open_text":
                answer = texts[0] if texts else ""
            else:
                letters = [letter for letter, text in record["options"].items() if text in texts]
                answer = ", ".join(sorted(letters))
        lines.append(json.dumps({"id": record["id"], "output": answer}, ensure_ascii=False))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def _answer_texts(record: dict[str, Any]) -> list[str]:
    if record["answer_type"] == "open_text":
        return [record["answer"]]
    letters = record["answer"] if isinstance(record["answer"], list) else [record["answer"]]
    return sorted(record["options"][letter] for letter in letters)


class RunSummary(BaseModel):
    """What :func:`run_model` did."""

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
    prompt: Literal["plain", "reasoning"] = "plain",
    progress=None,
) -> RunSummary:
    """Ask a multimodal model every item; write ``{"id", "output"}`` lines (failures as empty output).

    Answers are cached in ``<output>.cache.jsonl`` by model, prompt, item id
    and image hashes, so a re-run asks only for what is missing or failed.
    """
    records = read_benchmark(benchmark)
    cache_path = output.with_name(output.name + ".cache.jsonl")
    cache: dict[str, str] = {}
    if cache_path.exists():
        for line in cache_path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            cache[entry["key"]] = entry["output"]
    keys = {r["id"]: _run_key(settings, prompt, r) for r in records}
    todo = [r for r in records if keys[r["id"]] not in cache]
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
                    summary.failures.append((record["id"][:12], error or "unknown"))
                continue
            cache[keys[record["id"]]] = content
            handle.write(json.dumps({"key": keys[record["id"]], "output": content}) + "\n")
    summary.answered = sum(1 for r in records if keys[r["id"]] in cache)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        "".join(
            json.dumps({"id": r["id"], "output": cache.get(keys[r["id"]], "")}, ensure_ascii=False)
            + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    return summary


def _run_key(settings: LLMSettings, prompt: str, record: dict[str, Any]) -> str:
    parts = [
        settings.model,
        PROMPTS[prompt],
        json.dumps(settings.request_params(), sort_keys=True),
        record["id"],
        *record["images"],
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def item_messages(benchmark: Path, record: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
    """The chat messages of one item: system prompt, then the question, options and images."""
    text = record["question"]
    if record["options"]:
        text += "\n" + "\n".join(
            f"{letter}. {option}" for letter, option in record["options"].items()
        )
        if record["answer_type"] == "multiple_choice":
            text += "\nSeveral options may be correct."
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for image in record["images"]:
        data = base64.b64encode((benchmark / image).read_bytes()).decode()
        content.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
    return [{"role": "system", "content": PROMPTS[prompt]}, {"role": "user", "content": content}]


async def _ask_all(
    settings, prompt, benchmark, records, progress
) -> list[tuple[str | None, str | None]]:
    caller = LLMCaller(settings)
    try:

        async def one(record):
            result = await caller.complete(
                item_messages(benchmark, record, prompt), structured=False
            )
            if progress is not None:
                progress.advance()
            return result.content, result.error

        return list(await asyncio.gather(*(one(r) for r in records)))
    finally:
        await caller.close()
