"""Item views: one query that gives check, annotate and export the same typed items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from qaforge.domain.items import EvidenceSpan, ItemProvenance, ItemView, SelectedImage, StudySeries
from qaforge.store.images import selected_images
from qaforge.store.models import Finding as FindingRow
from qaforge.store.models import (
    ImageSeries,
    QAItem,
    QAItemFinding,
    Reconciliation,
    ReportVersion,
    SeriesAnalysis,
    SeriesOverride,
    Study,
)

CHUNK = 500


def item_views(
    connection: Connection,
    *,
    protocol: str,
    budget: int,
    item_ids: Sequence[str] | None = None,
) -> list[ItemView]:
    """Items with their evidence, reports, images and study series, in id order.

    Args:
        connection: An open connection.
        protocol: The image selection protocol whose slices the views carry.
        budget: The selection's budget.
        item_ids: The items to read, whatever their status; ``None`` reads
            every active item.

    Returns:
        One view per stored item (ids with no item are left out).
    """
    ids = _active_item_ids(connection) if item_ids is None else sorted(set(item_ids))
    conflicts = _conflict_keys(connection)
    series = _series_by_study(connection)
    series_sha256 = {one.series_id: one.sha256 for study in series.values() for one in study}
    views: list[ItemView] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        items = _item_rows(connection, chunk)
        evidence, reports = _evidence(connection, chunk, conflicts)
        images = selected_images(connection, item_ids=chunk, protocol=protocol, budget=budget)
        for item_id in chunk:
            if item_id not in items:
                continue
            row = items[item_id]
            views.append(
                ItemView(
                    **row,
                    evidence=tuple(evidence.get(item_id, ())),
                    reports=reports.get(item_id, {}),
                    images=tuple(
                        _selected_image(image, series_sha256) for image in images.get(item_id, [])
                    ),
                    study_series=tuple(series.get(row["study_id"], ())),
                )
            )
    return views


def _active_item_ids(connection: Connection) -> list[str]:
    return list(
        connection.scalars(select(QAItem.id).where(QAItem.status == "active").order_by(QAItem.id))
    )


def _item_rows(connection: Connection, item_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Item id -> the item's columns that a view holds, with its study's patient and split."""
    rows = connection.execute(
        select(
            QAItem.id,
            QAItem.study_id,
            Study.patient_id,
            Study.split,
            QAItem.status,
            QAItem.subtask_id,
            QAItem.subtask_version,
            QAItem.tier,
            QAItem.sequence,
            QAItem.answer_type,
            QAItem.question,
            QAItem.options,
            QAItem.answer,
            QAItem.template_id,
            QAItem.template_version,
            QAItem.provenance,
        )
        .join(Study, Study.id == QAItem.study_id)
        .where(QAItem.id.in_(list(item_ids)))
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = dict(row._mapping)
        values["options"] = values["options"] or {}
        values["provenance"] = ItemProvenance.model_validate(values["provenance"])
        found[row.id] = values
    return found


def _evidence(
    connection: Connection, item_ids: Sequence[str], conflicts: set[tuple[int, str]]
) -> tuple[dict[str, list[EvidenceSpan]], dict[str, dict[int, str]]]:
    """Per item: the spans of the findings it rests on, and their report versions' texts."""
    spans: dict[str, list[EvidenceSpan]] = defaultdict(list)
    reports: dict[str, dict[int, str]] = defaultdict(dict)
    for row in connection.execute(
        select(
            QAItemFinding.item_id,
            FindingRow.id,
            FindingRow.code,
            FindingRow.report_version_id,
            FindingRow.evidence_start,
            FindingRow.evidence_end,
            FindingRow.evidence_text,
            ReportVersion.text,
        )
        .join(FindingRow, FindingRow.id == QAItemFinding.finding_id)
        .join(ReportVersion, ReportVersion.id == FindingRow.report_version_id)
        .where(QAItemFinding.item_id.in_(list(item_ids)))
        .order_by(
            QAItemFinding.item_id,
            FindingRow.evidence_start,
            FindingRow.evidence_end,
            FindingRow.id,
        )
    ):
        spans[row.item_id].append(
            EvidenceSpan(
                finding_id=row.id,
                code=row.code,
                report_version_id=row.report_version_id,
                start=row.evidence_start,
                end=row.evidence_end,
                text=row.evidence_text,
                conflict=(row.report_version_id, row.code) in conflicts,
            )
        )
        reports[row.item_id][row.report_version_id] = row.text
    return spans, reports


def _series_by_study(connection: Connection) -> dict[str, list[StudySeries]]:
    """Study id -> its series, by series id (sorted here: the database's collation may differ).

    ED and ES frames are a reader's override where there is one, else the
    analysis of the file as stored (an analysis of an older file is ignored).
    """
    series: dict[str, list[StudySeries]] = defaultdict(list)
    query = (
        select(
            ImageSeries.study_id,
            ImageSeries.id,
            ImageSeries.sha256,
            ImageSeries.description,
            func.coalesce(SeriesOverride.ed_frame, SeriesAnalysis.ed_frame),
            func.coalesce(SeriesOverride.es_frame, SeriesAnalysis.es_frame),
        )
        .outerjoin(
            SeriesAnalysis,
            (SeriesAnalysis.series_id == ImageSeries.id)
            & (SeriesAnalysis.sha256 == ImageSeries.sha256),
        )
        .outerjoin(SeriesOverride, SeriesOverride.series_id == ImageSeries.id)
    )
    for study_id, series_id, sha256, description, ed, es in sorted(
        connection.execute(query), key=lambda row: (row[0], row[1])
    ):
        series[study_id].append(
            StudySeries(
                series_id=series_id,
                sha256=sha256,
                description=description or "",
                ed_frame=ed,
                es_frame=es,
            )
        )
    return series


def _selected_image(image: dict[str, Any], series_sha256: dict[str, str]) -> SelectedImage:
    return SelectedImage(
        series_id=image["series_id"],
        series_sha256=series_sha256[image["series_id"]],
        z=image["z"],
        t=image["t"],
        protocol=image["protocol"],
        budget=image["budget"],
        rank=image["rank"],
        images_root=image["images_root"],
        path=image["path"],
        sha256=image["sha256"],
    )


def _conflict_keys(connection: Connection) -> set[tuple[int, str]]:
    """(report version id, code) of every rules/LLM conflict."""
    return {
        (int(version_id), str(code))
        for version_id, code in connection.execute(
            select(Reconciliation.report_version_id, Reconciliation.code).where(
                Reconciliation.state == "conflict"
            )
        )
    }
