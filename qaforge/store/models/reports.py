"""Tables of ingested reports: patients, their studies, reports and every text of a report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, Sha256, utc_now


class Patient(Base):
    """A pseudonymous patient; splits are made at this level."""

    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    split: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Study(Base):
    """One imaging study of a patient; reports and series attach to it."""

    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    study_date: Mapped[dt.date | None] = mapped_column(Date)
    split: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Report(Base):
    """A report's identity; its texts live in :class:`ReportVersion`."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    accession: Mapped[str | None] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ReportVersion(Base):
    """One text of a report. A changed text is a new version, never an overwrite."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(Sha256, index=True)
    source: Mapped[str] = mapped_column(Text)
    source_location: Mapped[str] = mapped_column(String(100))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
