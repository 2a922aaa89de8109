"""Tables of what runs did: ingest runs and their counts, refused input, export folders written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, JsonType, Sha256, utc_now


class QuarantineRow(Base):
    """Input that was refused, with reason and source location; nothing is lost."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(Sha256, unique=True)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    record_key: Mapped[str | None] = mapped_column(String(200))
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class IngestRun(Base):
    """One run of an ingest command over one source, with its counts."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, int]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="running")
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Export(Base):
    """One export folder written from the store: where, what, how many, and its manifest's hash.

    ``counts`` holds records per split, images and items left out by reason;
    ``manifest_sha256`` is the hash of ``manifest.json`` (for a harness format,
    of the sorted file list with each file's hash).
    """

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outdir: Mapped[str] = mapped_column(Text)
    export_format: Mapped[str] = mapped_column(String(20), default="benchmark")
    schema_version: Mapped[str] = mapped_column(String(20))
    n_items: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JsonType, default=dict)
    manifest_sha256: Mapped[str] = mapped_column(Sha256)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StoreSecret(Base):
    """A value made once per database and kept in it (the provenance salt); never exported."""

    __tablename__ = "store_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
