"""Exported records as an lmms-eval task folder (pure: records in, rows and text out).

The folder holds, per split, a task YAML (``qaforge_<split>.yaml``) and the
split's rows (``data/<split>.parquet``), and one ``utils.py`` whose functions
the YAMLs name with ``!function`` (its text is
:mod:`qaforge.pipeline.lmms_eval_utils`). lmms-eval loads the rows with
``datasets.load_dataset("parquet", data_files=...)`` (``dataset_path`` and
``dataset_kwargs``), asks the model with ``output_type: generate_until`` and
scores each output with ``process_results``.

A row has the record's fields with ``answer`` always a list of letters (empty
for an open item), ``answer_text`` always a string (the open item's reference,
or the correct options' texts), ``options`` as JSON text and ``images`` as
``{"bytes", "path"}`` structs: the shape the Hugging Face export is moving to,
so a YAML can point at that export's Parquet files instead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from qaforge.domain.export import ExportRecord

UTILS_FILE = "utils.py"
SCORING_COPY_FILE = "qaforge_scoring.py"

METRICS = (
    ("qaforge_accuracy", "mean"),
    ("qaforge_token_f1", "mean"),
    ("qaforge_findings_f1", "micro_f1"),
)
"""Metric keys ``process_results`` returns -> the ``utils`` function aggregating them."""


def task_name(split: str) -> str:
    """The lmms-eval task name (``--tasks``) of a split."""
    return f"qaforge_{split}"


def lmms_eval_rows(
    records: Iterable[ExportRecord], image_bytes: Callable[[str], bytes]
) -> dict[str, list[dict[str, Any]]]:
    """Split -> its dataset rows, in record order.

    Args:
        records: Exported records.
        image_bytes: An image path of a record (``images/<sha256>.png``) -> its PNG bytes.
    """
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        rows[record.split].append(
            {
                "id": record.id,
                "split": record.split,
                "tier": record.tier,
                "sequence": record.sequence,
                "subtask": record.subtask,
                "question": record.question,
                "options": json.dumps(record.options, ensure_ascii=False),
                "answer": list(record.answer),
                "answer_text": record.answer_text,
                "answer_type": record.answer_type,
                "images": [{"bytes": image_bytes(path), "path": path} for path in record.images],
            }
        )
    return dict(sorted(rows.items()))


def task_yaml(split: str, data_file: str) -> str:
    """The task YAML of a split.

    Args:
        split: The split the task evaluates.
        data_file: Path of the split's Parquet file (absolute, or relative to
            where lmms-eval runs).

    Returns:
        YAML text with ``!function utils.<name>`` tags, which lmms-eval resolves
        against the ``utils.py`` beside the YAML.
    """
    metrics = "".join(
        f"  - metric: {name}\n    aggregation: !function utils.{aggregation}\n"
        "    higher_is_better: true\n"
        for name, aggregation in METRICS
    )
    return (
        f"task: {task_name(split)}\n"
        "dataset_path: parquet\n"
        "dataset_kwargs:\n"
        "  data_files:\n"
        f"    {split}: {json.dumps(data_file)}\n"
        f"test_split: {split}\n"
        "output_type: generate_until\n"
        "doc_to_visual: !function utils.doc_to_visual\n"
        "doc_to_text: !function utils.doc_to_text\n"
        "doc_to_target: !function utils.doc_to_target\n"
        "process_results: !function utils.process_results\n"
        "generation_kwargs:\n"
        "  max_new_tokens: 512\n"
        "  temperature: 0\n"
        "  do_sample: false\n"
        "lmms_eval_specific_kwargs:\n"
        "  default:\n"
        '    pre_prompt: ""\n'
        '    post_prompt: ""\n'
        f"metric_list:\n{metrics}"
        "metadata:\n"
        "  version: 1.0\n"
    )
