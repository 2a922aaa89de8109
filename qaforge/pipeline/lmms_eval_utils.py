"""The ``utils.py`` of the lmms-eval task that ``qaforge export --format lmms-eval`` writes.

This file is copied as it is into the task folder, where lmms-eval loads it
by path (``!function utils.<name>`` in the task YAML). It scores with
qaforge's own answer parsing (:func:`qaforge.evaluate.parsing.parse_choice`)
and text overlap (:func:`qaforge.evaluate.metrics.token_f1`): imported from
qaforge when qaforge is installed where lmms-eval runs, else from
``qaforge_scoring.py``, a copy of those functions written beside this file by
the same export (so the two never differ). Findings F1 of report-generation
items needs qaforge's rule extractor, so only the installed path reports it.

A document is one row of the exported dataset: ``question``, ``options``
(letter -> text, as a dict or JSON text), ``answer`` (letters of a choice
item), ``answer_text`` (the reference text of an open item; an ``answer``
string is read as either), ``answer_type`` and
``images`` (decoded PIL images, ``{"bytes": ...}`` dicts, or paths relative
to the dataset folder).
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _scoring_copy() -> Any:
    """The ``qaforge_scoring.py`` module beside this file."""
    spec = importlib.util.spec_from_file_location("qaforge_scoring", HERE / "qaforge_scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:
    from qaforge.evaluate.metrics import token_f1
    from qaforge.evaluate.parsing import parse_choice
    from qaforge.evaluate.prompts import format_question

    SCORING = "qaforge"
except ImportError:  # qaforge is not installed where lmms-eval runs: use the exported copy
    _copy = _scoring_copy()
    token_f1, parse_choice, format_question = (
        _copy.token_f1,
        _copy.parse_choice,
        _copy.format_question,
    )
    SCORING = "copy"

_FINDINGS: list[Any] = []


def _options(doc: dict[str, Any]) -> dict[str, str]:
    options = doc.get("options") or {}
    if isinstance(options, str):
        options = json.loads(options)
    return {letter: text for letter, text in sorted(options.items()) if text is not None}


def _gold_letters(doc: dict[str, Any]) -> frozenset[str]:
    answer = doc["answer"]
    return frozenset([answer] if isinstance(answer, str) else list(answer))


def doc_to_visual(doc: dict[str, Any]) -> list[Any]:
    """The item's images as RGB PIL images, in rank order."""
    from PIL import Image

    images = []
    for image in doc.get("images") or []:
        if isinstance(image, dict):
            image = Image.open(io.BytesIO(image["bytes"]))
        elif isinstance(image, str):
            image = Image.open(HERE / image)
        images.append(image.convert("RGB"))
    return images


def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict | None = None) -> str:
    """The question and its lettered options (qaforge's prompt), with the task's pre/post prompt."""
    kwargs = lmms_eval_specific_kwargs or {}
    text = format_question(
        doc["question"], _options(doc), multiple=doc["answer_type"] == "multiple_choice"
    )
    return f"{kwargs.get('pre_prompt', '')}{text}{kwargs.get('post_prompt', '')}"


def doc_to_target(doc: dict[str, Any]) -> str:
    """The answer: letters joined by commas for a choice item, the reference text of an open one."""
    if doc["answer_type"] == "open_text":
        answer = doc.get("answer_text") or doc["answer"]
        return answer if isinstance(answer, str) else " ".join(answer)
    return ", ".join(sorted(_gold_letters(doc)))


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    """One item's scores from the model's output (``results[0]``), as qaforge scores them.

    Returns:
        For a choice item ``qaforge_accuracy`` (1.0 when the parsed letters equal the
        answer's, 0.0 otherwise, unparseable output included); for an open item
        ``qaforge_token_f1`` and, with qaforge installed, ``qaforge_findings_f1``
        (its matched, predicted and reference finding counts, for the micro F1).
    """
    output = results[0] if results else ""
    if doc["answer_type"] != "open_text":
        multiple = doc["answer_type"] == "multiple_choice"
        letters = parse_choice(output, _options(doc), multiple=multiple)
        correct = letters is not None and frozenset(letters) == _gold_letters(doc)
        return {"qaforge_accuracy": 1.0 if correct else 0.0}
    reference = doc_to_target(doc)
    scores: dict[str, Any] = {"qaforge_token_f1": token_f1(output, reference)}
    if SCORING == "qaforge":
        gold, found = _findings(reference), _findings(output)
        scores["qaforge_findings_f1"] = (len(gold & found), len(found), len(gold))
    return scores


def _findings(text: str) -> set[tuple[str, str]]:
    """A text's findings as ``qaforge evaluate`` scores them (the rule extractor, loaded once)."""
    if not _FINDINGS:
        from qaforge.pipeline.evaluate import rule_findings

        _FINDINGS.append(rule_findings())
    return _FINDINGS[0](text)


def mean(values: list[float]) -> float | None:
    """The mean of the items' scores (``None`` when the split has no such item)."""
    return sum(values) / len(values) if values else None


def micro_f1(counts: list[tuple[int, int, int]]) -> float | None:
    """Micro F1 over (matched, predicted, reference) counts (``None`` without open items)."""
    if not counts:
        return None
    matched, predicted, reference = (sum(c[i] for c in counts) for i in range(3))
    precision = matched / predicted if predicted else 0.0
    recall = matched / reference if reference else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
