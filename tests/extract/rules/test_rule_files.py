"""Rule files are validated data: a bad file is refused with the file and the entry named."""

from __future__ import annotations

from pathlib import Path

import pytest

from qaforge.extract.rules.rule_files import (
    KNOWN_CONCEPTS,
    RULES_DIR,
    RulesError,
    load_lexicon,
    load_section_rules,
    rules_hash,
)


def test_shipped_rules_load_and_use_only_known_concepts():
    lexicon = load_lexicon()
    assert set(lexicon.concepts) <= KNOWN_CONCEPTS
    assert all(lexicon.concepts.values())
    assert load_section_rules().kinds["impression"]


def test_unknown_concept_is_refused(tmp_path: Path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("version: 1\nconcepts:\n  lge.terms: [LGE]\n")
    with pytest.raises(RulesError, match=r"lexicon.yaml.*unknown concept\(s\) lge.terms"):
        load_lexicon(path)


def test_a_form_under_two_concepts_is_refused(tmp_path: Path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("version: 1\nconcepts:\n  lge.term: [scar]\n  edema.term: [Scar]\n")
    with pytest.raises(RulesError, match="'Scar' is listed under both lge.term and edema.term"):
        load_lexicon(path)


def test_bad_yaml_and_bad_regex_are_refused(tmp_path: Path):
    bad_yaml = tmp_path / "sections.yaml"
    bad_yaml.write_text("kinds: [unclosed\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_section_rules(bad_yaml)
    bad_regex = tmp_path / "sections2.yaml"
    bad_regex.write_text("version: 1\nkinds:\n  lge: ['late (enhancement']\n")
    with pytest.raises(RulesError, match="is not a regular expression"):
        load_section_rules(bad_regex)


def test_rules_hash_changes_with_any_rule_file(tmp_path: Path):
    for path in RULES_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = rules_hash(tmp_path)
    assert before == rules_hash(RULES_DIR)
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text() + "\n# a comment\n")
    assert rules_hash(tmp_path) != before


def test_a_rules_folder_of_your_own_is_used_by_every_component(tmp_path: Path):
    from qaforge.extract.rules.extractor import RuleExtractor

    for path in RULES_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    context = tmp_path / "context.yaml"
    context.write_text(
        context.read_text()
        + "  - {category: negated, direction: forward, phrases: [nary a trace of]}\n"
    )
    text = "Nary a trace of LGE."
    assert ("lge.presence", "present") in {(f.code, f.value) for f in RuleExtractor().extract(text)}
    custom = RuleExtractor(tmp_path)
    assert {(f.code, f.value) for f in custom.extract(text)} == {("lge.presence", "absent")}
    assert custom.signature.rules_hash != RuleExtractor().signature.rules_hash
