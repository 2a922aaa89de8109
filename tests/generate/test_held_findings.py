"""Doubtful findings make no item: the subtasks they touch are held for review."""

from __future__ import annotations

import pytest

from qaforge.domain.qa import GenerationConfig
from qaforge.generate.catalogue import load_catalogue
from qaforge.generate.items import generate_study_items
from tests.generate.conftest import finding, study

CATALOGUE = load_catalogue()
OPEN = GenerationConfig(require_series=False, majority_cap=1.0)


def generated(*findings, config: GenerationConfig = OPEN):
    return generate_study_items(study(*findings), CATALOGUE, config, extraction_run_id="run")


def test_a_confident_study_makes_its_items_and_holds_nothing():
    result = generated(finding("lge.presence", "absent"), finding("cine.lv_size", "dilated"))
    subtasks = {item.subtask_id for item in result.items}
    assert {"lge_presence", "cine_lv_size"} <= subtasks
    assert result.held == [] and not any(r == "in_review" for _, r in result.skipped)


def test_a_low_confidence_finding_goes_to_review_instead_of_into_an_item():
    doubtful = finding("lge.presence", "absent", confidence=0.5, doubts=("contradicted",))
    result = generated(doubtful, finding("cine.lv_size", "dilated"))
    subtasks = {item.subtask_id for item in result.items}
    assert "lge_presence" not in subtasks and "cine_lv_size" in subtasks
    assert not any(doubtful.finding_id in item.finding_ids for item in result.items)
    assert result.skipped[("lge_presence", "in_review")] == 1
    [held] = result.held
    assert (held.finding_id, held.code, held.confidence, held.doubts) == (
        doubtful.finding_id,
        "lge.presence",
        0.5,
        ("contradicted",),
    )
    assert "lge_presence" in held.subtasks
    # The LGE report item would describe the sequence without it: it waits too.
    assert "report_lge" in held.subtasks and "report_lge" not in subtasks


def test_one_doubtful_place_holds_the_whole_subtask_not_just_the_finding():
    sure = finding("lge.presence", "present", levels=("basal",), walls=("inferior",))
    unsure = finding(
        "lge.presence", "present", levels=("mid",), walls=("anterior",), confidence=0.4
    )
    with_doubt = {item.subtask_id: item for item in generated(sure, unsure).items}
    without = {item.subtask_id: item for item in generated(sure).items}
    # Left out, the unsure lesion would make "basal inferior only" look like the answer.
    assert "lge_levels" in without and "lge_levels" not in with_doubt
    assert "lge_presence" not in with_doubt


def test_a_disputed_finding_is_held_even_with_the_threshold_off():
    disputed = finding("cine.lv_size", "normal", confidence=0.0, doubts=("disputed",))
    low = finding("lge.presence", "absent", confidence=0.3, doubts=("contradicted",))
    result = generated(disputed, low, config=OPEN.model_copy(update={"min_confidence": 0.0}))
    subtasks = {item.subtask_id for item in result.items}
    assert "cine_lv_size" not in subtasks and "lge_presence" in subtasks
    assert [held.finding_id for held in result.held] == [disputed.finding_id]


@pytest.mark.parametrize(("threshold", "held"), [(0.5, 0), (0.6, 1), (0.95, 1)])
def test_the_threshold_decides(threshold: float, held: int):
    doubtful = finding("cine.lv_size", "dilated", confidence=0.55, doubts=("contradicted",))
    config = OPEN.model_copy(update={"min_confidence": threshold})
    result = generated(doubtful, config=config)
    assert len(result.held) == held
    assert ("cine_lv_size" in {item.subtask_id for item in result.items}) == (held == 0)


def test_the_threshold_is_part_of_the_items_provenance():
    item = generated(finding("cine.lv_size", "dilated")).items[0]
    assert item.provenance["config"]["min_confidence"] == 0.6
