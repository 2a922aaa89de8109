"""The decision tables are rule data: validated entry by entry, hashed with the other rule files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from qaforge.errors import ConfigError
from qaforge.extract.rules.decision_tables import load_decisions
from qaforge.extract.rules.rule_files import RULES_DIR, RulesError, rules_hash

SHIPPED = yaml.safe_load((RULES_DIR / "decisions.yaml").read_text(encoding="utf-8"))

SCAN_WORDS = {"scan_before": ["cardiac"], "scan_after": ["imaging"]}


def write_decisions(tmp_path: Path, table: str, entries: object) -> Path:
    """The shipped decisions with one table replaced."""
    data = dict(SHIPPED)
    data[table] = entries
    path = tmp_path / "decisions.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_shipped_decisions_load():
    decisions = load_decisions()
    assert decisions.presence_codes["lge"] == "lge.presence"
    assert decisions.certainty_rank("definite") > decisions.certainty_rank("possible")


def test_a_copy_of_the_shipped_tables_loads(tmp_path: Path):
    path = write_decisions(tmp_path, "version", SHIPPED["version"])
    assert load_decisions(path) == load_decisions()


@pytest.mark.parametrize(
    ("table", "entries", "named"),
    [
        ("presence_codes", {"efusion": "cine.pericardial_effusion"}, "'efusion'"),
        ("presence_codes", {"effusion": "cine.pericardial_efusion"}, "'cine.pericardial_efusion'"),
        ("presence_codes", {"effusion": "cine.lv_size"}, "cine.lv_size has no value 'present'"),
        ("localized_codes", ["cine.lv_size"], "'cine.lv_size'"),
        ("family_sequence", {"lge": "lgee"}, "'lgee'"),
        ("section_sequence", {"late": "lge"}, "'late'"),
        ("pattern_codes", {"lge": {"depth": "lge.distribution"}}, "lge.depth"),
        ("nicm_subtypes", ["hcm", "takotsubo"], "'takotsubo'"),
        ("certainty_order", ["possible", "definite"], "once, weakest first"),
        ("implied_attribute", {"dilated": "volume"}, "'volume'"),
        ("negated_value", {"size": {"dilated": "nondilated"}}, "'nondilated'"),
        ("attribute_codes", {"size": {"normal": ["cine.lv_size", "normal"]}}, "'size'"),
        ("attribute_codes", {"t2": {"elevated": ["t2.edema", "raised"]}}, "t2.elevated"),
        ("not_lv_anchors", ["rv", "la"], "'la'"),
        ("chambers_of_anchor", {"lv": ["lv"], "rv": ["rv"], "biv": ["lv", "la"]}, "'la'"),
        ("chamber_size", {"lv": {"dilated": "big"}, "rv": {}}, "lv.dilated"),
        ("chamber_function", {"lv": {}, "rv": {"impaired": "graded"}}, "rv.impaired"),
        ("severity_grade", {"mild": "mildly_reduced"}, "no grade for severity moderate"),
        ("lvef_grades", [{"min_lvef": 30, "grade": "x"}], "'x'"),
        ("lvef_grades", [{"min_lvef": 30, "grade": "mildly_reduced"}] * 2, "must fall"),
        ("other_term_families", ["effusion", "thrombi"], "'thrombi'"),
        ("modifier_families", ["depth", "valu"], "'valu'"),
        (
            "valve_abbreviations",
            {"forms": ["Mr"], "grades_before": ["mild"], "cues_after": ["jet"], **SCAN_WORDS},
            "'Mr' is not an abbreviation in capitals",
        ),
        (
            "valve_abbreviations",
            {"forms": ["MR"], "grades_before": [], "cues_after": ["jet"], **SCAN_WORDS},
            "non-empty words",
        ),
        (
            "valve_abbreviations",
            {
                "forms": ["MR"],
                "grades_before": ["mild"],
                "cues_after": ["jet"],
                **SCAN_WORDS,
                "cues": [],
            },
            "cues",
        ),
    ],
)
def test_a_bad_entry_is_refused_with_the_table_and_entry_named(
    tmp_path: Path, table: str, entries: object, named: str
):
    path = write_decisions(tmp_path, table, entries)
    with pytest.raises(RulesError) as error:
        load_decisions(path)
    assert isinstance(error.value, ConfigError)
    assert error.value.code == "E401"
    assert "decisions.yaml" in error.value.message
    assert table in error.value.message
    assert named in error.value.message


def test_an_unknown_table_is_refused(tmp_path: Path):
    path = write_decisions(tmp_path, "presence_code", {"lge": "lge.presence"})
    with pytest.raises(RulesError, match="decisions.yaml.*presence_code"):
        load_decisions(path)


def test_a_missing_decisions_file_is_refused(tmp_path: Path):
    with pytest.raises(RulesError, match="decisions.yaml.*cannot read it"):
        load_decisions(tmp_path / "decisions.yaml")


def test_rules_hash_changes_when_a_decision_table_changes(tmp_path: Path):
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    before = rules_hash(tmp_path)
    write_decisions(tmp_path, "lvef_grades", [{"min_lvef": 45, "grade": "mildly_reduced"}])
    assert rules_hash(tmp_path) != before


def test_the_extractor_follows_the_tables_of_its_rules_folder(tmp_path: Path):
    from qaforge.extract.rules.extractor import RuleExtractor

    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    grades = [
        {"min_lvef": 45, "grade": "mildly_reduced"},
        {"min_lvef": 0, "grade": "moderately_reduced"},
    ]
    write_decisions(tmp_path, "lvef_grades", grades)
    text = "LVEF 42%. Impaired LV systolic function."
    shipped = RuleExtractor()
    custom = RuleExtractor(tmp_path)
    function = "cine.lv_systolic_function"
    assert {f.value for f in shipped.extract(text) if f.code == function} == {"mildly_reduced"}
    assert {f.value for f in custom.extract(text) if f.code == function} == {"moderately_reduced"}
    assert custom.signature.rules_hash != shipped.signature.rules_hash
