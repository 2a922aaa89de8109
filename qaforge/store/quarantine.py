"""Quarantine rows: refused input, kept with reason and location."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.store.models import QuarantineRow


def add_quarantine_entries(connection: Connection, *, entries: Sequence[QuarantineEntry]) -> int:
    """Store refused input; the same refusal twice is stored once.

    Args:
        connection: An open connection inside the caller's transaction.
        entries: Refusals to store.

    Returns:
        How many were new.
    """
    by_key = {entry.key: entry for entry in entries}
    if not by_key:
        return 0
    existing = set(
        connection.scalars(select(QuarantineRow.key).where(QuarantineRow.key.in_(list(by_key))))
    )
    rows = [
        {
            "key": key,
            "stage": entry.stage,
            "source": entry.source,
            "location": entry.location,
            "reason": entry.reason,
            "record_key": entry.record_key,
            "raw": entry.raw,
        }
        for key, entry in by_key.items()
        if key not in existing
    ]
    if rows:
        connection.execute(insert(QuarantineRow), rows)
    return len(rows)


def list_quarantine(
    connection: Connection, *, stage: str | None = None, limit: int = 100
) -> list[QuarantineEntry]:
    """The most recent refusals, newest first, optionally of one stage."""
    query = select(QuarantineRow).order_by(QuarantineRow.id.desc()).limit(limit)
    if stage is not None:
        query = query.where(QuarantineRow.stage == stage)
    return [
        QuarantineEntry(
            stage=row.stage,  # type: ignore[arg-type]
            source=row.source,
            location=row.location,
            reason=row.reason,
            record_key=row.record_key,
            raw=row.raw,
        )
        for row in connection.execute(query)
    ]


def count_quarantine(connection: Connection) -> dict[str, int]:
    """Refusals per stage."""
    query = select(QuarantineRow.stage, func.count()).group_by(QuarantineRow.stage)
    return {stage: count for stage, count in connection.execute(query)}
