"""Tables of image series: the NIfTI files of a study, what their voxels say, readers' corrections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, Id, JsonType, Sha256, utc_now


class ImageSeries(Base):
    """A NIfTI series of a study, with the header facts read at ingest."""

    __tablename__ = "image_series"
    __table_args__ = (UniqueConstraint("study_id", "path"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    absolute_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Sha256, index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sequence: Mapped[str] = mapped_column(String(20))
    view: Mapped[str] = mapped_column(String(10))
    classified_by: Mapped[str] = mapped_column(String(200))
    shape: Mapped[list[int]] = mapped_column(JsonType)
    spacing: Mapped[list[float]] = mapped_column(JsonType)
    n_slices: Mapped[int] = mapped_column(Integer)
    n_frames: Mapped[int] = mapped_column(Integer)
    orientation: Mapped[str] = mapped_column(String(10))
    affine: Mapped[list[list[float]]] = mapped_column(JsonType)
    dtype: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    sidecar: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    phase: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SeriesAnalysis(Base):
    """What a series' voxels say, made from the file with hash ``sha256``."""

    __tablename__ = "series_analyses"

    series_id: Mapped[str] = mapped_column(ForeignKey("image_series.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(Sha256)
    method_version: Mapped[int] = mapped_column(Integer)
    ed_frame: Mapped[int | None] = mapped_column(Integer)
    es_frame: Mapped[int | None] = mapped_column(Integer)
    phase_method: Mapped[str | None] = mapped_column(String(40))
    phase_confidence: Mapped[float | None] = mapped_column(Float)
    peak_frames: Mapped[list[int] | None] = mapped_column(JsonType)
    slice_order: Mapped[str | None] = mapped_column(String(20))
    slice_order_method: Mapped[str | None] = mapped_column(String(40))
    lv_first: Mapped[int | None] = mapped_column(Integer)
    lv_last: Mapped[int | None] = mapped_column(Integer)
    display: Mapped[dict[str, Any]] = mapped_column(JsonType)
    notes: Mapped[list[str]] = mapped_column(JsonType)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SeriesOverride(Base):
    """A reader's correction of a series' phases or slice order (wins over the analysis)."""

    __tablename__ = "series_overrides"

    series_id: Mapped[str] = mapped_column(ForeignKey("image_series.id"), primary_key=True)
    ed_frame: Mapped[int | None] = mapped_column(Integer)
    es_frame: Mapped[int | None] = mapped_column(Integer)
    slice_order: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
