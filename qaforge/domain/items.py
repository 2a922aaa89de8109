"""A stored QA item as the later stages read it: its provenance and one typed view.

:class:`ItemProvenance` is what generation records with every item (the
``qa_items.provenance`` JSON). :class:`ItemView` is one item with what
check, annotate and export need of it: the item's own columns, its study's
patient and split, the evidence spans it rests on, the report versions they
are in, the images of one (protocol, budget) selection and the study's
series. The store makes views (``qaforge.store.item_views``); the stages
only read them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qaforge.domain.qa import Answer, AnswerType, GenerationConfig, ItemStatus, Tier


class TemplateRef(BaseModel):
    """The question template an item was phrased with.

    Attributes:
        id: The template's id.
        version: The subtask version it belongs to.
        source_sha256: Hash of the template's source text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int
    source_sha256: str


class ReferenceFinding(BaseModel):
    """A finding an open item's reference answer rests on (its content, not its offsets)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    value: str | float
    levels: list[str]
    walls: list[str]
    segments: list[int]
    certainty: str


class ItemProvenance(BaseModel):
    """Where an item comes from; stored as the ``qa_items.provenance`` JSON.

    Attributes:
        template: The question template.
        catalogue_sha256: Hash of the subtask catalogue.
        extraction_run: The extraction run of the findings it rests on.
        answer_keys: The answer as option keys (empty for open items).
        report_versions: The report versions of those findings.
        views: The subtask's views, primary first (image routing reads them).
        config: The generation settings.
        reference_findings: Open items only: the findings the reference
            answer is made from; absent (``None``) for choice items.
        redacted_phi: Kinds of PHI replaced by placeholders in report text
            copied into the answer; absent (``None``) when nothing was.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: TemplateRef
    catalogue_sha256: str
    extraction_run: str
    answer_keys: list[str]
    report_versions: list[int]
    views: list[str]
    config: GenerationConfig
    reference_findings: list[ReferenceFinding] | None = None
    redacted_phi: list[str] | None = None

    def stored(self) -> dict[str, Any]:
        """The JSON form kept in the store (no ``reference_findings`` key on choice items,
        no ``redacted_phi`` key on items with nothing redacted)."""
        absent = {
            name for name in ("reference_findings", "redacted_phi") if getattr(self, name) is None
        }
        return self.model_dump(exclude=absent)


class EvidenceSpan(BaseModel):
    """One finding an item rests on, as words of a report version.

    Attributes:
        finding_id: The ``findings`` row.
        code: The finding's code.
        report_version_id: The report version it was read from.
        start: Start offset of its evidence in that version's text.
        end: End offset.
        text: The evidence text as extraction stored it.
        conflict: Rules and LLM extraction disagreed on this code in this version.
    """

    model_config = ConfigDict(frozen=True)

    finding_id: str
    code: str
    report_version_id: int
    start: int
    end: int
    text: str
    conflict: bool = False


class SelectedImage(BaseModel):
    """One slice of an item's image selection, with the series file it was cut from.

    Attributes:
        series_id: The series.
        series_sha256: Hash of the series file.
        z: Slice index.
        t: Frame index.
        protocol: The selection protocol.
        budget: The selection's budget.
        rank: Position in the selection (0 first).
        images_root: The images folder the selection was written to.
        path: The PNG's path relative to ``images_root``.
        sha256: Hash of the PNG.
    """

    model_config = ConfigDict(frozen=True)

    series_id: str
    series_sha256: str
    z: int = Field(ge=0)
    t: int = Field(ge=0)
    protocol: str
    budget: int
    rank: int = Field(ge=0)
    images_root: str
    path: str
    sha256: str


class StudySeries(BaseModel):
    """One image series of an item's study.

    Attributes:
        series_id: The series.
        sha256: Hash of its file.
        description: Its description, if the file gave one.
        ed_frame: End-diastolic frame in use (a reader's override wins), None when unknown.
        es_frame: End-systolic frame in use, None when unknown.
    """

    model_config = ConfigDict(frozen=True)

    series_id: str
    sha256: str
    description: str = ""
    ed_frame: int | None = None
    es_frame: int | None = None


class ItemView(BaseModel):
    """One stored item with everything check, annotate and export read of it.

    Attributes:
        id: The ``qa_items`` id.
        study_id: Its study.
        patient_id: The study's patient.
        split: The study's split, or ``None`` before ``split``.
        status: active, capped or retired.
        subtask_id: Its subtask.
        subtask_version: The subtask's version.
        tier: Its tier.
        sequence: Its sequence (or ``overall``).
        answer_type: single_choice, multiple_choice or open_text.
        question: The question text.
        options: Letter -> option text (empty for open items).
        answer: The letter, the letters, or the reference text.
        template_id: The question template.
        template_version: Its version.
        provenance: What generation recorded.
        evidence: The findings it rests on, by position in their report.
        reports: Report version id -> text, for the versions of ``evidence``.
        images: The slices of its (protocol, budget) selection by rank
            (empty when it has none).
        study_series: Every series of its study, ordered by series id.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    study_id: str
    patient_id: str
    split: str | None
    status: ItemStatus
    subtask_id: str
    subtask_version: int
    tier: Tier
    sequence: str
    answer_type: AnswerType
    question: str
    options: dict[str, str]
    answer: Answer
    template_id: str
    template_version: int
    provenance: ItemProvenance
    evidence: tuple[EvidenceSpan, ...] = ()
    reports: dict[int, str] = Field(default_factory=dict)
    images: tuple[SelectedImage, ...] = ()
    study_series: tuple[StudySeries, ...] = ()

    @property
    def evidence_texts(self) -> list[str]:
        """The distinct evidence texts, sorted."""
        return sorted({span.text for span in self.evidence})

    @property
    def report_texts(self) -> list[str]:
        """The distinct texts of the report versions its evidence is in, sorted."""
        return sorted(set(self.reports.values()))

    @property
    def conflict(self) -> bool:
        """Whether any of its findings had a rules/LLM conflict."""
        return any(span.conflict for span in self.evidence)
