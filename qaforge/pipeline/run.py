"""The run lifecycle every stage shares, written once.

- :func:`begin_stage`: the schema check and the progress default every stage
  starts with;
- :func:`ingest_run` and :func:`extraction_run`: a stored run that is started
  (or ensured), yields to the stage's work and is finished as ``done``, or as
  ``failed`` when the work raises, whatever happens (a killed run is closed
  as ``interrupted`` by the next run of its stage);
- :func:`batches`: the batching of records into transactions;
- :func:`note_refusals` and :func:`summary_counts`: the counts every summary keeps.

Each stage function reads what earlier stages stored, runs one stage, and
writes its rows in one transaction per batch: a killed run loses at most the
batch in flight, and the next run resumes (stored rows are recognised and
skipped). Progress is reported through a :class:`Progress` so the core stays
free of terminal code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Protocol, TypeVar

from pydantic import BaseModel

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.errors import QaforgeError
from qaforge.libs.processes import owner_gone, this_host
from qaforge.store.engine import Connection, Engine
from qaforge.store.extraction import finish_extraction_run
from qaforge.store.ingest_runs import close_interrupted_runs, finish_ingest_run, start_ingest_run
from qaforge.store.qa_items import extraction_run_ids, latest_finished_run_id
from qaforge.store.schema import require_current_schema

T = TypeVar("T")


class Progress(Protocol):
    """Where long work reports how far it is."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    """A :class:`Progress` that shows nothing (library use, tests)."""

    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


def begin_stage(engine: Engine, progress: Progress | None) -> Progress:
    """Start a stage: check the database schema, and give the progress to report to.

    Args:
        engine: The store.
        progress: The caller's progress, or None for none shown.

    Returns:
        ``progress``, or a :class:`NoProgress` when it is None.

    Raises:
        StoreError: If the database is not initialised or its schema is out of date.
    """
    require_current_schema(engine)
    return progress or NoProgress()


@contextmanager
def ingest_run(engine: Engine, *, stage: str, source: str, summary: BaseModel) -> Iterator[str]:
    """A stored ingest run around the body: started first, finished whatever happens.

    Yields the run id. When the body returns, the run is finished as ``done``;
    when it raises, as ``failed`` (and the error goes on). Either way the run
    stores the integer counts of ``summary`` as they are at that moment. A
    killed run cannot finish itself: it stays ``running`` until the next run of
    the stage finds its process gone and closes it as ``interrupted``.
    """
    with engine.begin() as connection:
        close_interrupted_runs(connection, stage=stage, gone=owner_gone)
        run_id = start_ingest_run(
            connection, stage=stage, source=source, pid=os.getpid(), host=this_host()
        )
    status = "failed"
    try:
        yield run_id
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_ingest_run(
                connection, run_id=run_id, counts=summary_counts(summary), status=status
            )


@contextmanager
def extraction_run(engine: Engine, *, run_id: str) -> Iterator[None]:
    """Finish the (already ensured) extraction run ``run_id`` after the body.

    ``done`` when the body returns, ``failed`` when it raises (the error goes on).
    """
    status = "failed"
    try:
        yield
        status = "done"
    finally:
        with engine.begin() as connection:
            finish_extraction_run(connection, run_id=run_id, status=status)


def summary_counts(summary: BaseModel) -> dict[str, int]:
    """The integer fields of a stage summary, as stored with its run."""
    return {key: value for key, value in summary.model_dump().items() if isinstance(value, int)}


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


EXAMPLES_KEPT = 20
"""Quarantine entries a summary keeps as examples (the store keeps them all)."""


class QuarantineTally(Protocol):
    """A stage summary that counts quarantined records and keeps a few examples."""

    quarantined: int
    examples: list[QuarantineEntry]


def note_refusals(summary: QuarantineTally, refused: list[QuarantineEntry]) -> None:
    """Count ``refused`` into ``summary`` and keep the first EXAMPLES_KEPT as examples."""
    summary.quarantined += len(refused)
    room = EXAMPLES_KEPT - len(summary.examples)
    if room > 0:
        summary.examples.extend(refused[:room])


def finished_extraction_run(connection: Connection, run_id: str | None) -> str:
    """The extraction run to read: the one named (or its first characters), or the latest finished.

    Raises:
        ConfigError: E502 when there is no finished run, E503 when ``run_id``
            is unknown, ambiguous or not finished.
    """
    if run_id is None:
        latest = latest_finished_run_id(connection)
        if latest is None:
            raise QaforgeError.of("E502")
        return latest
    runs = extraction_run_ids(connection)
    matches = [known for known in runs if known.startswith(run_id)]
    if len(matches) != 1 or runs[matches[0]] != "done":
        state = "unknown" if not matches else "ambiguous" if len(matches) > 1 else "not finished"
        raise QaforgeError.of("E503", run_id=run_id, state=state)
    return matches[0]
