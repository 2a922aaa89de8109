"""Patients, studies, reports and their versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.reports import ReportRecord
from qaforge.store.models import Patient, Report, ReportVersion, Study, utc_now


@dataclass
class ReportBatchOutcome:
    """What one batch did.

    Attributes:
        new_reports: Reports seen for the first time.
        new_versions: Known reports whose text changed (stored as a new version).
        unchanged: Known reports with the same text (nothing written).
        refused: Rows that contradict what is stored (e.g. a study moving patient).
    """

    new_reports: int = 0
    new_versions: int = 0
    unchanged: int = 0
    refused: list[QuarantineEntry] = field(default_factory=list)


def store_report_batch(
    connection: Connection,
    *,
    reports: Sequence[tuple[ReportRecord, str]],
    source: str,
) -> ReportBatchOutcome:
    """Store a batch of validated reports, versioning changed texts.

    A report whose text is unchanged writes nothing, so re-ingesting a file is
    a no-op. A report whose text changed gets version N+1 and becomes current;
    earlier versions stay. A row that would move a report to another study, or
    a study to another patient, is refused rather than applied.

    Args:
        connection: An open connection inside the caller's transaction.
        reports: ``(record, location)`` pairs, report ids unique in the batch.
        source: The input file, recorded with each version.

    Returns:
        Counts, and the refused rows for the caller to quarantine.
    """
    outcome = ReportBatchOutcome()
    if not reports:
        return outcome
    stored = _stored_state(connection, [record for record, _ in reports])
    rows = _BatchRows()
    now = utc_now()
    for record, location in reports:
        reason = _contradiction(record, stored)
        if reason is not None:
            outcome.refused.append(_refusal(record, location, source, reason))
            continue
        known = stored.reports.get(record.report_id)
        if known is not None and known.text_sha256 == record.text_sha256:
            outcome.unchanged += 1
            continue
        _add_rows(rows, stored, record, location=location, source=source, now=now)
        if known is None:
            outcome.new_reports += 1
        else:
            outcome.new_versions += 1
    _write_rows(connection, rows)
    return outcome


@dataclass
class _StoredState:
    """What the store holds of a batch's reports, studies and patients.

    Attributes:
        reports: Report id -> its row (study, current version, text hash).
        study_owner: Study id -> its patient; grows as the batch adds studies,
            so a later row cannot move a study added by an earlier one.
        patients: Patient ids already stored.
    """

    reports: dict[str, Row]
    study_owner: dict[str, str]
    patients: set[str]


@dataclass
class _BatchRows:
    """The rows a batch inserts, and the reports whose current version it bumps."""

    patients: dict[str, dict] = field(default_factory=dict)
    studies: dict[str, dict] = field(default_factory=dict)
    reports: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    bumps: list[dict] = field(default_factory=list)


def _stored_state(connection: Connection, records: Sequence[ReportRecord]) -> _StoredState:
    """Read the stored reports (with their current text hash), studies and patients of a batch."""
    current_rows = connection.execute(
        select(Report.id, Report.study_id, Report.current_version, ReportVersion.text_sha256)
        .join(
            ReportVersion,
            (ReportVersion.report_id == Report.id)
            & (ReportVersion.version == Report.current_version),
        )
        .where(Report.id.in_([record.report_id for record in records]))
    )
    study_ids = list({record.study_id for record in records})
    patient_ids = list({record.patient_id for record in records})
    return _StoredState(
        reports={row.id: row for row in current_rows},
        study_owner=dict(
            connection.execute(
                select(Study.id, Study.patient_id).where(Study.id.in_(study_ids))
            ).all()
        ),
        patients=set(connection.scalars(select(Patient.id).where(Patient.id.in_(patient_ids)))),
    )


def _contradiction(record: ReportRecord, stored: _StoredState) -> str | None:
    """Why a row contradicts the store (a study moving patient, a report moving study), or None."""
    owner = stored.study_owner.get(record.study_id)
    if owner is not None and owner != record.patient_id:
        return (
            f"study {record.study_id!r} belongs to patient {owner!r}, "
            f"this row says {record.patient_id!r}"
        )
    known = stored.reports.get(record.report_id)
    if known is not None and known.study_id != record.study_id:
        return (
            f"report {record.report_id!r} is stored for study {known.study_id!r}, "
            f"this row says {record.study_id!r}"
        )
    return None


def _add_rows(
    rows: _BatchRows,
    stored: _StoredState,
    record: ReportRecord,
    *,
    location: str,
    source: str,
    now: dt.datetime,
) -> None:
    """Add the rows of a new report or a changed text: patient and study if new, the version."""
    if record.patient_id not in stored.patients and record.patient_id not in rows.patients:
        rows.patients[record.patient_id] = {"id": record.patient_id, "created_at": now}
    if record.study_id not in stored.study_owner:
        stored.study_owner[record.study_id] = record.patient_id
        rows.studies[record.study_id] = {
            "id": record.study_id,
            "patient_id": record.patient_id,
            "study_date": record.study_date,
            "created_at": now,
        }
    known = stored.reports.get(record.report_id)
    version = 1 if known is None else known.current_version + 1
    rows.versions.append(
        {
            "report_id": record.report_id,
            "version": version,
            "text": record.text,
            "text_sha256": record.text_sha256,
            "source": source,
            "source_location": location,
            "ingested_at": now,
        }
    )
    if known is None:
        rows.reports.append(
            {
                "id": record.report_id,
                "study_id": record.study_id,
                "accession": record.accession,
                "current_version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    else:
        rows.bumps.append(
            {
                "b_id": record.report_id,
                "b_version": version,
                "b_accession": record.accession,
                "b_now": now,
            }
        )


def _write_rows(connection: Connection, rows: _BatchRows) -> None:
    """Insert a batch's rows and move the changed reports to their new version."""
    if rows.patients:
        connection.execute(insert(Patient), list(rows.patients.values()))
    if rows.studies:
        connection.execute(insert(Study), list(rows.studies.values()))
    if rows.reports:
        connection.execute(insert(Report), rows.reports)
    if rows.versions:
        connection.execute(insert(ReportVersion), rows.versions)
    if rows.bumps:
        connection.execute(
            update(Report.__table__)
            .where(Report.__table__.c.id == bindparam("b_id"))
            .values(
                current_version=bindparam("b_version"),
                accession=bindparam("b_accession"),
                updated_at=bindparam("b_now"),
            ),
            rows.bumps,
        )


def _refusal(record: ReportRecord, location: str, source: str, reason: str) -> QuarantineEntry:
    return QuarantineEntry(
        stage="ingest_reports",
        source=source,
        location=location,
        reason=reason,
        record_key=record.report_id,
        raw=None,
    )


def list_study_ids(connection: Connection) -> set[str]:
    """Every study id in the store."""
    return set(connection.scalars(select(Study.id)))


def current_report_text(connection: Connection, *, report_id: str) -> tuple[int, str] | None:
    """The current version number and text of a report, or None if unknown."""
    row = connection.execute(
        select(ReportVersion.version, ReportVersion.text)
        .join(Report, Report.id == ReportVersion.report_id)
        .where(Report.id == report_id, ReportVersion.version == Report.current_version)
    ).first()
    return None if row is None else (row.version, row.text)
