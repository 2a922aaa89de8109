"""Tables of extraction: runs, findings, the reports each run read, and the LLM extractor's cache, outcomes, refusals and reconciliations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qaforge.store.models.base import Base, Id, JsonType, Sha256, utc_now


class ExtractionRun(Base):
    """One configuration of an extractor; its id is a signature hash of that config."""

    __tablename__ = "extraction_runs"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    extractor: Mapped[str] = mapped_column(String(50))
    extractor_version: Mapped[str] = mapped_column(String(50))
    config_hash: Mapped[str] = mapped_column(Sha256)
    model: Mapped[str | None] = mapped_column(String(200))
    prompt_hash: Mapped[str | None] = mapped_column(Sha256)
    params: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="running")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Finding(Base):
    """A normalised statement of a report version, with its evidence span."""

    __tablename__ = "findings"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), index=True)
    report_version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    value: Mapped[str | None] = mapped_column(String(60))
    value_number: Mapped[float | None] = mapped_column(Float)
    levels: Mapped[list[str]] = mapped_column(JsonType, default=list)
    walls: Mapped[list[str]] = mapped_column(JsonType, default=list)
    segments: Mapped[list[int]] = mapped_column(JsonType, default=list)
    certainty: Mapped[str] = mapped_column(String(20))
    evidence_start: Mapped[int] = mapped_column(Integer)
    evidence_end: Mapped[int] = mapped_column(Integer)
    evidence_text: Mapped[str] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(50))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    doubts: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class FindingReview(Base):
    """A finding generation held back for a person: too doubtful, or disputed, to answer an item.

    One row per (extraction run, finding); ``subtasks`` are the subtasks that
    made no item because of it. Rewritten for a study each time it is generated.
    """

    __tablename__ = "finding_reviews"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), index=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"))
    code: Mapped[str] = mapped_column(String(60))
    confidence: Mapped[float] = mapped_column(Float)
    doubts: Mapped[list[str]] = mapped_column(JsonType, default=list)
    subtasks: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ExtractedReport(Base):
    """A report version that a run has read, with how many findings it gave.

    Kept also when a report gives no finding, so that a re-run skips it.
    """

    __tablename__ = "extracted_reports"

    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), primary_key=True)
    report_version_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id"), primary_key=True
    )
    finding_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class LLMCacheEntry(Base):
    """A validated LLM answer, keyed by model, prompt, schema, report text and parameters."""

    __tablename__ = "llm_cache"

    key: Mapped[str] = mapped_column(Sha256, primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class LLMOutcomeRow(Base):
    """How an LLM run's latest attempt at a report version went.

    ``failed`` rows keep the reason and the raw response; the report version
    stays pending for the run, so the next run asks again.
    """

    __tablename__ = "llm_outcomes"

    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), primary_key=True)
    report_version_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    raw_response: Mapped[str | None] = mapped_column(Text)
    from_cache: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class RejectedFindingRow(Base):
    """A finding an LLM stated that was refused (evidence not found, outside the vocabulary)."""

    __tablename__ = "rejected_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), index=True)
    report_version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    stated: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Reconciliation(Base):
    """Rules and LLM findings of one report version and code, matched: agree, rules_only, llm_only or conflict."""

    __tablename__ = "reconciliations"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("extraction_runs.id"), index=True)
    report_version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    rule_finding_ids: Mapped[list[str]] = mapped_column(JsonType, default=list)
    llm_finding_ids: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
