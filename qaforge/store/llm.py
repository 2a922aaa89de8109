"""The LLM extractor's rows: answer cache, per-report outcomes, rejected findings, reconciliations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from qaforge.store.models import Finding as FindingRow
from qaforge.store.models import (
    LLMCacheEntry,
    LLMOutcomeRow,
    Reconciliation,
    RejectedFindingRow,
    utc_now,
)

CHUNK = 500


@dataclass(frozen=True)
class OutcomeRecord:
    """One report version's outcome in an LLM run (see :class:`LLMOutcomeRow`)."""

    report_version_id: int
    status: str
    reason: str | None
    raw_response: str | None
    from_cache: bool
    attempts: int
    prompt_tokens: int
    completion_tokens: int


def cached_answers(connection: Connection, *, keys: Sequence[str]) -> dict[str, str]:
    """Cached answer contents for the given keys (those that exist)."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = list(keys[start : start + CHUNK])
        rows = connection.execute(
            select(LLMCacheEntry.key, LLMCacheEntry.content).where(LLMCacheEntry.key.in_(chunk))
        )
        found.update({row.key: row.content for row in rows})
    return found


def store_cache_entries(
    connection: Connection, *, model: str, entries: Sequence[tuple[str, str, int, int]]
) -> None:
    """Add ``(key, content, prompt_tokens, completion_tokens)`` answers not cached yet."""
    unique = {key: (key, content, pt, ct) for key, content, pt, ct in entries}
    known = cached_answers(connection, keys=list(unique))
    rows = [
        {
            "key": key,
            "model": model,
            "content": content,
            "prompt_tokens": pt,
            "completion_tokens": ct,
            "created_at": utc_now(),
        }
        for key, content, pt, ct in unique.values()
        if key not in known
    ]
    if rows:
        connection.execute(insert(LLMCacheEntry), rows)


def store_outcomes(
    connection: Connection, *, run_id: str, outcomes: Sequence[OutcomeRecord]
) -> None:
    """Replace the run's outcome rows of these report versions (``tries`` counts the attempts so far)."""
    if not outcomes:
        return
    ids = [o.report_version_id for o in outcomes]
    tries: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        condition = and_(LLMOutcomeRow.run_id == run_id, LLMOutcomeRow.report_version_id.in_(chunk))
        rows = connection.execute(
            select(LLMOutcomeRow.report_version_id, LLMOutcomeRow.tries).where(condition)
        )
        tries.update({row.report_version_id: row.tries for row in rows})
        connection.execute(delete(LLMOutcomeRow).where(condition))
    now = utc_now()
    connection.execute(
        insert(LLMOutcomeRow),
        [
            {
                "run_id": run_id,
                "report_version_id": o.report_version_id,
                "status": o.status,
                "reason": o.reason,
                "raw_response": o.raw_response,
                "from_cache": o.from_cache,
                "attempts": o.attempts,
                "prompt_tokens": o.prompt_tokens,
                "completion_tokens": o.completion_tokens,
                "tries": tries.get(o.report_version_id, 0) + 1,
                "updated_at": now,
            }
            for o in outcomes
        ],
    )


def store_rejections(
    connection: Connection, *, run_id: str, rejections: Sequence[tuple[int, str, dict[str, Any]]]
) -> None:
    """Add ``(report_version_id, reason, stated finding)`` rows."""
    if rejections:
        connection.execute(
            insert(RejectedFindingRow),
            [
                {"run_id": run_id, "report_version_id": rv, "reason": reason, "stated": stated}
                for rv, reason, stated in rejections
            ],
        )


def run_findings(
    connection: Connection, *, run_id: str, report_version_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The run's finding rows (column -> value) per report version."""
    found: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(report_version_ids), CHUNK):
        chunk = list(report_version_ids[start : start + CHUNK])
        rows = connection.execute(
            select(FindingRow.__table__).where(
                FindingRow.run_id == run_id, FindingRow.report_version_id.in_(chunk)
            )
        )
        for row in rows:
            found.setdefault(row.report_version_id, []).append(dict(row._mapping))
    return found


def store_reconciliations(connection: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add reconciliation rows (ids are content hashes; known ids are skipped)."""
    if not rows:
        return
    ids = [row["id"] for row in rows]
    known: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        known.update(
            connection.execute(
                select(Reconciliation.id).where(Reconciliation.id.in_(chunk))
            ).scalars()
        )
    fresh = [row for row in rows if row["id"] not in known]
    if fresh:
        connection.execute(insert(Reconciliation), fresh)


def reconciliation_counts(connection: Connection, *, run_id: str) -> dict[str, int]:
    """Reconciliation rows of a reconciled run per state."""
    rows = connection.execute(
        select(Reconciliation.state, func.count())
        .where(Reconciliation.run_id == run_id)
        .group_by(Reconciliation.state)
    )
    return {state: int(count) for state, count in rows}
