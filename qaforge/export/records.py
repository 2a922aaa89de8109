"""Which items export and as what: verification, records, provenance lines (pure).

:func:`plan_export` turns item views and their verifications into the lines
of ``data/<split>.jsonl`` and ``provenance.jsonl``, the images to copy and
what the dataset card counts. Nothing here reads or writes files.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from qaforge.domain.export import ANSWER_TEXT_SEPARATOR, ExportRecord, ImageProvenance
from qaforge.domain.items import ItemView, SelectedImage
from qaforge.domain.qa import Answer

ACCEPTED_VERDICTS = {"accept": "verified", "correct": "corrected", "demo_accept": "demo_verified"}
"""Latest verification verdict -> the record's ``verification``."""

REVIEWED_STATUSES = {"verified": "verified", "corrected": "corrected"}
"""Review outcomes that export; rejected and needs_adjudication items stay out."""

SkipReason = Literal["blocked", "rejected", "in_adjudication", "unverified", "no_split"]
Status = Literal["verified", "corrected", "demo_verified"]


class ItemVerification(BaseModel):
    """What an item's verification says for the export.

    Attributes:
        status: verified, corrected or demo_verified; ``None`` when the item
            has no accepted verification.
        corrected_answer: The answer a ``corrected`` verification gives.
        review: The review outcome's status when it holds the item back
            (pending, rejected or needs_adjudication).
    """

    model_config = ConfigDict(frozen=True)

    status: Status | None = None
    corrected_answer: Answer | None = None
    review: str | None = None


class ExportedItem(BaseModel):
    """What the dataset card counts of one exported record.

    Attributes:
        tier: The record's tier.
        sequence: Its sequence.
        subtask: Its subtask.
        split: Its split.
        answer_type: single_choice, multiple_choice or open_text.
        answer_text: Its answer as text (the card counts the training split's
            choice answers by it; open answers are never shown).
    """

    model_config = ConfigDict(frozen=True)

    tier: str
    sequence: str
    subtask: str
    split: str
    answer_type: str
    answer_text: str


@dataclass
class ExportPlan:
    """Everything an export writes, before it is written.

    Attributes:
        records: Split -> JSON lines of its records, in item id order.
        provenance: One JSON line per exported record, in the same order.
        images: Name in the export (``images/<sha256>.png``) -> source file,
            each image once.
        exported: What the card counts, one entry per record.
        skipped: Items left out, by reason.
    """

    records: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    provenance: list[str] = field(default_factory=list)
    images: dict[str, Path] = field(default_factory=dict)
    exported: list[ExportedItem] = field(default_factory=list)
    skipped: Counter[SkipReason] = field(default_factory=Counter)

    def text_files(self) -> dict[str, str]:
        """Path in the export -> text of the JSONL files (one per split, and provenance)."""
        files = {
            f"data/{split}.jsonl": "\n".join(lines) + "\n"
            for split, lines in sorted(self.records.items())
        }
        files["provenance.jsonl"] = "\n".join(self.provenance) + ("\n" if self.provenance else "")
        return files

    def record_counts(self) -> dict[str, int]:
        """Split -> records written, by split name."""
        return {split: len(lines) for split, lines in sorted(self.records.items())}


def item_verification(
    verdict: Mapping[str, Any] | None, outcome: Mapping[str, Any] | None
) -> ItemVerification:
    """An item's verification for the export.

    Args:
        verdict: Its latest verification (``verdict``, ``corrected_answer``), if any.
        outcome: Its Label Studio review outcome (``status``, ``answer``), if any.

    Returns:
        With a review outcome, its status (verified or corrected; pending,
        rejected and needs_adjudication give ``None``); else the latest
        verdict's.
    """
    if outcome is not None:
        # Label Studio verdicts (annotate pull) decide over any single verification:
        # a pending outcome is one still short of its reads, or whose verdicts went
        # stale, and its latest single verdict must not export it.
        status = REVIEWED_STATUSES.get(outcome["status"])
        return ItemVerification(
            status=status,
            corrected_answer=outcome["answer"],
            review=None if status else outcome["status"],
        )
    if verdict is None:
        return ItemVerification()
    return ItemVerification(
        status=ACCEPTED_VERDICTS.get(verdict["verdict"]),
        corrected_answer=verdict.get("corrected_answer"),
    )


def skip_reason(
    view: ItemView,
    verification: ItemVerification,
    *,
    blocked: bool,
    include_unverified: bool,
) -> SkipReason | None:
    """Why an item stays out of the export (checked in this order), or ``None``.

    A rejected item stays out even with ``include_unverified``: a reader said
    it is wrong, which is more than not having been read.
    """
    if blocked:
        return "blocked"
    if verification.review == "rejected":
        return "rejected"
    if verification.status is None and not include_unverified:
        if verification.review == "needs_adjudication":
            return "in_adjudication"
        return "unverified"
    if not view.split:
        return "no_split"
    return None


def exported_answer(view: ItemView, verification: ItemVerification) -> Answer:
    """The item's answer, or the corrected one a ``corrected`` verification gives."""
    if verification.status == "corrected" and verification.corrected_answer is not None:
        return verification.corrected_answer
    return view.answer


def answer_fields(
    answer_type: str, options: Mapping[str, str], answer: Answer
) -> tuple[list[str], str]:
    """A record's ``answer`` and ``answer_text`` from a stored answer.

    Args:
        answer_type: single_choice, multiple_choice or open_text.
        options: Letter -> option text (empty for open items).
        answer: The stored answer: a letter, letters, or the open answer (text or texts).

    Returns:
        The sorted option letters (``[]`` for an open item) and the answer as one
        string: the open answer, or the letters' option texts in letter order
        joined by :data:`ANSWER_TEXT_SEPARATOR`.
    """
    values = [answer] if isinstance(answer, str) else list(answer)
    if answer_type == "open_text":
        return [], ANSWER_TEXT_SEPARATOR.join(values)
    letters = sorted(values)
    return letters, ANSWER_TEXT_SEPARATOR.join(options[letter] for letter in letters)


def image_name(image: SelectedImage) -> str:
    """An image's path in the export (by content, so an image shared by items is written once)."""
    return f"images/{image.sha256}.png"


def export_record(view: ItemView, verification: ItemVerification) -> ExportRecord:
    """The benchmark record of an item that exports (it must have a split)."""
    letters, text = answer_fields(
        view.answer_type, view.options, exported_answer(view, verification)
    )
    return ExportRecord(
        id=view.id,
        split=view.split or "",
        tier=view.tier,
        sequence=view.sequence,
        subtask=view.subtask_id,
        question=view.question,
        options=dict(view.options),
        answer=letters,
        answer_text=text,
        answer_type=view.answer_type,
        images=[image_name(image) for image in view.images],
        image_provenance=[
            ImageProvenance(
                series_id=image.series_id,
                z=image.z,
                t=image.t,
                protocol=image.protocol,
                budget=image.budget,
                rank=image.rank,
            )
            for image in view.images
        ],
        verification=verification.status or "unverified",
    )


def record_line(record: ExportRecord) -> str:
    """A record as its line of ``data/<split>.jsonl`` (keys sorted, UTF-8 kept)."""
    return json.dumps(record.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def provenance_line(
    view: ItemView,
    record: ExportRecord,
    redact_text: Callable[[str], str] = str,
    *,
    keyed_hash: Callable[[str], str],
) -> str:
    """A record's line of ``provenance.jsonl``: where it comes from, study id and reports
    hashed with ``keyed_hash`` (keyed with the database's secret salt, so a known id or
    report cannot be confirmed by hashing it), evidence passed through ``redact_text``
    (identifiers replaced by placeholders)."""
    return json.dumps(
        {
            "id": view.id,
            "study_id_hmac": keyed_hash(view.study_id),
            "template": {"id": view.template_id, "version": view.template_version},
            "extraction_run": view.provenance.extraction_run,
            "catalogue_sha256": view.provenance.catalogue_sha256,
            "evidence": [redact_text(text) for text in view.evidence_texts],
            "report_hmac": sorted(keyed_hash(text) for text in view.report_texts),
            "slices": record.model_dump(mode="json")["image_provenance"],
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def plan_export(
    views: Iterable[ItemView],
    *,
    verifications: Mapping[str, ItemVerification],
    blocked: set[str],
    include_unverified: bool,
    has_phi: Callable[[str], bool],
    redact_text: Callable[[str], str],
    keyed_hash: Callable[[str], str],
) -> ExportPlan:
    """What an export writes.

    Args:
        views: The active items, in id order.
        verifications: Item id -> its verification (missing: unverified).
        blocked: Items with a blocking flag.
        include_unverified: Also export items without an accepted verification.
        has_phi: Whether a text holds a suspected identifier; every record
            line and its evidence are scanned again, and a hit leaves the
            item out as blocked (passed in: the scan belongs to the checks).
        redact_text: Replaces identifiers by placeholders in the evidence
            written to ``provenance.jsonl`` (passed in, like ``has_phi``).
        keyed_hash: Text -> its keyed hash (HMAC-SHA256 with the database's
            salt), for the study id and report hashes of ``provenance.jsonl``.

    Returns:
        The plan; ``skipped`` counts what was left out and why.
    """
    plan = ExportPlan()
    for view in views:
        verification = verifications.get(view.id, ItemVerification())
        reason = skip_reason(
            view, verification, blocked=view.id in blocked, include_unverified=include_unverified
        )
        if reason is not None:
            plan.skipped[reason] += 1
            continue
        record = export_record(view, verification)
        line = record_line(record)
        provenance = provenance_line(view, record, redact_text, keyed_hash=keyed_hash)
        if has_phi(line) or has_phi(provenance):
            plan.skipped["blocked"] += 1
            continue
        for image, name in zip(view.images, record.images, strict=True):
            plan.images.setdefault(name, Path(image.images_root) / image.path)
        plan.records[record.split].append(line)
        plan.provenance.append(provenance)
        plan.exported.append(
            ExportedItem(
                tier=record.tier,
                sequence=record.sequence,
                subtask=record.subtask,
                split=record.split,
                answer_type=record.answer_type,
                answer_text=record.answer_text,
            )
        )
    return plan
