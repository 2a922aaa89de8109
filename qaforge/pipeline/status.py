"""What is in the store: `init`, `status` and `quarantine` as pipeline functions.

The CLI prints these summaries; it never queries the store itself.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.libs.processes import owner_gone
from qaforge.pipeline.run import begin_stage
from qaforge.store.engine import Engine, describe_url
from qaforge.store.images import count_selections
from qaforge.store.quarantine import count_quarantine, list_quarantine
from qaforge.store.schema import upgrade_database
from qaforge.store.series import count_series_by_sequence
from qaforge.store.status import count_rows_per_table, latest_ingest_runs


class InitSummary(BaseModel):
    """What `init` did: ``before`` is None for a new database."""

    where: str
    before: str | None
    head: str
    was_current: bool


class IngestRunStatus(BaseModel):
    """One recent ingest run."""

    stage: str
    source: str
    status: str
    counts: dict[str, int]


class SelectionCount(BaseModel):
    """Image selections of active items per protocol, budget and status."""

    protocol: str
    budget: int
    status: str
    items: int
    images: int


class DatabaseStatus(BaseModel):
    """Row counts per table, series per (sequence, view), refusals per stage, recent runs.

    ``tables`` is in schema order; ``series`` holds (sequence, view, count)
    sorted by sequence and view; ``runs`` is newest first.
    """

    tables: dict[str, int]
    series: list[tuple[str, str, int]] = Field(default_factory=list)
    refusals: dict[str, int] = Field(default_factory=dict)
    runs: list[IngestRunStatus] = Field(default_factory=list)
    selections: list[SelectionCount] = Field(default_factory=list)


def initialise_database(engine: Engine) -> InitSummary:
    """Create the schema in an empty database, or upgrade it to this version's head.

    Raises:
        StoreError: If the database has tables that qaforge did not create.
    """
    before = upgrade_database(engine)
    return InitSummary(
        where=describe_url(engine),
        before=before.current,
        head=before.head,
        was_current=before.is_current,
    )


def database_status(engine: Engine) -> DatabaseStatus:
    """Everything `qaforge status` shows, read in one connection.

    Raises:
        StoreError: If the database is not initialised or out of date.
    """
    begin_stage(engine, None)
    with engine.connect() as connection:
        tables = count_rows_per_table(connection)
        series = count_series_by_sequence(connection)
        refusals = count_quarantine(connection)
        runs = latest_ingest_runs(connection)
        selections = count_selections(connection)
    return DatabaseStatus(
        tables=tables,
        series=[(sequence, view, count) for (sequence, view), count in sorted(series.items())],
        refusals=refusals,
        runs=[
            IngestRunStatus(
                stage=r.stage,
                source=r.source,
                status=_run_status(r.status, r.pid, r.host),
                counts=r.counts,
            )
            for r in runs
        ],
        selections=[
            SelectionCount(protocol=p, budget=b, status=s, items=i, images=n)
            for p, b, s, i, n in selections
        ],
    )


def quarantine_entries(
    engine: Engine, *, stage: str | None = None, limit: int = 50
) -> list[QuarantineEntry]:
    """The most recent refusals, newest first, optionally of one stage.

    Raises:
        StoreError: If the database is not initialised or out of date.
    """
    begin_stage(engine, None)
    with engine.connect() as connection:
        return list_quarantine(connection, stage=stage, limit=limit)


def _run_status(status: str, pid: int | None, host: str | None) -> str:
    """The stored status, except that a ``running`` run whose process is gone is ``interrupted``."""
    if status == "running" and owner_gone(pid, host):
        return "interrupted"
    return status
