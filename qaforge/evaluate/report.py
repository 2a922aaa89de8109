"""Writing an evaluation: JSON, a Markdown report, confusion matrices (CSV and PNG), collapse chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from qaforge.charts import bar_chart, heatmap


def write_report(result: dict[str, Any], outdir: Path, *, title: str) -> Path:
    """Write ``evaluation.json``, ``report.md``, ``confusion/<subtask>.csv|png`` and ``collapse.png``.

    Returns:
        The Markdown report's path.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "evaluation.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    confusion_dir = outdir / "confusion"
    confusion_dir.mkdir(exist_ok=True)
    for subtask, table in result["confusion"].items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["gold \\ predicted", *table["labels"]])
        for label, row in zip(table["labels"], table["matrix"], strict=False):
            writer.writerow([label, *row])
        (confusion_dir / f"{subtask}.csv").write_text(buffer.getvalue(), encoding="utf-8")
        (confusion_dir / f"{subtask}.png").write_bytes(
            heatmap(subtask, table["labels"], table["matrix"])
        )
    collapse = {
        name: round(100 * values["predicted_share"]) for name, values in result["collapse"].items()
    }
    (outdir / "collapse.png").write_bytes(
        bar_chart("Share of predictions on the most predicted class (%)", collapse)
    )
    path = outdir / "report.md"
    path.write_text(_markdown(result, title), encoding="utf-8")
    return path


def _fmt(metric: dict[str, Any]) -> str:
    low, high = metric["ci95"]
    return f"{metric['value']:.3f} [{low:.3f}, {high:.3f}]"


def _markdown(result: dict[str, Any], title: str) -> str:
    s = result["summary"]
    lines = [
        f"# Evaluation: {title}",
        "",
        f"{s['items']} items ({s['choice_items']} choice, {s['open_items']} open); "
        f"{s['missing_predictions']} without a prediction, {s['unparseable']} unparseable (both count as wrong).",
        "",
        "Values with 95 % bootstrap intervals in brackets.",
        "",
        f"- accuracy (choice items): {_fmt(s['accuracy'])}",
        f"- multiple choice: exact match {result['multiple_choice']['exact_match']:.3f}, "
        f"micro F1 {result['multiple_choice']['micro_f1']:.3f}, macro F1 {result['multiple_choice']['macro_f1']:.3f}",
        f"- diagnosis: accuracy {_fmt(result['diagnosis']['accuracy'])}, macro F1 {_fmt(result['diagnosis']['macro_f1'])}",
        f"- report generation: findings F1 {_fmt(result['report_generation']['findings_f1'])}, "
        f"token F1 {_fmt(result['report_generation']['token_f1'])}",
        "",
    ]
    for key, name in (("by_tier", "tier"), ("by_sequence", "sequence"), ("by_subtask", "subtask")):
        lines += [
            f"## Accuracy by {name}",
            "",
            f"| {name} | items | accuracy [95 % CI] |",
            "|---|---|---|",
        ]
        lines += [f"| {k} | {v['items']} | {_fmt(v['accuracy'])} |" for k, v in result[key].items()]
        lines.append("")
    lines += [
        "## Category collapse (single choice)",
        "",
        "| subtask | most predicted | share of predictions | share of gold | JS divergence |",
        "|---|---|---|---|---|",
    ]
    for subtask, c in result["collapse"].items():
        lines.append(
            f"| {subtask} | {c['top_predicted']} | {c['predicted_share']:.2f} | {c['gold_share']:.2f} | {c['js_divergence']:.3f} |"
        )
    lines += [
        "",
        "![collapse](collapse.png)",
        "",
        "Confusion matrices: `confusion/<subtask>.csv` and `.png`.",
        "",
    ]
    return "\n".join(lines)
