"""Ingest run records: what each ingest command did to which source."""

from __future__ import annotations

from sqlalchemy import Connection, insert, update

from qaforge.store.models import IngestRun, utc_now


def start_ingest_run(connection: Connection, *, stage: str, source: str) -> int:
    """Record the start of an ingest run and return its id."""
    result = connection.execute(
        insert(IngestRun).values(stage=stage, source=source, counts={}, status="running")
    )
    return int(result.inserted_primary_key[0])


def finish_ingest_run(
    connection: Connection, *, run_id: int, counts: dict[str, int], status: str
) -> None:
    """Record the counts and outcome of an ingest run."""
    connection.execute(
        update(IngestRun)
        .where(IngestRun.id == run_id)
        .values(counts=counts, status=status, finished_at=utc_now())
    )
