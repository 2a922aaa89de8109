"""The leakage report and the flag rows the check stage stores (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from qaforge.checks.leakage import BLOCKING, CHECK_NAMES, CheckFlag

EXAMPLES = 5
"""Flags shown per check in the report."""


class CheckReport(BaseModel):
    """The leakage report: per check, flags by severity, items and examples."""

    items: int
    blocked_items: int
    checks: dict[str, dict[str, Any]]


def leakage_report(n_items: int, flags: Sequence[CheckFlag]) -> CheckReport:
    """The report of one check run.

    Args:
        n_items: How many items were checked.
        flags: Every flag the checks raised.

    Returns:
        Per check (in :data:`CHECK_NAMES` order): the flag count, blocking
        and warning counts, the sorted ids of the items flagged and the
        first :data:`EXAMPLES` flags; and how many items are blocked.
    """
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


def flag_rows(flags: Sequence[CheckFlag]) -> list[dict[str, Any]]:
    """The ``flags`` table rows of some flags."""
    return [
        {"item_id": f.item_id, "check_name": f.check, "severity": f.severity, "detail": f.detail}
        for f in flags
    ]
