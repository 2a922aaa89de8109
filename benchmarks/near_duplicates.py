"""Benchmark: the near-duplicate check on 1,000,000 generated questions.

Items are made from the shipped catalogue's question templates (rendered
paraphrases, so most questions are word-for-word the same across studies),
spread over 50,000 studies with their own image keys and split among
train/validation/test by patient. One study in a hundred is a copy of another
study's images in another split (the leak the check exists for). The check
blocks by (subtask, image key) and compares only across splits, so its cost
grows with the items, not their square. The baseline in the same run is one
pass that only normalises every question (the least any text check costs).
"""

from __future__ import annotations

import random

from benchmarks.common import print_side_by_side, timed
from qaforge.checks.leakage import CheckItem, near_duplicates, normalise
from qaforge.generate.catalogue import load_catalogue


def make_items(count: int, seed: int = 0) -> list[CheckItem]:
    rng = random.Random(seed)
    catalogue = load_catalogue()
    questions = [
        (subtask_id, template.text)
        for subtask_id, templates in catalogue.questions.items()
        for template in templates
    ]
    items: list[CheckItem] = []
    study = 0
    while len(items) < count:
        copy_of = study - 1 if study % 100 == 99 else None
        key = (f"img-{copy_of if copy_of is not None else study}",)
        split = (
            "test" if copy_of is not None else rng.choice(("train", "train", "validation", "test"))
        )
        for subtask_id, question in rng.sample(questions, 20):
            items.append(
                CheckItem(
                    item_id=f"{study}-{subtask_id}",
                    study_id=f"S{study}",
                    patient_id=f"P{study}",
                    split=split,
                    subtask_id=subtask_id,
                    question=question,
                    options={},
                    answer="",
                    image_key=key,
                )
            )
        study += 1
    return items[:count]


def run(questions: int = 1_000_000) -> None:
    items = make_items(questions)
    baseline, _ = timed(
        "normalise every question", len(items), lambda: [normalise(i.question) for i in items]
    )
    measured, flags = timed("near-duplicate check", len(items), lambda: near_duplicates(items))
    print(f"\nnear-duplicates: {len(items):,} questions, {len(flags):,} items flagged")
    print_side_by_side("near-duplicate check", "questions", measured, baseline)
    print(f"  near-duplicate check took {measured.seconds:.1f} s (goal: under 120 s)")


if __name__ == "__main__":
    run()
