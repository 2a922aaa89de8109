"""Tables of image selection: which slices an item shows, and the rendered images."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, Id, JsonType, Sha256, utc_now


class ImageSelection(Base):
    """Which images an item shows under one protocol and budget, and why those.

    ``status`` is ``selected``, ``no_series`` (no series of the subtask's
    views: not answerable from images) or ``unreadable`` (every routed series
    failed to load). ``selection_key`` hashes everything the selection
    depends on, so a re-run redoes only what changed.
    """

    __tablename__ = "image_selections"
    __table_args__ = (UniqueConstraint("item_id", "protocol", "budget"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), index=True)
    protocol: Mapped[str] = mapped_column(String(30))
    budget: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    selection_key: Mapped[str] = mapped_column(Sha256)
    status: Mapped[str] = mapped_column(String(20), index=True)
    primary_view: Mapped[str | None] = mapped_column(String(10))
    routed_series: Mapped[list[str]] = mapped_column(JsonType, default=list)
    missing_views: Mapped[list[str]] = mapped_column(JsonType, default=list)
    unreadable_series: Mapped[list[str]] = mapped_column(JsonType, default=list)
    n_images: Mapped[int] = mapped_column(Integer)
    images_root: Mapped[str] = mapped_column(Text)
    contact_sheet: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class QAImage(Base):
    """One rendered slice of an item, and exactly which voxels it came from."""

    __tablename__ = "qa_images"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), index=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("image_series.id"), index=True)
    z: Mapped[int] = mapped_column(Integer)
    t: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(30))
    budget: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Sha256)
    windowing: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
