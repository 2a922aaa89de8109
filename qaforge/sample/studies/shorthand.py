"""Shorthands the sample studies are written in: a case from its number, regions from words."""

from __future__ import annotations

import datetime as dt

from qaforge.sample.models import (
    ALL_SERIES,
    CINE_ALL,
    LEVELS,
    SIX_WALLS,
    CaseTruth,
    Diagnosis,
    MotionKind,
    Pattern,
    Region,
    SampleCase,
    WallMotion,
)

ALL_LEVELS = " ".join(LEVELS)
ALL_WALLS = " ".join(SIX_WALLS)
NO_PERFUSION = tuple(s for s in ALL_SERIES if s != "perfusion_sax")
CINE_LGE = (*CINE_ALL, "lge_sax")


def case(
    number: int,
    patient: int,
    date: str,
    diagnosis: Diagnosis,
    text: str,
    **truth: object,
) -> SampleCase:
    """Build a case whose ids all derive from its number (report, study, accession).

    Args:
        number: The case number: ``RPT-0007``, ``STU-0007``, ``ACC100007``.
        patient: The patient number: ``PAT-007``.
        date: The study date, ISO format.
        diagnosis: The diagnosis the impression states.
        text: The report text; surrounding blank lines are dropped and one
            newline ends it.
        **truth: The fields of its :class:`CaseTruth`.

    Returns:
        The validated case.
    """
    return SampleCase(
        report_id=f"RPT-{number:04d}",
        patient_id=f"PAT-{patient:03d}",
        study_id=f"STU-{number:04d}",
        study_date=dt.date.fromisoformat(date),
        accession=f"ACC{100000 + number}",
        text=text.strip() + "\n",
        diagnosis=diagnosis,
        truth=CaseTruth.model_validate(truth),
    )


def region(levels: str, walls: str, pattern: Pattern) -> Region:
    """A lesion region from words: ``region("basal mid", "inferior inferoseptal", "transmural")``."""
    return Region(levels=tuple(levels.split()), walls=tuple(walls.split()), pattern=pattern)


def motion(levels: str, walls: str, kind: MotionKind) -> WallMotion:
    """A wall motion abnormality from words, like :func:`region`."""
    return WallMotion(levels=tuple(levels.split()), walls=tuple(walls.split()), kind=kind)
