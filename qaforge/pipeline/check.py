"""Check stage: runs every check of :mod:`qaforge.checks.leakage`, replaces the
stored flags, returns (and writes) the leakage report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qaforge.checks.leakage import (
    BLOCKING,
    CHECK_NAMES,
    CheckFlag,
    CheckItem,
    run_all,
)
from qaforge.errors import InputFileError
from qaforge.store.checks import (
    check_rows,
    replace_flags,
)
from qaforge.store.engine import Engine
from qaforge.store.schema import require_current_schema

EXAMPLES = 5


class CheckReport(BaseModel):
    """The leakage report: per check, flags by severity, items and examples."""

    items: int
    blocked_items: int
    checks: dict[str, dict[str, Any]]


def check_database(
    engine: Engine,
    *,
    references: list[Path] | None = None,
    protocol: str = "clinical",
    budget: int = 16,
    json_path: Path | None = None,
) -> CheckReport:
    """Run every check over the active items and replace the stored flags.

    Args:
        engine: The store.
        references: Text files of reference corpora for the contamination check.
        protocol: Which image selection the near-duplicate check compares.
        budget: Its budget.
        json_path: Also write the report here.

    Returns:
        The report; flags are in the ``flags`` table.
    """
    require_current_schema(engine)
    corpora = {}
    for path in references or []:
        try:
            corpora[path.name] = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise InputFileError(
                "E703", f"cannot read the reference corpus {path} ({error.strerror})"
            ) from None
    with engine.connect() as connection:
        rows = check_rows(connection, protocol=protocol, budget=budget)
    items = [_check_item(row) for row in rows]
    flags = run_all(items, corpora)
    with engine.begin() as connection:
        replace_flags(
            connection,
            check_names=CHECK_NAMES,
            flags=[
                {
                    "item_id": f.item_id,
                    "check_name": f.check,
                    "severity": f.severity,
                    "detail": f.detail,
                }
                for f in flags
            ],
        )
    report = _report(len(items), flags)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report


def _check_item(row: dict[str, Any]) -> CheckItem:
    outgoing = {f"evidence {i}": text for i, text in enumerate(row["evidence"])}
    outgoing.update({f"series description {sid[:8]}": d for sid, _, d in row["series"] if d})
    return CheckItem(
        item_id=row["id"],
        study_id=row["study_id"],
        patient_id=row["patient_id"],
        split=row["split"],
        subtask_id=row["subtask_id"],
        question=row["question"],
        options=row["options"] or {},
        answer=row["answer"],
        image_key=tuple(sorted(image["sha256"] for image in row["images"])),
        series_hashes=tuple(sorted(sha for _, sha, _ in row["series"])),
        report_texts=tuple(row["report_texts"]),
        outgoing=outgoing,
    )


def _report(n_items: int, flags: list[CheckFlag]) -> CheckReport:
    checks: dict[str, dict[str, Any]] = {}
    for name in CHECK_NAMES:
        mine = [f for f in flags if f.check == name]
        checks[name] = {
            "flags": len(mine),
            "blocking": sum(f.severity == BLOCKING for f in mine),
            "warning": sum(f.severity != BLOCKING for f in mine),
            "items": sorted({f.item_id for f in mine if f.item_id}),
            "examples": [{"item_id": f.item_id, **f.detail} for f in mine[:EXAMPLES]],
        }
    blocked = {f.item_id for f in flags if f.severity == BLOCKING and f.item_id}
    return CheckReport(items=n_items, blocked_items=len(blocked), checks=checks)
