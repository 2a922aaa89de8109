"""One study's reports read by the LLM away from the database: a Dask task of ``extract``.

:func:`study_report_jobs` groups reports by study, each with the cached
answers of its texts; :func:`extract_study_reports` runs on a worker and
returns plain outcomes, which the caller stores as it stores an in-process
batch. The API key never travels with a job: a worker takes it from its own
``QAFORGE_LLM_API_KEY``. A worker whose qaforge has another prompt, schema or
vocabulary than the caller's would answer under another configuration: it
reads nothing, and its reports fail with that reason (asked again next run).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from qaforge.extract.llm.extractor import LLMExtractor, LLMOutcome, LLMReport
from qaforge.settings import LLMSettings

MISMATCH = "the Dask worker's qaforge has another prompt, schema or vocabulary than this one"


@dataclass(frozen=True)
class StudyReportsJob:
    """The reports of one study to read on a worker.

    Attributes:
        study_id: The study (not sent to the LLM; labels the task).
        reports: The reports, keyed as the caller stores them.
        cached: Cache key -> answer content known for these texts.
        settings: The caller's resolved settings, without the API key.
        prompt_path: Another prompt template (the same path on every worker).
        config_hash: The caller's configuration hash: a worker must match it.
    """

    study_id: str
    reports: tuple[LLMReport, ...]
    cached: dict[str, str]
    settings: LLMSettings
    prompt_path: str | None
    config_hash: str


def study_report_jobs(
    extractor: LLMExtractor,
    reports: Sequence[tuple[str, LLMReport]],
    cached: dict[str, str],
    prompt_path: Path | None,
) -> list[StudyReportsJob]:
    """Jobs of one study each, in the order studies first appear in ``reports``.

    Args:
        extractor: The caller's extractor (its resolved settings and signature go along).
        reports: (study id, report) pairs.
        cached: Cache key -> answer content for any of the texts.
        prompt_path: The prompt template the extractor was made with.

    Returns:
        One job per study.
    """
    by_study: dict[str, list[LLMReport]] = {}
    for study_id, report in reports:
        by_study.setdefault(study_id, []).append(report)
    settings = extractor.settings.model_copy(update={"api_key": None})
    jobs = []
    for study_id, members in by_study.items():
        keys = {key for report in members for key in extractor.cache_keys(report.text)}
        jobs.append(
            StudyReportsJob(
                study_id=study_id,
                reports=tuple(members),
                cached={key: cached[key] for key in keys if key in cached},
                settings=settings,
                prompt_path=str(prompt_path) if prompt_path else None,
                config_hash=extractor.signature.config_hash,
            )
        )
    return jobs


def study_task_label(study_id: str) -> str:
    """The start of a study's Dask task key: a hash, as keys show in the dashboard."""
    return "qaforge-llm-" + hashlib.sha256(study_id.encode()).hexdigest()[:16]


def extract_study_reports(job: StudyReportsJob) -> list[LLMOutcome]:
    """Run on a worker: read one study's reports with the LLM.

    Args:
        job: The reports and the caller's configuration.

    Returns:
        One outcome per report, in job order; all failed with
        :data:`MISMATCH` when this worker's configuration differs.
    """
    settings = job.settings
    key = os.environ.get("QAFORGE_LLM_API_KEY")
    if key:
        settings = settings.model_copy(update={"api_key": SecretStr(key)})
    extractor = LLMExtractor(settings, Path(job.prompt_path) if job.prompt_path else None)
    if extractor.signature.config_hash != job.config_hash:
        return failed_outcomes(extractor, job.reports, MISMATCH)
    return extractor.extract(job.reports, cached=job.cached)


def failed_outcomes(
    extractor: LLMExtractor, reports: Sequence[LLMReport], reason: str
) -> list[LLMOutcome]:
    """Outcomes of reports that were not read, failed with ``reason`` (asked again next run)."""
    return [
        LLMOutcome(report.key, "failed", extractor.cache_key(report.text), reason=reason)
        for report in reports
    ]
