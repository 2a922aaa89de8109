"""Items made from extracted findings, checked against items made from gold findings (pure).

A QA item's answer is only as good as the findings under it. For each report
of a gold set, items are generated twice with one catalogue and config: from
its gold findings and from the findings an extractor read. Per study and
subtask, an extracted item whose answer differs from the gold item's is
**contradicting**; one where gold makes no item rests on a finding the gold
does not have and is **unsupported**; a gold item with no extracted item is
**missed** (fewer items, no wrong answer). Subtasks held for review
(``in_review``) are counted apart. Only choice items are compared: open
items have no answer key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from qaforge.domain.qa import GenerationConfig, SourcedFinding, StudyFindings
from qaforge.domain.vocabulary import Finding
from qaforge.generate.catalogue import Catalogue
from qaforge.generate.items import generate_study_items


@dataclass(frozen=True)
class ItemDifference:
    """One extracted item that gold does not back: the study, the subtask, both answers."""

    study_id: str
    subtask_id: str
    extracted: str
    gold: str | None


@dataclass
class ItemComparison:
    """Counts over a gold set (see the module docstring)."""

    items: int = 0
    contradicting: int = 0
    unsupported: int = 0
    missed: int = 0
    held: int = 0
    differences: list[ItemDifference] = field(default_factory=list)

    @property
    def contradicting_share(self) -> float:
        return self.contradicting / self.items if self.items else 0.0

    @property
    def unsupported_share(self) -> float:
        return self.unsupported / self.items if self.items else 0.0


def choice_answers(
    study_id: str, findings: Sequence[Finding], catalogue: Catalogue, config: GenerationConfig
) -> tuple[dict[str, str], int]:
    """Subtask id -> answer key of the study's choice items, and how many subtasks were held."""
    study = StudyFindings(
        study_id=study_id,
        findings=tuple(
            SourcedFinding(finding_id=f"{study_id}:{index}", report_version_id=0, finding=finding)
            for index, finding in enumerate(findings)
        ),
    )
    result = generate_study_items(study, catalogue, config, extraction_run_id="comparison")
    answers = {
        draft.subtask_id: draft.answer_key for draft in result.items if draft.answer_key is not None
    }
    held = sum(count for (_, reason), count in result.skipped.items() if reason == "in_review")
    return answers, held


def compare_items(
    gold: Mapping[str, Sequence[Finding]],
    extracted: Mapping[str, Sequence[Finding]],
    catalogue: Catalogue,
    config: GenerationConfig,
) -> ItemComparison:
    """Compare the choice items of each gold study made from gold and from extracted findings.

    Args:
        gold: Study (or report) id -> its gold findings; every study to compare.
        extracted: The same ids -> the extracted findings (a missing id has none).
        catalogue: The catalogue to generate with.
        config: Generation settings; set ``require_series=False`` when there are no series.

    Returns:
        The counts, and each contradicting or unsupported item.
    """
    comparison = ItemComparison()
    for study_id, gold_findings in gold.items():
        expected, _ = choice_answers(study_id, gold_findings, catalogue, config)
        found, held = choice_answers(study_id, extracted.get(study_id, ()), catalogue, config)
        comparison.held += held
        comparison.missed += sum(1 for subtask in expected if subtask not in found)
        for subtask, answer in found.items():
            comparison.items += 1
            if subtask not in expected:
                comparison.unsupported += 1
            elif expected[subtask] != answer:
                comparison.contradicting += 1
            else:
                continue
            comparison.differences.append(
                ItemDifference(study_id, subtask, answer, expected.get(subtask))
            )
    return comparison
