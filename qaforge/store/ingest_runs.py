"""Ingest run records: what each ingest command did to which source."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, insert, select, update

from qaforge.store.models import IngestRun, utc_now


def start_ingest_run(
    connection: Connection, *, stage: str, source: str, pid: int, host: str
) -> int:
    """Record the start of an ingest run by process ``pid`` on ``host``; returns its id."""
    result = connection.execute(
        insert(IngestRun).values(
            stage=stage, source=source, counts={}, status="running", pid=pid, host=host
        )
    )
    return int(result.inserted_primary_key[0])


def close_interrupted_runs(
    connection: Connection, *, stage: str, gone: Callable[[int | None, str | None], bool]
) -> list[int]:
    """Mark the ``running`` runs of ``stage`` whose process is ``gone`` as ``interrupted``.

    Args:
        connection: In a transaction.
        stage: The stage starting a new run.
        gone: ``(pid, host) -> True`` when that process has certainly ended.

    Returns:
        The ids of the runs closed.
    """
    rows = connection.execute(
        select(IngestRun.id, IngestRun.pid, IngestRun.host).where(
            IngestRun.stage == stage, IngestRun.status == "running"
        )
    )
    closed = [run_id for run_id, pid, host in rows if gone(pid, host)]
    if closed:
        connection.execute(
            update(IngestRun)
            .where(IngestRun.id.in_(closed))
            .values(status="interrupted", finished_at=utc_now())
        )
    return closed


def finish_ingest_run(
    connection: Connection, *, run_id: int, counts: dict[str, int], status: str
) -> None:
    """Record the counts and outcome of an ingest run."""
    connection.execute(
        update(IngestRun)
        .where(IngestRun.id == run_id)
        .values(counts=counts, status=status, finished_at=utc_now())
    )
