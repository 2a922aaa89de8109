"""The shipped catalogue, and how a broken one is refused."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from qaforge.errors import ConfigError
from qaforge.generate.catalogue import load_catalogue
from qaforge.resources import resource_dir


def test_the_shipped_catalogue_covers_three_tiers_and_four_sequences():
    catalogue = load_catalogue()
    tiers = Counter(subtask.tier for subtask in catalogue.subtasks)
    assert tiers["image_understanding"] >= 32
    assert tiers["report_generation"] == 4 and tiers["diagnosis"] == 2
    understanding = {s.sequence for s in catalogue.subtasks if s.tier == "image_understanding"}
    assert understanding == {"cine", "lge", "perfusion", "t2"}
    reports = {s.sequence for s in catalogue.subtasks if s.tier == "report_generation"}
    assert reports == {"cine", "lge", "perfusion", "t2"}
    for subtask in catalogue.subtasks:
        rendered = [question.text for question in catalogue.questions[subtask.id]]
        assert rendered and all("{" not in text for text in rendered), subtask.id
        assert len(set(rendered)) == len(rendered), f"{subtask.id} repeats a paraphrase"


def test_questions_name_the_sequence_and_never_an_option_that_answers_them():
    catalogue = load_catalogue()
    lge = catalogue.questions["lge_presence"][0].text
    assert "late gadolinium enhancement (LGE)" in lge
    for subtask in catalogue.subtasks:
        for question in catalogue.questions[subtask.id]:
            lowered = question.text.lower()
            # Naming some options but not all would hint at the answer.
            named = [
                o.text
                for o in subtask.options
                if re.search(rf"\b{re.escape(o.text.lower())}\b", lowered)
            ]
            assert len(named) in (0, len(subtask.options)) or subtask.kind == "location", (
                subtask.id,
                named,
            )


def write_catalogue(tmp_path, change) -> object:
    data = yaml.safe_load((resource_dir("templates") / "catalogue.yaml").read_text())
    change(data)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def subtask_named(data, name):
    return next(entry for entry in data["subtasks"] if entry["id"] == name)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: subtask_named(d, "lge_presence").update(colour="red"),
            "subtask lge_presence field colour: unknown key",
        ),
        (
            lambda d: subtask_named(d, "lge_presence").update(code="lge.glow"),
            "subtask lge_presence: unknown finding code 'lge.glow'",
        ),
        (
            lambda d: subtask_named(d, "cine_lv_size")["options"][0].update(values=["bright"]),
            "subtask cine_lv_size: cine.lv_size has no value(s) bright",
        ),
        (
            lambda d: subtask_named(d, "cine_lv_size").update(
                questions=["How big is {{ chamber }}?"]
            ),
            "question cine_lv_size.q1 does not render: 'chamber' is undefined",
        ),
        (
            lambda d: subtask_named(d, "cine_lv_size").update(questions=["How big {% if %}?"]),
            "question cine_lv_size.q1 does not render",
        ),
        (
            lambda d: d["subtasks"].append(dict(subtask_named(d, "t2_edema"))),
            "subtask id 't2_edema' repeats",
        ),
        (
            lambda d: subtask_named(d, "lge_levels").update(
                code="cine.lv_size", values=["dilated"]
            ),
            "code cine.lv_size is not a lge code",
        ),
        (
            lambda d: subtask_named(d, "cine_thickened_walls").update(
                code="cine.lv_size", values=["dilated"]
            ),
            "cine.lv_size is not localized",
        ),
        (
            lambda d: subtask_named(d, "t2_edema").update(dominant="perhaps"),
            "dominant 'perhaps' is not an option key",
        ),
        (
            lambda d: subtask_named(d, "t2_edema").update(tier="trivia"),
            "subtask t2_edema field tier",
        ),
        (
            lambda d: subtask_named(d, "report_lge").update(answer_type="single_choice"),
            "kind 'report' needs answer_type open_text",
        ),
        (
            lambda d: subtask_named(d, "cine_lvef_range")["options"][0].pop("max"),
            "every numeric_range option needs min or max",
        ),
        (lambda d: d.update(format=2), "format"),
    ],
)
def test_a_broken_catalogue_is_refused_with_where_and_what(tmp_path, change, expected):
    path = write_catalogue(tmp_path, change)
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path)
    assert caught.value.code == "E501"
    assert str(path) in caught.value.message
    assert expected in caught.value.message


def test_unreadable_and_non_mapping_catalogues_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_catalogue(tmp_path / "missing.yaml")
    (tmp_path / "catalogue.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="not a YAML mapping"):
        load_catalogue(tmp_path)  # a folder means its catalogue.yaml


def test_the_catalogue_hash_follows_the_file(tmp_path):
    shipped = load_catalogue()
    copy = write_catalogue(tmp_path, lambda d: None)
    edited = write_catalogue(
        tmp_path / "..", lambda d: subtask_named(d, "t2_edema").update(version=2)
    )
    assert load_catalogue(copy).sha256 != load_catalogue(edited).sha256
    assert len(shipped.sha256) == 64
