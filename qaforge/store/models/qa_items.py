"""Tables of generated QA items and the findings their answers rest on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, Id, JsonType, Sha256, utc_now


class QAItem(Base):
    """A question with options and answer; retired rather than deleted."""

    __tablename__ = "qa_items"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    subtask_id: Mapped[str] = mapped_column(String(100), index=True)
    subtask_version: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[str] = mapped_column(String(20))
    answer_type: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    answer: Mapped[Any] = mapped_column(JsonType)
    answer_key: Mapped[str | None] = mapped_column(String(200))
    content_key: Mapped[str | None] = mapped_column(Sha256, index=True)
    template_id: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    option_seed: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    provenance: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class QAItemFinding(Base):
    """Which findings an item's answer rests on."""

    __tablename__ = "qa_item_findings"

    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), primary_key=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"), primary_key=True)
