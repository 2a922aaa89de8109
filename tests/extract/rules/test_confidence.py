"""Confidence of the rules' findings: the doubts a reading gets, and what they weigh.

The reports here are written for these tests. Each check reads a short text
with the real rule pipeline and asserts which doubts a finding carries (or
must not carry), then that the confidence is the product of their weights in
``confidence.yaml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qaforge.extract.rules.confidence import DOUBTS, load_confidence_rules
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.extract.rules.rule_files import RULES_DIR, RulesError, rules_hash

WEIGHTS = load_confidence_rules().weights


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def doubts_of(findings, code: str) -> dict[object, tuple[str, ...]]:
    """Value -> doubts of the findings of ``code``."""
    return {f.value: f.doubts for f in findings if f.code == code}


def test_a_finding_without_doubt_has_confidence_one(extractor: RuleExtractor):
    findings = extractor.extract("The left ventricle is dilated. LVEF 35%.")
    assert {(f.code, f.confidence, f.doubts) for f in findings} == {
        ("cine.lv_size", 1.0, ()),
        ("cine.lvef", 1.0, ()),
    }


def test_a_report_that_says_both_values_contradicts_itself(extractor: RuleExtractor):
    findings = extractor.extract(
        "There is late gadolinium enhancement. No late gadolinium enhancement is seen."
    )
    lge = [f for f in findings if f.code == "lge.presence"]
    assert {f.value for f in lge} == {"present", "absent"}
    assert all(f.doubts == ("contradicted",) for f in lge)
    assert all(f.confidence == WEIGHTS["contradicted"] for f in lge)


def test_two_ejection_fractions_contradict_and_two_close_ones_do_not(extractor: RuleExtractor):
    far = extractor.extract("LVEF 30%. The ejection fraction is 45%.")
    assert all("contradicted" in f.doubts for f in far if f.code == "cine.lvef")
    close = extractor.extract("LVEF 45%. The ejection fraction is 45.5%.")
    assert not any("contradicted" in f.doubts for f in close)


def test_a_placed_lesion_and_no_enhancement_elsewhere_do_not_clash(extractor: RuleExtractor):
    findings = extractor.extract(
        "Midwall enhancement of the basal inferoseptal wall. No enhancement elsewhere."
    )
    lge = doubts_of(findings, "lge.presence")
    assert set(lge) == {"present", "absent"}
    assert not any("contradicted" in doubts for doubts in lge.values())


def test_overlapping_places_of_two_values_clash(extractor: RuleExtractor):
    findings = extractor.extract(
        "The basal inferior wall is akinetic. Normal wall motion of the basal inferior wall."
    )
    motion = doubts_of(findings, "cine.wall_motion")
    assert set(motion) == {"akinetic", "normal"}
    assert all("contradicted" in doubts for doubts in motion.values())


def test_two_regurgitant_valves_stand_together_but_none_excludes_them(extractor: RuleExtractor):
    both = extractor.extract("Mild mitral regurgitation. Mild tricuspid regurgitation.")
    assert doubts_of(both, "cine.valve_regurgitation") == {"mitral": (), "tricuspid": ()}
    clash = extractor.extract("Moderate mitral regurgitation. No valvular regurgitation.")
    valves = doubts_of(clash, "cine.valve_regurgitation")
    assert set(valves) == {"mitral", "none"}
    assert all("contradicted" in doubts for doubts in valves.values())


def test_a_place_taken_from_the_previous_sentence_is_doubted(extractor: RuleExtractor):
    findings = extractor.extract(
        "Subendocardial enhancement of the mid anterior wall. "
        "T2 imaging shows oedema in the same segments."
    )
    edema = [f for f in findings if f.code == "t2.edema" and f.value == "present"]
    assert len(edema) == 1 and edema[0].walls == ("anterior",)
    assert "place_referred" in edema[0].doubts
    assert edema[0].confidence == WEIGHTS["place_referred"]


def test_a_sentence_that_also_names_another_test_is_doubted(extractor: RuleExtractor):
    findings = extractor.extract(
        "In contrast to the echocardiogram, CMR showed a dilated left ventricle."
    )
    size = [f for f in findings if f.code == "cine.lv_size"]
    assert [(f.value, f.doubts) for f in size] == [("dilated", ("mixed_modality",))]
    plain = extractor.extract("CMR showed a dilated left ventricle.")
    assert [f.doubts for f in plain if f.code == "cine.lv_size"] == [()]


def test_a_statement_read_cleanly_once_keeps_no_doubt(extractor: RuleExtractor):
    text = (
        "In contrast to the echocardiogram, CMR showed a dilated left ventricle. "
        "Impression: dilated left ventricle."
    )
    size = [f for f in extractor.extract(text) if f.code == "cine.lv_size"]
    assert [(f.value, f.doubts, f.confidence) for f in size] == [("dilated", (), 1.0)]


@pytest.mark.parametrize(
    "legend",
    [
        "(B) Short-axis cine showing a dilated left ventricle.",
        "Panel 2c: a dilated left ventricle.",
        "C: dilated left ventricle on the four-chamber cine.",
    ],
)
def test_a_figure_panel_is_doubted(extractor: RuleExtractor, legend: str):
    size = [f for f in extractor.extract(legend) if f.code == "cine.lv_size"]
    assert [f.doubts for f in size] == [("figure_panel",)]
    assert size[0].confidence == WEIGHTS["figure_panel"]


def test_a_diagnosis_without_an_impression_heading_is_doubted(extractor: RuleExtractor):
    narrative = "The left ventricle is dilated with LVEF 25%. This is dilated cardiomyopathy."
    headed = "The left ventricle is dilated with LVEF 25%.\nImpression: dilated cardiomyopathy."
    unheaded = [f.doubts for f in extractor.extract(narrative) if f.code == "overall.nicm_subtype"]
    assert unheaded == [("unheaded_diagnosis",)]
    assert [f.doubts for f in extractor.extract(headed) if f.code == "overall.nicm_subtype"] == [()]


def test_several_doubts_multiply(extractor: RuleExtractor):
    findings = extractor.extract(
        "Unlike the echo, CMR showed LVEF 30%. Unlike the echo, CMR showed LVEF 50%."
    )
    lvef = [f for f in findings if f.code == "cine.lvef"]
    assert len(lvef) == 2
    expected = round(WEIGHTS["contradicted"] * WEIGHTS["mixed_modality"], 3)
    assert all(set(f.doubts) == {"contradicted", "mixed_modality"} for f in lvef)
    assert all(f.confidence == expected for f in lvef)


def write_rules(tmp_path: Path, confidence: str) -> Path:
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "confidence.yaml").write_text(confidence)
    return tmp_path


def shipped_with(old: str, new: str) -> str:
    shipped = (RULES_DIR / "confidence.yaml").read_text()
    assert old in shipped
    return shipped.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  crowded: 0.95", "", r"confidence.yaml.*weights.*no weight for crowded"),
        ("  crowded: 0.95", "  crowded: 0", r"crowded: a weight is in \(0, 1\]"),
        ("  crowded: 0.95", "  crowded: 0.95\n  sleepy: 0.5", r"weights\.sleepy"),
        ("  lge.pattern: null", "  lge.shape: null", r"'lge.shape' is not a code with values"),
        ("  cine.valve_regurgitation: none", "  cine.valve_regurgitation: all", r"'all' is not"),
        ("  lge.pattern: null", "  cine.lvef: null", r"'cine.lvef' is not a code with values"),
    ],
)
def test_a_bad_confidence_entry_is_refused_naming_it(
    tmp_path: Path, old: str, new: str, message: str
):
    path = write_rules(tmp_path, shipped_with(old, new)) / "confidence.yaml"
    with pytest.raises(RulesError, match=message) as raised:
        load_confidence_rules(path)
    assert raised.value.code == "E401"
    with pytest.raises(RulesError):
        RuleExtractor(tmp_path)


def test_the_weights_are_read_and_hashed(tmp_path: Path):
    rules_dir = write_rules(tmp_path, shipped_with("  contradicted: 0.55", "  contradicted: 0.2"))
    assert rules_hash(rules_dir) != rules_hash(RULES_DIR)
    text = "There is late gadolinium enhancement. No late gadolinium enhancement is seen."
    custom = RuleExtractor(rules_dir).extract(text)
    assert {f.confidence for f in custom if f.code == "lge.presence"} == {0.2}


def test_every_doubt_the_recognizers_use_is_weighed():
    assert set(WEIGHTS) == set(DOUBTS)
