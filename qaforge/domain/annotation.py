"""Verification in Label Studio: the models push, pull and the store share.

A :class:`ReviewItem` goes into push (one active item with what a
radiologist needs to judge it); a :class:`ParsedAnnotation` comes out of
pull (one annotator's verdict, read from a Label Studio annotation); an
:class:`Outcome` is what the verdicts of an item add up to.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from qaforge.domain.qa import Answer, AnswerType

Verdict = Literal["accept", "correct", "reject"]
VERDICTS: tuple[Verdict, ...] = ("accept", "correct", "reject")
RejectReason = Literal[
    "wrong finding",
    "wrong or insufficient images",
    "ambiguous question",
    "image quality",
    "other",
]
REJECT_REASONS: tuple[RejectReason, ...] = (
    "wrong finding",
    "wrong or insufficient images",
    "ambiguous question",
    "image quality",
    "other",
)
Purpose = Literal["review", "adjudication"]
OutcomeStatus = Literal["pending", "verified", "corrected", "rejected", "needs_adjudication"]


class Evidence(BaseModel):
    """A finding's words in its report: the span and the report text around it.

    Attributes:
        report_text: The full report version the finding was read from.
        start: Start offset of the finding's evidence in ``report_text``.
        end: End offset.
    """

    model_config = ConfigDict(frozen=True)

    report_text: str
    start: int
    end: int


class ReviewSlice(BaseModel):
    """One image of an item as the reading view places and captions it.

    Attributes:
        path: The PNG's path relative to the media root.
        rank: Its position in the item's selection (0 first), as the benchmark orders it.
        series: Position of its series among the item's series (0 for the first one met by rank).
        z: Slice index in the series file as stored.
        t: Frame index in the series file as stored.
        phase: ``ED`` or ``ES`` when ``t`` is the series' end-diastolic or
            end-systolic frame, else None.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    rank: int
    series: int
    z: int
    t: int
    phase: Literal["ED", "ES"] | None = None


class ReviewItem(BaseModel):
    """One active item as a radiologist must see it.

    Attributes:
        item_id: The ``qa_items`` id.
        study_id: Its study.
        subtask_id: Its subtask.
        tier: Its tier.
        sequence: Its sequence.
        answer_type: single_choice, multiple_choice or open_text.
        question: The question text.
        options: Letter -> option text (empty for open items).
        answer: The proposed answer: a letter, letters, or text.
        model_version: The generation provenance a prediction is labelled with.
        evidence: The findings' words in their reports.
        image_paths: Paths of the item's slices relative to the media root, in rank order.
        slices: The same slices with their series, slice and frame indices (rank order);
            empty when the review item was made from paths alone.
        conflict: Its findings include a rules/LLM conflict.
    """

    model_config = ConfigDict(frozen=True)

    item_id: str
    study_id: str
    subtask_id: str
    tier: str
    sequence: str
    answer_type: AnswerType
    question: str
    options: dict[str, str]
    answer: Answer
    model_version: str
    evidence: tuple[Evidence, ...] = ()
    image_paths: tuple[str, ...] = ()
    slices: tuple[ReviewSlice, ...] = ()
    conflict: bool = False


class ParsedAnnotation(BaseModel):
    """One annotator's verdict on one item, read from a Label Studio annotation.

    Attributes:
        verdict: accept, correct or reject; ``None`` when the annotation was skipped.
        corrected_answer: The answer chosen with ``correct`` (letter(s) or text).
        reject_reason: The reason chosen with ``reject``.
        comment: Free text, or ``None``.
    """

    model_config = ConfigDict(frozen=True)

    verdict: Verdict | None
    corrected_answer: Answer | None = None
    reject_reason: str | None = None
    comment: str | None = None


class Rated(BaseModel):
    """An annotator's current verdict on an item, as the outcome rule reads it.

    Attributes:
        annotator: The annotator's e-mail.
        verdict: accept, correct or reject.
        corrected_answer: The answer given with ``correct``.
    """

    model_config = ConfigDict(frozen=True)

    annotator: str
    verdict: Verdict
    corrected_answer: Answer | None = None

    @property
    def label(self) -> str:
        """The rating as one comparable label: ``accept``, ``reject`` or ``correct:<answer>``."""
        if self.verdict != "correct":
            return self.verdict
        answer = self.corrected_answer
        shown = ",".join(sorted(answer)) if isinstance(answer, list) else str(answer)
        return f"correct:{shown}"


class Outcome(BaseModel):
    """What an item's verdicts add up to.

    Attributes:
        status: pending, verified, corrected, rejected or needs_adjudication.
        answer: The answer the benchmark uses (the corrected one when corrected).
        decided_by: The annotators whose verdicts decided it.
    """

    model_config = ConfigDict(frozen=True)

    status: OutcomeStatus
    answer: Answer | None = None
    decided_by: tuple[str, ...] = ()
