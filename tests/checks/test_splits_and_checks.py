"""Patient-level splits and the blind-baseline / near-duplicate checks (pure)."""

from __future__ import annotations

from collections import Counter

import pytest

from qaforge.checks.leakage import CheckItem, blind_baseline, near_duplicates
from qaforge.checks.splits import assign_splits


def test_splits_follow_the_ratios_per_stratum_and_the_seed():
    patients = [(f"P{i:03d}", "ischemic" if i % 4 == 0 else "normal") for i in range(200)]
    ratios = {"train": 0.7, "validation": 0.1, "test": 0.2}
    splits = assign_splits(patients, ratios, seed=1)
    assert Counter(splits.values()) == {"train": 140, "validation": 20, "test": 40}
    ischemic = Counter(splits[p] for p, s in patients if s == "ischemic")
    assert ischemic == {"train": 35, "validation": 5, "test": 10}
    assert assign_splits(patients, ratios, seed=1) == splits
    assert assign_splits(patients, ratios, seed=2) != splits
    grown = assign_splits([*patients, ("P999", "normal")], ratios, seed=1)
    moved = [p for p in splits if grown[p] != splits[p]]
    assert len(moved) <= 3


def test_bad_ratios_are_refused():
    with pytest.raises(ValueError):
        assign_splits([("P1", None)], {"train": 0.0})


def item(
    identifier, split, question, image="img", subtask="s", answer="A", options=None, study=None
):
    return CheckItem(
        item_id=identifier,
        study_id=study or identifier,
        patient_id=study or identifier,
        split=split,
        subtask_id=subtask,
        question=question,
        options=options if options is not None else {"A": "Yes", "B": "No"},
        answer=answer,
        image_key=(image,),
    )


def test_near_duplicates_need_same_images_and_subtask_in_another_split():
    flags = near_duplicates(
        [
            item("a", "train", "Is LGE present on these images?"),
            item("b", "test", "Is LGE present on these images ?"),
            item("c", "train", "Is LGE present on these images?", image="other"),
            item("d", "test", "Is LGE present on these images?", subtask="t"),
            item("e", "train", "Is LGE present on these images?"),
        ]
    )
    assert {f.item_id: f.detail["duplicates"] for f in flags} == {
        "a": ["b"],
        "b": ["a", "e"],
        "e": ["b"],
    }


def test_a_subtask_answerable_without_images_is_warned():
    same = [item(f"i{n}", "train", "Is there LGE?", answer="A") for n in range(12)]
    mixed = [
        item(f"j{n}", "train", "Is there LGE?", answer="AB"[n % 2], subtask="m") for n in range(12)
    ]
    flags = blind_baseline(same + mixed)
    assert [f.detail["subtask"] for f in flags] == ["s"]
    assert flags[0].severity == "warning" and flags[0].detail["majority_accuracy"] == 1.0
