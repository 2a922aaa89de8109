"""The findings generation held for review, as a list a person can work through."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from qaforge.errors import QaforgeError
from qaforge.pipeline.run import begin_stage, finished_extraction_run
from qaforge.store.engine import Engine
from qaforge.store.finding_reviews import count_finding_reviews, finding_reviews


class FindingReviewEntry(BaseModel):
    """One held finding: where it is, what it says, why it is doubted, what it held back.

    ``evidence_text`` is report text (PHI): it goes into the ``--output`` file
    for the reviewer, never into the printed table.
    """

    id: str
    study_id: str
    report_id: str
    finding_id: str
    code: str
    value: str | float
    levels: list[str]
    walls: list[str]
    segments: list[int]
    certainty: str
    confidence: float
    doubts: list[str]
    subtasks: list[str]
    evidence_start: int
    evidence_end: int
    evidence_text: str


class FindingReviewList(BaseModel):
    """The review entries of one extraction run (lowest confidence first)."""

    run_id: str
    total: int
    entries: list[FindingReviewEntry]


def list_finding_reviews(
    engine: Engine, *, run_id: str | None = None, limit: int | None = None
) -> FindingReviewList:
    """The findings ``generate`` held for review from one extraction run.

    Args:
        engine: The store.
        run_id: The extraction run (or its first characters); the latest finished by default.
        limit: At most this many entries (all when None).

    Raises:
        ConfigError: E502 when there is no finished run, E503 when ``run_id`` is unknown.
    """
    begin_stage(engine, None)
    with engine.connect() as connection:
        run = finished_extraction_run(connection, run_id)
        total = count_finding_reviews(connection, run_id=run)
        rows = finding_reviews(connection, run_id=run, limit=limit)
    entries = [
        FindingReviewEntry(
            **{key: row[key] for key in FindingReviewEntry.model_fields if key != "value"},
            value=row["value"] if row["value"] is not None else row["value_number"],
        )
        for row in rows
    ]
    return FindingReviewList(run_id=run, total=total, entries=entries)


def write_finding_reviews(reviews: FindingReviewList, path: Path) -> None:
    """Write the entries as JSON lines (with their evidence text) to ``path``.

    Raises:
        ConfigError: E520 when the file cannot be written.
    """
    try:
        with path.open("w", encoding="utf-8") as handle:
            for entry in reviews.entries:
                handle.write(json.dumps(entry.model_dump(), ensure_ascii=False) + "\n")
    except OSError as error:
        raise QaforgeError.of(
            "E520", path=path, problem=(error.strerror or str(error)).lower()
        ) from None
