"""Shared helpers for the generate tests: findings by hand, and the sample's findings."""

from __future__ import annotations

import functools
import itertools

from qaforge.domain.qa import SourcedFinding, StudyFindings
from qaforge.domain.vocabulary import Evidence, Finding
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.generate.catalogue import OptionSpec, Subtask
from qaforge.sample.cases import SAMPLE_CASES

_counter = itertools.count()


def finding(
    code: str,
    value,
    *,
    certainty="definite",
    levels=(),
    walls=(),
    segments=(),
    version=1,
    confidence=1.0,
    doubts=(),
):
    """A stored finding as generation sees it (evidence text is a placeholder sentence)."""
    number = next(_counter)
    return SourcedFinding(
        finding_id=f"f{number}",
        report_version_id=version,
        finding=Finding(
            code=code,
            value=value,
            levels=tuple(levels),
            walls=tuple(walls),
            segments=tuple(segments),
            certainty=certainty,
            evidence=Evidence(start=number * 10, end=number * 10 + 9, text=f"sentence {number}."),
            extractor="test",
            confidence=confidence,
            doubts=tuple(doubts),
        ),
    )


def study(*findings: SourcedFinding, study_id: str = "S1", series=None) -> StudyFindings:
    return StudyFindings(study_id=study_id, findings=tuple(findings), series_views=series)


@functools.cache
def sample_findings() -> tuple[tuple[SourcedFinding, ...], ...]:
    """The rule extractor's findings for each of the 30 sample reports (computed once)."""
    extractor = RuleExtractor()
    studies = []
    for number, case in enumerate(SAMPLE_CASES):
        found = extractor.extract(case.text)
        studies.append(
            tuple(
                SourcedFinding(
                    finding_id=f"c{number}-{index}", report_version_id=number, finding=item
                )
                for index, item in enumerate(found)
            )
        )
    return tuple(studies)


def sample_studies(copies: int = 1) -> list[StudyFindings]:
    """The sample's findings as studies, each case repeated under ``copies`` study ids."""
    return [
        StudyFindings(study_id=f"STUDY-{copy:04d}-{number:02d}", findings=findings)
        for copy in range(copies)
        for number, findings in enumerate(sample_findings())
    ]


def option_key_of(subtask: Subtask, text: str) -> str:
    matches: list[OptionSpec] = [option for option in subtask.options if option.text == text]
    assert len(matches) == 1, (subtask.id, text)
    return matches[0].key
