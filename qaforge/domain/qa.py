"""QA items and what they are made from: the models the generate stage shares.

A :class:`StudyFindings` goes into generation (one study's findings and the
series it has); :class:`QAItemDraft` comes out, one per subtask that the
study's findings answer. Drafts become ``qa_items`` rows in the store.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qaforge.domain.vocabulary import DISPUTED, Finding

Tier = Literal["image_understanding", "report_generation", "diagnosis"]
TIERS: tuple[Tier, ...] = ("image_understanding", "report_generation", "diagnosis")
AnswerType = Literal["single_choice", "multiple_choice", "open_text"]
ItemStatus = Literal["active", "capped", "retired"]
Answer = str | list[str]


class SourcedFinding(BaseModel):
    """A stored finding with where it came from.

    Attributes:
        finding_id: The ``findings`` row id.
        report_version_id: The report version it was read from.
        finding: The finding itself.
    """

    model_config = ConfigDict(frozen=True)

    finding_id: str
    report_version_id: int
    finding: Finding


class StudyFindings(BaseModel):
    """Everything generation needs about one study.

    Attributes:
        study_id: The study.
        findings: The findings of its current report versions, from one extraction run.
        series_views: For each sequence the views it has series in, or ``None``
            when series are not considered (then no subtask needs a series).
    """

    model_config = ConfigDict(frozen=True)

    study_id: str
    findings: tuple[SourcedFinding, ...]
    series_views: dict[str, frozenset[str]] | None = None


class GenerationConfig(BaseModel):
    """The knobs of generation; recorded with every item's provenance.

    Attributes:
        include_possible: Let items rest on findings of ``possible`` certainty.
        min_confidence: Findings of lower confidence, and disputed ones, make
            no item: each subtask they touch is held for review (0 holds only
            disputed findings).
        majority_cap: Largest share of a subtask's items that one answer may
            have; 1.0 turns the cap off. Extra items of the majority answer
            are ``capped`` (kept in the store, not used) by a seeded ranking.
        require_series: A subtask makes an item only when the study has a
            series of its sequence in one of its views.
        seed: Mixed into option order, paraphrase choice and the cap's ranking.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    include_possible: bool = False
    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    majority_cap: float = Field(default=0.5, gt=0.0, le=1.0)
    require_series: bool = True
    seed: int = 0


class HeldFinding(BaseModel):
    """A finding generation held back for a person, and the subtasks it kept from making items.

    Attributes:
        finding_id: The ``findings`` row id.
        code: Its code.
        confidence: Its confidence.
        doubts: What lowered it (``disputed`` for a rules/LLM disagreement).
        subtasks: Ids of the subtasks that made no item because of it.
    """

    model_config = ConfigDict(frozen=True)

    finding_id: str
    code: str
    confidence: float
    doubts: tuple[str, ...]
    subtasks: tuple[str, ...] = ()


def is_held(finding: Finding, config: GenerationConfig) -> bool:
    """Whether generation holds ``finding`` for review: disputed, or below the threshold."""
    return DISPUTED in finding.doubts or finding.confidence < config.min_confidence


class QAItemDraft(BaseModel):
    """One generated QA item, before it meets the store.

    Attributes:
        id: Content hash of subtask (id, version), study, answer-bearing
            findings, question, options and answer.
        answer: The correct letter (single choice), the sorted letters
            (multiple choice) or the reference text (open text).
        answer_key: The answer as option keys (``"yes"``, ``"basal|mid"``),
            the class the majority cap counts; ``None`` for open items.
        content_key: Hash of the item's content without its letters; an item
            regenerated with the same content key keeps its stored letters.
        finding_ids: The findings the answer rests on.
        option_seed: The seed that ordered the options.
        provenance: An :class:`~qaforge.domain.items.ItemProvenance` in its
            stored JSON form (``ItemProvenance.stored()``): template, catalogue
            hash, extraction run, answer keys, report versions, views,
            generation config; for open items also the reference findings.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    study_id: str
    subtask_id: str
    subtask_version: int
    tier: Tier
    sequence: str
    answer_type: AnswerType
    question: str
    options: dict[str, str]
    answer: Answer
    answer_key: str | None
    content_key: str
    template_id: str
    template_version: int
    option_seed: int | None
    finding_ids: tuple[str, ...]
    provenance: dict[str, Any]
