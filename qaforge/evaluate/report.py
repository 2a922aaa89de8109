"""Writing an evaluation: JSON, a Markdown report, tables (CSV/Parquet), confusion matrices and charts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from qaforge.charts import accuracy_chart, bar_chart, collapse_chart, heatmap
from qaforge.evaluate.tables import breakdown_table, write_table

BREAKDOWN_NAMES = (("by_tier", "tier"), ("by_sequence", "sequence"), ("by_subtask", "subtask"))


def write_report(result: dict[str, Any], outdir: Path, *, title: str) -> Path:
    """Write the evaluation's files into ``outdir``.

    ``evaluation.json`` (every figure), ``report.md``, ``tables/by_<name>.csv``
    (and ``.parquet``), ``accuracy_by_<name>.png`` (error bars, chance level),
    ``confusion/<subtask>.csv|png``, ``collapse/<subtask>.png`` (share of
    predictions per option against the gold share) and ``collapse.png``.

    Returns:
        The Markdown report's path.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "evaluation.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (outdir / "tables").mkdir(exist_ok=True)
    for key, name in BREAKDOWN_NAMES:
        write_table(breakdown_table(result[key], name), outdir / "tables" / f"by_{name}")
        rows = {
            group: (entry["accuracy"]["value"], entry["accuracy"]["ci95"])
            for group, entry in result[key].items()
            if entry.get("accuracy")
        }
        chance = {group: entry.get("chance") for group, entry in result[key].items()}
        (outdir / f"accuracy_by_{name}.png").write_bytes(
            accuracy_chart(f"Accuracy by {name}", rows, chance)
        )
    _write_confusion(result, outdir)
    collapse = {
        name: round(100 * values["predicted_share"]) for name, values in result["collapse"].items()
    }
    (outdir / "collapse.png").write_bytes(
        bar_chart("Share of predictions on the most predicted class (%)", collapse)
    )
    path = outdir / "report.md"
    path.write_text(_markdown(result, title), encoding="utf-8")
    return path


def _write_confusion(result: dict[str, Any], outdir: Path) -> None:
    """Per single-choice subtask: the confusion matrix (CSV, PNG) and the collapse chart."""
    for folder in ("confusion", "collapse"):
        (outdir / folder).mkdir(exist_ok=True)
    for subtask, table in result["confusion"].items():
        labels, matrix = table["labels"], table["matrix"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["gold \\ predicted", *labels])
        for label, row in zip(labels, matrix, strict=False):
            writer.writerow([label, *row])
        (outdir / "confusion" / f"{subtask}.csv").write_text(buffer.getvalue(), encoding="utf-8")
        (outdir / "confusion" / f"{subtask}.png").write_bytes(heatmap(subtask, labels, matrix))
        total = sum(map(sum, matrix)) or 1
        gold = [sum(row) / total for row in matrix] + [0.0] * (len(labels) - len(matrix))
        predicted = [sum(row[c] for row in matrix) / total for c in range(len(labels))]
        (outdir / "collapse" / f"{subtask}.png").write_bytes(
            collapse_chart(f"{subtask}: predictions vs gold", labels, predicted, gold)
        )


def format_metric(metric: dict[str, Any] | None) -> str:
    """``0.333 [0.097, 0.700]``; ``0.333 (no interval)`` when there is none; ``n/a`` for no value."""
    if not metric:
        return "n/a"
    if metric.get("ci95") is None:
        return f"{metric['value']:.3f} (no interval)"
    low, high = metric["ci95"]
    return f"{metric['value']:.3f} [{low:.3f}, {high:.3f}]"


def _markdown(result: dict[str, Any], title: str) -> str:
    s = result["summary"]
    fmt = format_metric
    lines = [
        f"# Evaluation: {title}",
        "",
        f"Split `{s.get('split', 'all')}`: {s['items']} items ({s['choice_items']} choice, {s['open_items']} open); "
        f"{s['missing_predictions']} without a prediction (missing), {s['unparseable']} with an unparseable "
        "output (both count as wrong); "
        f"{s.get('unknown_ids', 0)} prediction lines for ids outside the split, "
        f"{s.get('refused_lines', 0)} lines refused.",
        "",
        "95 % intervals in brackets: Wilson for accuracies, BCa bootstrap for F1s and means "
        "(no interval: fewer than two items, or every resample gives the same value).",
        "",
        f"- accuracy (choice items): {fmt(s['accuracy'])}",
        f"- multiple choice: exact match {result['multiple_choice']['exact_match']:.3f}, "
        f"micro F1 {result['multiple_choice']['micro_f1']:.3f}, macro F1 {result['multiple_choice']['macro_f1']:.3f}",
        f"- diagnosis: accuracy {fmt(result['diagnosis']['accuracy'])}, macro F1 {fmt(result['diagnosis']['macro_f1'])}",
        f"- report generation: findings F1 {fmt(result['report_generation']['findings_f1'])}, "
        f"token F1 {fmt(result['report_generation']['token_f1'])}",
        "",
    ]
    for key, name in BREAKDOWN_NAMES:
        lines += _breakdown_lines(result[key], key, name)
    return "\n".join(lines + _collapse_lines(result))


def _breakdown_lines(breakdown: dict[str, Any], key: str, name: str) -> list[str]:
    lines = [
        f"## Accuracy by {name}",
        "",
        f"![accuracy by {name}](accuracy_{key}.png)",
        "",
        f"| {name} | items | accuracy [95 % CI] | chance |",
        "|---|---|---|---|",
    ]
    for group, entry in breakdown.items():
        chance = entry.get("chance")
        shown = f"{chance:.3f}" if chance is not None else "n/a (open)"
        lines.append(
            f"| {group} | {entry['items']} | {format_metric(entry['accuracy'])} | {shown} |"
        )
    return [*lines, ""]


def _collapse_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Category collapse (single choice)",
        "",
        "| subtask | most predicted | share of predictions | share of gold | JS divergence |",
        "|---|---|---|---|---|",
    ]
    for subtask, c in result["collapse"].items():
        lines.append(
            f"| {subtask} | {c['top_predicted']} | {c['predicted_share']:.2f} | {c['gold_share']:.2f} | {c['js_divergence']:.3f} |"
        )
    return lines + [
        "",
        "![collapse](collapse.png)",
        "",
        "Per subtask: `collapse/<subtask>.png` (share of predictions per option against the gold "
        "share), confusion matrices in `confusion/<subtask>.csv` and `.png`; the tables above as "
        "`tables/by_<name>.csv` and `.parquet`.",
        "",
    ]
