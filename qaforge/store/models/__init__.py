"""The relational schema: every table of qaforge, one module per stage.

Ids of derived things (series, findings, QA items, images) are content hashes
computed by the stages, so a re-run produces the same ids and duplicates
nothing. Nothing that a radiologist produced (verifications) is ever deleted
by a re-run: items that no longer arise are marked ``retired``.

Importing this package registers every table on ``Base.metadata`` (Alembic's
``migrations/env.py`` and the store modules import the tables from here).
Changes to a table need an Alembic migration (``migrations/versions``);
``tests/store/test_migrations.py`` fails when the two disagree.
"""

# isort: off
# In stage order: tables register on Base.metadata as they are imported, and
# `qaforge status` lists them in that order.
from qaforge.store.models.base import NAMING_CONVENTION, Base, Id, JsonType, Sha256, utc_now
from qaforge.store.models.reports import Patient, Report, ReportVersion, Study
from qaforge.store.models.series import ImageSeries, SeriesAnalysis, SeriesOverride
from qaforge.store.models.extraction import (
    ExtractedReport,
    ExtractionRun,
    Finding,
    FindingReview,
    LLMCacheEntry,
    LLMOutcomeRow,
    Reconciliation,
    RejectedFindingRow,
)
from qaforge.store.models.qa_items import QAItem, QAItemFinding
from qaforge.store.models.images import ImageSelection, QAImage
from qaforge.store.models.annotation import (
    AnnotationProject,
    AnnotationTask,
    ReviewOutcome,
    Verification,
)
from qaforge.store.models.checks import Flag
from qaforge.store.models.audit import Export, IngestRun, QuarantineRow, StoreSecret
# isort: on

__all__ = [
    "NAMING_CONVENTION",
    "AnnotationProject",
    "AnnotationTask",
    "Base",
    "Export",
    "StoreSecret",
    "ExtractedReport",
    "ExtractionRun",
    "Finding",
    "FindingReview",
    "Flag",
    "Id",
    "ImageSelection",
    "ImageSeries",
    "IngestRun",
    "JsonType",
    "LLMCacheEntry",
    "LLMOutcomeRow",
    "Patient",
    "QAImage",
    "QAItem",
    "QAItemFinding",
    "QuarantineRow",
    "Reconciliation",
    "RejectedFindingRow",
    "Report",
    "ReportVersion",
    "ReviewOutcome",
    "SeriesAnalysis",
    "SeriesOverride",
    "Sha256",
    "Study",
    "Verification",
    "utc_now",
]
