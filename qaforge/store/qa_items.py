"""QA items: the inputs generation reads, and the items, links and statuses it writes.

Items are never deleted. An item that arises again keeps its row (and so
its verifications); one that no longer arises is ``retired``; one set aside
by the majority cap is ``capped``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update

from qaforge.domain.qa import QAItemDraft
from qaforge.store.models import (
    ExtractedReport,
    ExtractionRun,
    ImageSeries,
    QAItem,
    QAItemFinding,
    Report,
    ReportVersion,
    Study,
    utc_now,
)
from qaforge.store.models import Finding as FindingRow

CHUNK = 500


@dataclass
class StudyRecords:
    """What the store holds for one study, as generation needs it.

    Attributes:
        report_version_ids: The current versions of the study's reports.
        unextracted: Current versions the extraction run has not read.
        findings: The run's finding rows on those versions (column -> value).
        series_views: Sequence -> views of the study's image series.
    """

    report_version_ids: list[int] = field(default_factory=list)
    unextracted: list[int] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    series_views: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredItem:
    """An item row's study, status, and what generation may refresh on it."""

    study_id: str
    status: str
    content_key: str | None
    answer_position: int | None
    provenance: dict[str, Any]
    finding_ids: frozenset[str]


def latest_finished_run_id(connection: Connection) -> str | None:
    """The extraction run that finished last, or None when none has."""
    query = (
        select(ExtractionRun.id)
        .where(ExtractionRun.status == "done")
        .order_by(ExtractionRun.finished_at.desc(), ExtractionRun.id)
        .limit(1)
    )
    return connection.execute(query).scalar_one_or_none()


def extraction_run_ids(connection: Connection) -> dict[str, str]:
    """Every extraction run id with its status."""
    return dict(connection.execute(select(ExtractionRun.id, ExtractionRun.status)).all())


def count_studies_with_reports(connection: Connection) -> int:
    """How many studies have at least one report."""
    query = select(func.count(func.distinct(Report.study_id)))
    return connection.execute(query).scalar_one()


def study_ids_with_reports(connection: Connection, *, after: str, limit: int) -> list[str]:
    """The next ``limit`` study ids (in id order, after ``after``) that have reports."""
    query = (
        select(Report.study_id)
        .where(Report.study_id > after)
        .distinct()
        .order_by(Report.study_id)
        .limit(limit)
    )
    return list(connection.scalars(query))


def load_study_records(
    connection: Connection, *, run_id: str, study_ids: Sequence[str]
) -> dict[str, StudyRecords]:
    """Report versions, the run's findings and the series of some studies.

    Args:
        connection: An open connection.
        run_id: The extraction run whose findings are read.
        study_ids: The studies.

    Returns:
        One :class:`StudyRecords` per study id given.
    """
    records = {study_id: StudyRecords() for study_id in study_ids}
    study_of = _current_versions(connection, study_ids)
    for version_id, study_id in study_of.items():
        records[study_id].report_version_ids.append(version_id)
    read = _versions_read(connection, run_id=run_id, version_ids=list(study_of))
    for version_id, study_id in study_of.items():
        if version_id not in read:
            records[study_id].unextracted.append(version_id)
    for row in _run_findings(connection, run_id=run_id, version_ids=list(study_of)):
        records[study_of[row["report_version_id"]]].findings.append(row)
    series = connection.execute(
        select(ImageSeries.study_id, ImageSeries.sequence, ImageSeries.view).where(
            ImageSeries.study_id.in_(list(study_ids))
        )
    )
    for study_id, sequence, view in series:
        records[study_id].series_views.setdefault(sequence, set()).add(view)
    return records


def _current_versions(connection: Connection, study_ids: Sequence[str]) -> dict[int, str]:
    """Current report version id -> its study, for some studies (in the database's row order)."""
    versions = connection.execute(
        select(Report.study_id, ReportVersion.id)
        .join(
            ReportVersion,
            and_(
                ReportVersion.report_id == Report.id,
                ReportVersion.version == Report.current_version,
            ),
        )
        .where(Report.study_id.in_(list(study_ids)))
    ).all()
    return {version_id: study_id for study_id, version_id in versions}


def _versions_read(connection: Connection, *, run_id: str, version_ids: list[int]) -> set[int]:
    """The report versions, of some, that an extraction run has read."""
    return set(
        connection.scalars(
            select(ExtractedReport.report_version_id).where(
                ExtractedReport.run_id == run_id,
                ExtractedReport.report_version_id.in_(version_ids),
            )
        )
    )


def _run_findings(
    connection: Connection, *, run_id: str, version_ids: list[int]
) -> list[dict[str, Any]]:
    """A run's finding rows (column -> value) on some report versions, by version and position."""
    columns = [
        FindingRow.id,
        FindingRow.report_version_id,
        FindingRow.code,
        FindingRow.value,
        FindingRow.value_number,
        FindingRow.levels,
        FindingRow.walls,
        FindingRow.segments,
        FindingRow.certainty,
        FindingRow.evidence_start,
        FindingRow.evidence_end,
        FindingRow.evidence_text,
        FindingRow.extractor,
        FindingRow.confidence,
        FindingRow.doubts,
    ]
    rows = connection.execute(
        select(*columns)
        .where(FindingRow.run_id == run_id, FindingRow.report_version_id.in_(version_ids))
        .order_by(FindingRow.report_version_id, FindingRow.evidence_start, FindingRow.id)
    )
    return [dict(row._mapping) for row in rows]


def stored_items(connection: Connection, *, study_ids: Sequence[str]) -> dict[str, StoredItem]:
    """Every item of some studies (any status), with its finding links."""
    items = connection.execute(
        select(
            QAItem.id,
            QAItem.study_id,
            QAItem.status,
            QAItem.content_key,
            QAItem.answer_type,
            QAItem.answer,
            QAItem.provenance,
        ).where(QAItem.study_id.in_(list(study_ids)))
    ).all()
    links: dict[str, set[str]] = {}
    ids = [item.id for item in items]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for item_id, finding_id in connection.execute(
            select(QAItemFinding.item_id, QAItemFinding.finding_id).where(
                QAItemFinding.item_id.in_(chunk)
            )
        ):
            links.setdefault(item_id, set()).add(finding_id)
    return {
        item.id: StoredItem(
            study_id=item.study_id,
            status=item.status,
            content_key=item.content_key,
            answer_position=(
                ord(item.answer) - ord("A")
                if item.answer_type == "single_choice" and isinstance(item.answer, str)
                else None
            ),
            provenance=item.provenance or {},
            finding_ids=frozenset(links.get(item.id, ())),
        )
        for item in items
    }


def insert_items(connection: Connection, *, drafts: Sequence[QAItemDraft]) -> None:
    """Store new items (status ``active``) and their finding links."""
    if not drafts:
        return
    connection.execute(
        insert(QAItem),
        [
            {
                "id": draft.id,
                "study_id": draft.study_id,
                "subtask_id": draft.subtask_id,
                "subtask_version": draft.subtask_version,
                "tier": draft.tier,
                "sequence": draft.sequence,
                "answer_type": draft.answer_type,
                "question": draft.question,
                "options": draft.options,
                "answer": draft.answer,
                "answer_key": draft.answer_key,
                "content_key": draft.content_key,
                "template_id": draft.template_id,
                "template_version": draft.template_version,
                "option_seed": draft.option_seed,
                "status": "active",
                "provenance": draft.provenance,
            }
            for draft in drafts
        ],
    )
    _insert_links(connection, drafts)


def refresh_items(connection: Connection, *, drafts: Sequence[QAItemDraft]) -> None:
    """Point known items at their current findings and provenance (e.g. after a new extraction run).

    Only the derived columns change; the question, options, answer and any
    verification stay as they are (the id guarantees they are the same).
    """
    if not drafts:
        return
    connection.execute(
        update(QAItem).where(QAItem.id == bindparam("item_id")).values(provenance=bindparam("new")),
        [{"item_id": draft.id, "new": draft.provenance} for draft in drafts],
    )
    ids = [draft.id for draft in drafts]
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            delete(QAItemFinding).where(QAItemFinding.item_id.in_(ids[start : start + CHUNK]))
        )
    _insert_links(connection, drafts)


def _insert_links(connection: Connection, drafts: Sequence[QAItemDraft]) -> None:
    links = [
        {"item_id": draft.id, "finding_id": finding_id}
        for draft in drafts
        for finding_id in draft.finding_ids
    ]
    if links:
        connection.execute(insert(QAItemFinding), links)


def set_item_status(connection: Connection, *, item_ids: Iterable[str], status: str) -> int:
    """Give items a status (``active``, ``capped`` or ``retired``); returns how many changed.

    Retiring stamps ``retired_at``; any other status clears it.
    """
    ids = sorted(set(item_ids))
    retired_at = utc_now() if status == "retired" else None
    changed = 0
    for start in range(0, len(ids), CHUNK):
        result = connection.execute(
            update(QAItem)
            .where(QAItem.id.in_(ids[start : start + CHUNK]), QAItem.status != status)
            .values(status=status, retired_at=retired_at)
        )
        changed += result.rowcount
    return changed


def item_subtasks(connection: Connection, *, item_ids: Sequence[str]) -> dict[str, str]:
    """The subtask of each of some items."""
    ids = list(item_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(QAItem.id, QAItem.subtask_id).where(
            QAItem.id.in_(ids[start : start + CHUNK])
        )
        found.update(dict(connection.execute(query).all()))
    return found


def item_answer_rows(connection: Connection) -> list[Any]:
    """Per item: subtask, tier, sequence, status, answer type, answer, answer key, option count.

    For ``qaforge stats``.
    """
    query = select(
        QAItem.subtask_id,
        QAItem.tier,
        QAItem.sequence,
        QAItem.status,
        QAItem.answer_type,
        QAItem.answer,
        QAItem.answer_key,
        QAItem.options,
    ).order_by(QAItem.tier, QAItem.subtask_id)
    return list(connection.execute(query))


ITEM_TABLE_COLUMNS = (
    "id",
    "study_id",
    "split",
    "status",
    "tier",
    "sequence",
    "subtask_id",
    "subtask_version",
    "answer_type",
    "question",
    "options",
    "answer",
    "template_id",
    "template_version",
    "created_at",
)
"""The columns of :func:`item_table_rows`, in order (no report text, no provenance)."""


def item_table_rows(connection: Connection) -> list[dict[str, Any]]:
    """Every stored item (any status) with its study's split, in id order.

    Returns:
        One mapping per item with the keys :data:`ITEM_TABLE_COLUMNS`;
        ``answer`` as stored (a letter, letters or the open answer).
    """
    columns = [
        Study.split if name == "split" else getattr(QAItem, name) for name in ITEM_TABLE_COLUMNS
    ]
    query = select(*columns).join(Study, Study.id == QAItem.study_id).order_by(QAItem.id)
    return [dict(row._mapping) for row in connection.execute(query)]
