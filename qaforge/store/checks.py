"""Splits, the flags the checks write, and the verifications and counts export reads."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from qaforge.store.models import (
    ExtractionRun,
    Flag,
    Patient,
    QAItem,
    Report,
    ReportVersion,
    ReviewOutcome,
    Study,
    Verification,
)
from qaforge.store.models import Finding as FindingRow

CHUNK = 500


def patient_strata(connection: Connection) -> list[tuple[str, str | None]]:
    """Every patient with the etiology its latest finished run's findings give (or ``None``)."""
    run = connection.execute(
        select(ExtractionRun.id)
        .where(ExtractionRun.status == "done")
        .order_by(ExtractionRun.finished_at.desc())
        .limit(1)
    ).scalar()
    etiology: dict[str, str] = {}
    if run is not None:
        rows = connection.execute(
            select(Study.patient_id, FindingRow.value)
            .join(Report, Report.study_id == Study.id)
            .join(ReportVersion, ReportVersion.report_id == Report.id)
            .join(FindingRow, FindingRow.report_version_id == ReportVersion.id)
            .where(FindingRow.run_id == run, FindingRow.code == "overall.etiology")
        )
        for patient_id, value in rows:
            etiology.setdefault(patient_id, value)
    patients = connection.execute(select(Patient.id).order_by(Patient.id)).scalars()
    return [(patient_id, etiology.get(patient_id)) for patient_id in patients]


def set_splits(
    connection: Connection, *, patient_splits: dict[str, str], study_splits: dict[str, str]
) -> None:
    """Store splits: a patient's on the patient and each of its studies; study entries override."""
    for patient_id, split in patient_splits.items():
        connection.execute(update(Patient).where(Patient.id == patient_id).values(split=split))
        connection.execute(update(Study).where(Study.patient_id == patient_id).values(split=split))
    for study_id, split in study_splits.items():
        connection.execute(update(Study).where(Study.id == study_id).values(split=split))


def split_sizes(connection: Connection) -> dict[str, dict[str, int]]:
    """Per split: patients, studies and active items."""
    sizes: dict[str, dict[str, int]] = defaultdict(
        lambda: {"patients": 0, "studies": 0, "items": 0}
    )
    for split, patients, studies in connection.execute(
        select(Study.split, func.count(func.distinct(Study.patient_id)), func.count()).group_by(
            Study.split
        )
    ):
        sizes[split or "(none)"].update(patients=int(patients), studies=int(studies))
    for split, items in connection.execute(
        select(Study.split, func.count())
        .join(QAItem, QAItem.study_id == Study.id)
        .where(QAItem.status == "active")
        .group_by(Study.split)
    ):
        sizes[split or "(none)"]["items"] = int(items)
    return dict(sizes)


def patients_of_studies(connection: Connection) -> dict[str, str]:
    """Study id -> patient id."""
    return dict(connection.execute(select(Study.id, Study.patient_id)).all())


def replace_flags(
    connection: Connection, *, check_names: Sequence[str], flags: Iterable[dict[str, Any]]
) -> None:
    """Drop the previous flags of these checks and store the new ones."""
    connection.execute(delete(Flag).where(Flag.check_name.in_(list(check_names))))
    rows = list(flags)
    if rows:
        connection.execute(insert(Flag), rows)


def blocking_item_ids(connection: Connection) -> set[str]:
    """Items with at least one blocking flag."""
    return set(
        connection.execute(
            select(Flag.item_id).where(Flag.severity == "blocking", Flag.item_id.is_not(None))
        ).scalars()
    )


def latest_verifications(connection: Connection) -> dict[str, dict[str, Any]]:
    """Each item's latest verification (verdict, corrected answer, annotator)."""
    found: dict[str, dict[str, Any]] = {}
    for row in connection.execute(
        select(Verification.__table__)
        .where(Verification.is_latest.is_(True))
        .order_by(Verification.id)
    ):
        found[row.item_id] = dict(row._mapping)
    return found


def verification_counts(connection: Connection) -> dict[str, int]:
    """Active items by verification, one count per item.

    An item with a Label Studio review outcome (annotate pull) counts by it
    (verified, corrected, rejected, needs_adjudication; a pending one, short
    of its reads, as ``unverified``); otherwise by its latest verdict (e.g.
    ``demo_accept``); ``unverified`` for neither.
    """
    active = set(connection.execute(select(QAItem.id).where(QAItem.status == "active")).scalars())
    outcomes = {
        item_id: "unverified" if status == "pending" else status
        for item_id, status in connection.execute(
            select(ReviewOutcome.item_id, ReviewOutcome.status)
        )
    }
    latest = {
        item_id: verdict
        for item_id, verdict in connection.execute(
            select(Verification.item_id, Verification.verdict)
            .where(Verification.is_latest.is_(True))
            .order_by(Verification.id)
        )
    }
    counts = Counter(outcomes.get(i) or latest.get(i) or "unverified" for i in active)
    return {str(k): int(v) for k, v in counts.items()} | {"unverified": counts["unverified"]}


def flag_counts(connection: Connection) -> dict[str, dict[str, int]]:
    """Stored flags per check: ``{check: {severity: count}}``."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for check, severity, count in connection.execute(
        select(Flag.check_name, Flag.severity, func.count()).group_by(
            Flag.check_name, Flag.severity
        )
    ):
        counts[check][severity] = int(count)
    return dict(counts)


def add_demo_verifications(connection: Connection, *, annotator: str) -> int:
    """Add a ``demo_accept`` verification to every active item that has none; returns how many."""
    verified = select(Verification.item_id)
    ids = (
        connection.execute(
            select(QAItem.id).where(QAItem.status == "active", QAItem.id.not_in(verified))
        )
        .scalars()
        .all()
    )
    if ids:
        connection.execute(
            insert(Verification),
            [
                {"item_id": i, "annotator": annotator, "verdict": "demo_accept", "is_latest": True}
                for i in ids
            ],
        )
    return len(ids)
