"""The run lifecycle every stage shares: progress reporting and batching.

Each stage function reads what earlier stages stored, runs one stage, and
writes its rows in one transaction per batch: a killed run loses at most the
batch in flight, and the next run resumes (stored rows are recognised and
skipped). Progress is reported through a :class:`Progress` so the core stays
free of terminal code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Protocol, TypeVar

from pydantic import BaseModel

from qaforge.domain.quarantine import QuarantineEntry

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
