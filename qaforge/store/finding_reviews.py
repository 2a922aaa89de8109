"""Findings held for review: written by ``generate``, read by ``qaforge review-findings``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from qaforge.domain.qa import HeldFinding
from qaforge.store.models import Finding as FindingRow
from qaforge.store.models import FindingReview, ReportVersion

CHUNK = 500


def review_id(run_id: str, finding_id: str) -> str:
    """The review entry's id: a hash of the extraction run and the finding."""
    return hashlib.sha256(f"{run_id}\0{finding_id}".encode()).hexdigest()[:32]


def replace_finding_reviews(
    connection: Connection,
    *,
    run_id: str,
    study_ids: Sequence[str],
    held: Sequence[tuple[str, HeldFinding]],
) -> None:
    """Make ``held`` the run's review entries of ``study_ids`` (the studies just generated).

    Args:
        connection: An open connection inside the caller's transaction.
        run_id: The extraction run generation read.
        study_ids: The studies whose entries are rewritten.
        held: ``(study_id, held finding)`` pairs of those studies.
    """
    for start in range(0, len(study_ids), CHUNK):
        connection.execute(
            delete(FindingReview).where(
                FindingReview.run_id == run_id,
                FindingReview.study_id.in_(list(study_ids[start : start + CHUNK])),
            )
        )
    if held:
        connection.execute(
            insert(FindingReview),
            [
                {
                    "id": review_id(run_id, finding.finding_id),
                    "run_id": run_id,
                    "study_id": study_id,
                    "finding_id": finding.finding_id,
                    "code": finding.code,
                    "confidence": finding.confidence,
                    "doubts": list(finding.doubts),
                    "subtasks": list(finding.subtasks),
                }
                for study_id, finding in held
            ],
        )


def count_finding_reviews(connection: Connection, *, run_id: str) -> int:
    """How many review entries the run has."""
    return connection.execute(
        select(func.count()).select_from(FindingReview).where(FindingReview.run_id == run_id)
    ).scalar_one()


def finding_reviews(
    connection: Connection, *, run_id: str, limit: int | None = None
) -> list[dict[str, Any]]:
    """The run's review entries with their findings, lowest confidence first.

    Returns:
        Rows with ``id``, ``study_id``, ``report_id``, ``finding_id``, ``code``,
        ``value``, ``value_number``, ``levels``, ``walls``, ``segments``,
        ``certainty``, ``confidence``, ``doubts``, ``subtasks``,
        ``evidence_start``, ``evidence_end`` and ``evidence_text``.
    """
    query = (
        select(
            FindingReview.id,
            FindingReview.study_id,
            ReportVersion.report_id,
            FindingReview.finding_id,
            FindingReview.code,
            FindingRow.value,
            FindingRow.value_number,
            FindingRow.levels,
            FindingRow.walls,
            FindingRow.segments,
            FindingRow.certainty,
            FindingReview.confidence,
            FindingReview.doubts,
            FindingReview.subtasks,
            FindingRow.evidence_start,
            FindingRow.evidence_end,
            FindingRow.evidence_text,
        )
        .join(FindingRow, FindingRow.id == FindingReview.finding_id)
        .join(ReportVersion, ReportVersion.id == FindingRow.report_version_id)
        .where(FindingReview.run_id == run_id)
        .order_by(FindingReview.confidence, FindingReview.study_id, FindingReview.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]
