"""Counts for `qaforge status`."""

from __future__ import annotations

from sqlalchemy import Connection, Row, func, select

from qaforge.store.models import Base, IngestRun


def count_rows_per_table(connection: Connection) -> dict[str, int]:
    """Row count of every qaforge table, in schema order."""
    return {
        name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in Base.metadata.tables.items()
    }


def latest_ingest_runs(connection: Connection, *, limit: int = 5) -> list[Row]:
    """The most recent ingest runs (stage, source, status, counts, ...), newest first."""
    query = select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)
    return list(connection.execute(query))
