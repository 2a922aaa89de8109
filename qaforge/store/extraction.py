"""Extraction runs, the report versions they have read, and their findings."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from qaforge.domain.vocabulary import Evidence, Finding
from qaforge.store.models import ExtractedReport, ExtractionRun, Report, ReportVersion, utc_now
from qaforge.store.models import Finding as FindingRow


@dataclass(frozen=True)
class PendingReport:
    """A current report version that a run has not read yet."""

    report_version_id: int
    report_id: str
    text: str
    study_id: str = ""


def extraction_run_id(
    *,
    extractor: str,
    version: str,
    config_hash: str,
    model: str | None = None,
    prompt_hash: str | None = None,
) -> str:
    """The run's id: a hash of everything that decides its output."""
    signature = json.dumps([extractor, version, config_hash, model, prompt_hash])
    return hashlib.sha256(signature.encode()).hexdigest()


def ensure_extraction_run(
    connection: Connection,
    *,
    run_id: str,
    extractor: str,
    version: str,
    config_hash: str,
    model: str | None = None,
    prompt_hash: str | None = None,
    params: dict | None = None,
) -> bool:
    """Record the run unless it exists; True when it was created."""
    exists = connection.execute(select(ExtractionRun.id).where(ExtractionRun.id == run_id)).first()
    if exists:
        connection.execute(
            update(ExtractionRun)
            .where(ExtractionRun.id == run_id)
            .values(status="running", finished_at=None)
        )
        return False
    connection.execute(
        insert(ExtractionRun).values(
            id=run_id,
            extractor=extractor,
            extractor_version=version,
            config_hash=config_hash,
            model=model,
            prompt_hash=prompt_hash,
            params=params or {},
            status="running",
        )
    )
    return True


def finish_extraction_run(connection: Connection, *, run_id: str, status: str) -> None:
    """Mark the run done (or failed) now."""
    connection.execute(
        update(ExtractionRun)
        .where(ExtractionRun.id == run_id)
        .values(status=status, finished_at=utc_now())
    )


def _pending_condition(run_id: str):
    already = select(ExtractedReport.report_version_id).where(ExtractedReport.run_id == run_id)
    return and_(
        ReportVersion.report_id == Report.id,
        ReportVersion.version == Report.current_version,
        ReportVersion.id.not_in(already),
    )


def count_pending_reports(connection: Connection, *, run_id: str) -> int:
    """How many current report versions the run has not read."""
    query = (
        select(func.count())
        .select_from(ReportVersion)
        .join(Report, ReportVersion.report_id == Report.id)
    )
    return connection.execute(query.where(_pending_condition(run_id))).scalar_one()


def count_current_reports(connection: Connection) -> int:
    """How many reports there are (one current version each)."""
    return connection.execute(select(func.count()).select_from(Report)).scalar_one()


def pending_reports(
    connection: Connection, *, run_id: str, after_id: int, limit: int
) -> list[PendingReport]:
    """The next ``limit`` current report versions the run has not read, by version id."""
    query = (
        select(ReportVersion.id, ReportVersion.report_id, ReportVersion.text, Report.study_id)
        .join(Report, ReportVersion.report_id == Report.id)
        .where(_pending_condition(run_id), ReportVersion.id > after_id)
        .order_by(ReportVersion.id)
        .limit(limit)
    )
    return [
        PendingReport(row.id, row.report_id, row.text, row.study_id)
        for row in connection.execute(query)
    ]


def finding_id(run_id: str, report_version_id: int, finding: Finding) -> str:
    """A finding's id: a hash of its run, its report version and its content."""
    content = finding.model_dump_json(exclude={"extractor"})
    return hashlib.sha256(f"{run_id}\0{report_version_id}\0{content}".encode()).hexdigest()


def finding_columns(finding: Finding) -> dict[str, Any]:
    """A finding's content as ``findings`` columns (numbers in ``value_number``)."""
    numeric = not isinstance(finding.value, str)
    return {
        "code": finding.code,
        "value": None if numeric else finding.value,
        "value_number": float(finding.value) if numeric else None,
        "levels": list(finding.levels),
        "walls": list(finding.walls),
        "segments": list(finding.segments),
        "certainty": finding.certainty,
        "evidence_start": finding.evidence.start,
        "evidence_end": finding.evidence.end,
        "evidence_text": finding.evidence.text,
        "extractor": finding.extractor,
        "confidence": finding.confidence,
        "doubts": list(finding.doubts),
    }


def finding_from_columns(row: Mapping[str, Any]) -> Finding:
    """A ``findings`` row back as a :class:`Finding`.

    Raises:
        pydantic.ValidationError: If the row no longer fits the vocabulary.
    """
    return Finding(
        code=row["code"],
        value=row["value"] if row["value"] is not None else row["value_number"],
        levels=tuple(row["levels"] or ()),
        walls=tuple(row["walls"] or ()),
        segments=tuple(row["segments"] or ()),
        certainty=row["certainty"],
        evidence=Evidence(
            start=row["evidence_start"], end=row["evidence_end"], text=row["evidence_text"]
        ),
        extractor=row["extractor"],
        confidence=row["confidence"],
        doubts=tuple(row["doubts"] or ()),
    )


def store_extracted_batch(
    connection: Connection,
    *,
    run_id: str,
    results: Sequence[tuple[int, Sequence[Finding]]],
) -> int:
    """Store each report version's findings and mark it read by the run.

    Args:
        connection: An open connection inside the caller's transaction.
        run_id: The extraction run.
        results: ``(report_version_id, findings)`` pairs, each version once.

    Returns:
        The number of findings stored.
    """
    if not results:
        return 0
    rows = []
    for report_version_id, findings in results:
        seen: set[str] = set()
        for finding in findings:
            identifier = finding_id(run_id, report_version_id, finding)
            if identifier in seen:
                continue
            seen.add(identifier)
            rows.append(
                {
                    "id": identifier,
                    "run_id": run_id,
                    "report_version_id": report_version_id,
                    **finding_columns(finding),
                }
            )
    if rows:
        connection.execute(insert(FindingRow), rows)
    connection.execute(
        insert(ExtractedReport),
        [
            {"run_id": run_id, "report_version_id": version_id, "finding_count": len(findings)}
            for version_id, findings in results
        ],
    )
    return len(rows)


def count_findings_by_code(connection: Connection, *, run_id: str) -> dict[str, int]:
    """Findings of the run per code, on the current report versions."""
    query = (
        select(FindingRow.code, func.count())
        .join(ReportVersion, FindingRow.report_version_id == ReportVersion.id)
        .join(
            Report,
            and_(
                ReportVersion.report_id == Report.id,
                ReportVersion.version == Report.current_version,
            ),
        )
        .where(FindingRow.run_id == run_id)
        .group_by(FindingRow.code)
        .order_by(FindingRow.code)
    )
    return {code: count for code, count in connection.execute(query)}


def read_report_versions(
    connection: Connection, *, run_id: str, report_version_ids: Sequence[int]
) -> set[int]:
    """Which of the given report versions the run has read."""
    found: set[int] = set()
    ids = list(report_version_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            connection.execute(
                select(ExtractedReport.report_version_id).where(
                    ExtractedReport.run_id == run_id, ExtractedReport.report_version_id.in_(chunk)
                )
            ).scalars()
        )
    return found
