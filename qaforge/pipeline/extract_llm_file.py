"""LLM extraction (and, with ``both``, the rules and reconciliation) of a report
file into findings JSONL, without a database (``extract --input/--output``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.reports import ReportRecord
from qaforge.domain.vocabulary import Finding
from qaforge.extract.llm.extractor import LLMExtractor, LLMOutcome, LLMReport
from qaforge.extract.reconcile import ReconciliationPolicy, reconcile
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.ingest.reports import count_report_rows, read_report_file
from qaforge.pipeline.extract_llm import LLMExtractionSummary
from qaforge.pipeline.run import NoProgress, Progress, batches
from qaforge.settings import LLMSettings
from qaforge.store.extraction import (
    finding_columns,
)


def extract_file_llm(
    source: Path,
    output: Path,
    settings: LLMSettings,
    *,
    both: bool = False,
    policy: ReconciliationPolicy | None = None,
    chunk: int = 500,
    prompt_path: Path | None = None,
    progress: Progress | None = None,
) -> LLMExtractionSummary:
    """Extract a report file with the LLM (and the rules, with ``both``) into findings JSONL.

    One line per report that was read: ``{"report_id", "findings"}`` (with
    ``both``, the kept findings and a ``reconciliation`` list of
    ``{code, state, decision}``). Failed reports go to
    ``<output>.failures.jsonl`` with their reason, refused findings to
    ``<output>.rejected.jsonl``, refused rows to ``<output>.quarantine.jsonl``.
    No cache without a database.
    """
    progress = progress or NoProgress()
    extractor = LLMExtractor(settings, prompt_path)
    rules = RuleExtractor() if both else None
    policy = policy or ReconciliationPolicy()
    summary = LLMExtractionSummary()
    total = count_report_rows(source)
    progress.start(f"LLM extract {source.name}", total)
    partial = output.with_name(output.name + ".partial")
    output.parent.mkdir(parents=True, exist_ok=True)
    with _SideFiles(output) as side, partial.open("w", encoding="utf-8") as out:
        for rows in batches(read_report_file(source), chunk):
            valid = []
            for row in rows:
                if isinstance(row, QuarantineEntry):
                    summary.quarantined += 1
                    side.write(
                        "quarantine", row.model_copy(update={"stage": "extract"}).model_dump_json()
                    )
                    progress.advance()
                else:
                    valid.append(row.record)
            reports = [LLMReport(record.report_id, record.text) for record in valid]
            outcomes = extractor.extract(reports, on_done=lambda _: progress.advance())
            for record, outcome in zip(valid, outcomes, strict=True):
                summary.add(outcome, record.report_id)
                line = _report_line(record, outcome, side, rules=rules, policy=policy)
                if line is not None:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
    partial.replace(output)
    summary.cost = extractor.cost(summary.prompt_tokens, summary.completion_tokens)
    return summary


class _SideFiles:
    """The failures, rejected and quarantine JSONL files beside the output; empty ones are removed."""

    def __init__(self, output: Path) -> None:
        self.paths = {
            name: output.with_name(f"{output.name}.{name}.jsonl")
            for name in ("failures", "rejected", "quarantine")
        }
        self.handles: dict[str, TextIO] = {}

    def __enter__(self) -> _SideFiles:
        self.handles = {name: path.open("w", encoding="utf-8") for name, path in self.paths.items()}
        return self

    def write(self, name: str, line: str) -> None:
        self.handles[name].write(line + "\n")

    def __exit__(self, *exc_info: object) -> None:
        for handle in self.handles.values():
            handle.close()
        for path in self.paths.values():
            if path.exists() and path.stat().st_size == 0:
                path.unlink()


def _report_line(
    record: ReportRecord,
    outcome: LLMOutcome,
    side: _SideFiles,
    *,
    rules: RuleExtractor | None,
    policy: ReconciliationPolicy,
) -> dict[str, Any] | None:
    """The output line of one report (None when it failed), its failures and rejections written aside."""
    if outcome.status == "failed":
        side.write(
            "failures", json.dumps({"report_id": record.report_id, "reason": outcome.reason})
        )
        return None
    for rejection in outcome.rejected:
        side.write(
            "rejected",
            json.dumps(
                {
                    "report_id": record.report_id,
                    "reason": rejection.reason,
                    "stated": rejection.stated,
                }
            ),
        )
    line: dict[str, Any] = {"report_id": record.report_id}
    if rules is None:
        line["findings"] = [f.model_dump(mode="json") for f in outcome.findings]
        return line
    groups = reconcile(
        [_row(f, "r", i) for i, f in enumerate(rules.extract(record.text))],
        [_row(f, "l", i) for i, f in enumerate(outcome.findings)],
        policy,
    )
    line["findings"] = [row["finding"] for group in groups for row in group.kept]
    line["reconciliation"] = [
        {"code": group.code, "state": group.state, "decision": group.decision} for group in groups
    ]
    return line


def _row(finding: Finding, prefix: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{prefix}{index}",
        **finding_columns(finding),
        "finding": finding.model_dump(mode="json"),
    }
