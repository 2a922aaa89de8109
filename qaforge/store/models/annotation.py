"""Tables of annotation: Label Studio projects and tasks, radiologists' verdicts, what they add up to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, JsonType, Sha256, utc_now


class AnnotationProject(Base):
    """A Label Studio project qaforge keeps in sync (one per purpose and answer type)."""

    __tablename__ = "annotation_projects"
    __table_args__ = (UniqueConstraint("name", "purpose", "answer_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20))
    answer_type: Mapped[str] = mapped_column(String(20))
    base_url: Mapped[str] = mapped_column(Text)
    ls_project_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    config_sha256: Mapped[str] = mapped_column(Sha256)
    storage_id: Mapped[int | None] = mapped_column(BigInteger)
    media_root: Mapped[str] = mapped_column(Text)
    adjudicator: Mapped[str | None] = mapped_column(String(200))
    # Annotators who must read an item before its verdicts decide it (push's --overlap).
    reads_required: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class AnnotationTask(Base):
    """The Label Studio task of an item in a project, and the hash of what it shows."""

    __tablename__ = "annotation_tasks"

    project_id: Mapped[int] = mapped_column(ForeignKey("annotation_projects.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), primary_key=True)
    ls_task_id: Mapped[int] = mapped_column(BigInteger, index=True)
    task_sha256: Mapped[str] = mapped_column(Sha256)
    state: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    superseded_annotation_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ReviewOutcome(Base):
    """What an item's verdicts add up to: its review status and the answer the benchmark uses."""

    __tablename__ = "review_outcomes"

    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    answer: Mapped[Any | None] = mapped_column(JsonType)
    decided_by: Mapped[list[str]] = mapped_column(JsonType, default=list)
    provenance: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Verification(Base):
    """A radiologist's verdict on an item; history kept, the latest wins.

    Rows pulled from Label Studio carry their project and annotation id;
    ``state`` is ``current`` for the annotation as it is now, ``edited``
    for an earlier version of it, ``deleted`` when it was deleted in Label
    Studio and ``stale`` when it was made before its task's content changed.
    """

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_items.id"), index=True)
    annotator: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(20))
    corrected_answer: Mapped[Any | None] = mapped_column(JsonType)
    reject_reason: Mapped[str | None] = mapped_column(String(60))
    comment: Mapped[str | None] = mapped_column(Text)
    lead_time_seconds: Mapped[float | None] = mapped_column(Float)
    external_task_id: Mapped[int | None] = mapped_column(BigInteger)
    external_annotation_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("annotation_projects.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="current")
    fingerprint: Mapped[str | None] = mapped_column(Sha256)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
