"""The bundled sample cases: synthetic CMR reports with the truth their phantoms are drawn from.

Every report was written for qaforge; none is copied from a real
department. The texts hold no names, dates, ages, phone numbers, hospital
names or record numbers: identifiers and study dates live only in the record
fields. The texts and their truth are in :mod:`qaforge.sample.studies`, one
module per diagnosis group; the models they are written in are in
:mod:`qaforge.sample.models` (re-exported here).

Four patients have a baseline and a follow-up study (PAT-003, PAT-004,
PAT-005, PAT-006), so 30 reports come from 26 patients.
"""

from __future__ import annotations

from qaforge.sample.models import (
    ALL_SERIES,
    CINE_ALL,
    LEVELS,
    SERIES_KINDS,
    SIX_WALLS,
    CaseTruth,
    Diagnosis,
    Level,
    MotionKind,
    Pattern,
    Region,
    SampleCase,
    SeriesKey,
    WallMotion,
    WallThickness,
    series_kind,
)
from qaforge.sample.studies import cardiomyopathies, ischemic, myocarditis, normal

__all__ = [
    "ALL_SERIES",
    "CINE_ALL",
    "LEVELS",
    "SAMPLE_CASES",
    "SERIES_KINDS",
    "SIX_WALLS",
    "CaseTruth",
    "Diagnosis",
    "Level",
    "MotionKind",
    "Pattern",
    "Region",
    "SampleCase",
    "SeriesKey",
    "WallMotion",
    "WallThickness",
    "case_by_study",
    "series_kind",
]

SAMPLE_CASES: tuple[SampleCase, ...] = tuple(
    sorted(
        (*normal.CASES, *ischemic.CASES, *cardiomyopathies.CASES, *myocarditis.CASES),
        key=lambda case: case.report_id,
    )
)
"""The sample studies, in report-id order."""


def case_by_study(study_id: str) -> SampleCase:
    """Look up a sample case by its study id.

    Args:
        study_id: A study id such as ``"STU-0007"``.

    Returns:
        The case.

    Raises:
        KeyError: If no sample case has that study id.
    """
    for case in SAMPLE_CASES:
        if case.study_id == study_id:
            return case
    raise KeyError(study_id)
