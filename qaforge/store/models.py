"""The relational schema: every table of qaforge, in one place.

Ids of derived things (series, findings, QA items, images) are content hashes
computed by the stages, so a re-run produces the same ids and duplicates
nothing. Nothing that a radiologist produced (verifications) is ever deleted
by a re-run: items that no longer arise are marked ``retired``.

Changes to this module need an Alembic migration (``migrations/versions``);
``tests/store/test_migrations.py`` fails when the two disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
Id = String(64)
Sha256 = String(64)


def utc_now() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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


class Flag(Base):
    """A check's finding about an item (or the whole set when item_id is null)."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("qa_items.id"), index=True)
    check_name: Mapped[str] = mapped_column(String(60), index=True)
    severity: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


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
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Export(Base):
    """One export folder written from the store."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outdir: Mapped[str] = mapped_column(Text)
    schema_version: Mapped[str] = mapped_column(String(20))
    n_items: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(Sha256)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
