"""Sentence scoping: sentences about another test, an earlier study or the referral give no finding.

The reports here are written for these tests. Each mixes CMR findings with
sentences of the three scoped classes, without any heading, and checks that
the CMR findings are kept and the others give nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.extract.rules.rule_files import RULES_DIR, RulesError, rules_hash
from qaforge.extract.rules.scoping import SentenceScoper, load_scoping_rules

SCOPER = SentenceScoper(load_scoping_rules())


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def pairs(findings) -> set[tuple[str, object]]:
    return {(f.code, f.value) for f in findings}


@pytest.mark.parametrize(
    ("sentence", "scope"),
    [
        ("Transthoracic echo showed an ejection fraction of 30%.", "other_modality"),
        ("The echocardiogram displayed thinning of the septum.", "other_modality"),
        ("TTE: moderate mitral regurgitation.", "other_modality"),
        ("Left ventriculography demonstrated an apical aneurysm.", "other_modality"),
        ("Coronary angiography found an occluded right coronary artery.", "other_modality"),
        ("SPECT suggested reversible ischaemia in the LAD territory.", "other_modality"),
        ("A CT scan had shown a pericardial effusion.", "other_modality"),
        ("Holter monitoring recorded runs of ventricular tachycardia.", "other_modality"),
        ("Right heart catheterisation showed raised pressures.", "other_modality"),
        ("Endomyocardial biopsy found lymphocytic infiltrates.", "other_modality"),
        ("Histology of the explanted heart showed sarcoid granulomas.", "other_modality"),
        ("An outside CMR reported mid-wall fibrosis.", "prior_study"),
        ("A previous CMR reported mid-wall fibrosis.", "prior_study"),
        ("She was treated for myocarditis last year.", "prior_study"),
        ("Two years ago the ejection fraction was 30%.", "prior_study"),
        ("Referred with breathlessness and a murmur.", "referral"),
        ("CMR to assess LV function before chemotherapy.", "referral"),
        ("HCM - assessment of LVOT obstruction.", "referral"),
        ("Palpitations, ?arrhythmogenic cardiomyopathy.", "referral"),
        ("Query cardiac sarcoidosis.", "referral"),
        ("Clinical question is amyloid.", "referral"),
        # A cue of this study in the same sentence keeps it.
        ("On CMR the LV is dilated, as was seen on echo.", None),
        ("LGE confirms the inferior scar suggested by SPECT.", None),
        ("Compared with the prior CMR, the effusion is smaller.", None),
        ("The previously dilated LV is now normal in size.", None),
        ("She underwent CMR, which showed subepicardial LGE.", None),
        # The patient's history is left to the term-level historical assertion.
        ("History of inferior infarction with stenting of the RCA.", None),
        ("Referred for CMR, which showed a dilated LV.", None),
        ("CMR performed to exclude myocarditis demonstrated subepicardial LGE.", None),
        ("Referred after an echo showed a dilated LV.", "other_modality"),
        ("In a patient with a history of hypertension, the LV wall is 15 mm.", None),
        ("Together with the Holter findings, ARVC was diagnosed.", None),
        ("The patient was diagnosed with dilated cardiomyopathy.", None),
        ("The LV is dilated, LVEF 35% (45% on echo).", None),
        # Words that only look like cues.
        ("In a patient with known sarcoidosis, there is patchy LGE.", None),
        ("Apical thrombus cannot be excluded.", None),
        ("The LV is mildly dilated with an ejection fraction of 48%.", None),
        ("The MR jet is moderate.", None),
    ],
)
def test_the_scope_of_a_sentence(sentence: str, scope: str | None):
    assert SCOPER.scope_of(sentence, 0, len(sentence)) == scope


MIXED_REPORT = (
    "Breathless on exertion, ?infiltrative cardiomyopathy.\n"
    "The transthoracic echocardiogram last month showed a thin septum and an ejection fraction "
    "of 21%.\n"
    "History of anterior infarction treated with a stent.\n"
    "A prior CMR two years ago reported an LVEF of 40%.\n"
    "The left ventricle is dilated with severely impaired systolic function, LVEF 27%. "
    "Subendocardial LGE is present in the mid anterior wall. No pericardial effusion."
)


def test_cmr_findings_are_kept_and_the_others_give_nothing(extractor: RuleExtractor):
    findings = extractor.extract(MIXED_REPORT)
    assert pairs(findings) >= {
        ("cine.lv_size", "dilated"),
        ("cine.lv_systolic_function", "severely_reduced"),
        ("cine.lvef", 27.0),
        ("lge.presence", "present"),
        ("cine.pericardial_effusion", "absent"),
    }
    assert ("cine.lvef", 21.0) not in pairs(findings)
    assert ("cine.lvef", 40.0) not in pairs(findings)
    cmr_start = MIXED_REPORT.index("The left ventricle is dilated")
    assert all(f.evidence.start >= cmr_start for f in findings)


def test_an_echo_ejection_fraction_does_not_grade_impaired_function(extractor: RuleExtractor):
    text = "Echo showed an ejection fraction of 25%. Impaired LV systolic function. No LGE."
    function = {f.value for f in extractor.extract(text) if f.code == "cine.lv_systolic_function"}
    assert function == set()  # no LVEF of this study: an unqualified "impaired" has no grade


REFERRAL_REPORTS = [
    (
        "HCM - assessment of LVOT obstruction.",
        "LV: asymmetric septal hypertrophy. Systolic anterior motion with LVOT obstruction at rest.",
    ),
    (
        "Referred to exclude myocarditis after a viral illness.",
        "Normal LV size and function. Subepicardial LGE in the basal inferolateral wall.",
    ),
    (
        "Query apical thrombus after anterior infarction.",
        "Transmural LGE of the apex. No LV thrombus.",
    ),
    (
        "CMR for suspected amyloid, pericardial effusion on echo.",
        "Concentric hypertrophy. Diffuse subendocardial LGE. Small pericardial effusion.",
    ),
]


@pytest.mark.parametrize(("referral", "body"), REFERRAL_REPORTS)
def test_no_evidence_comes_from_a_referral_line(extractor: RuleExtractor, referral, body):
    text = f"{referral}\n\n{body}"
    line_end = len(referral)
    findings = extractor.extract(text)
    assert findings, "the CMR body gives findings"
    for finding in findings:
        assert finding.evidence.start >= line_end, (finding.code, finding.evidence.text)
        assert text[finding.evidence.start : finding.evidence.end] == finding.evidence.text


def test_the_referral_line_names_what_the_body_states_and_the_body_is_the_evidence(
    extractor: RuleExtractor,
):
    text, body = REFERRAL_REPORTS[0]
    report = f"{text}\n\n{body}"
    lvot = [f for f in extractor.extract(report) if f.code == "cine.lvot_obstruction"]
    assert [(f.value, f.evidence.text) for f in lvot] == [
        ("present", "Systolic anterior motion with LVOT obstruction at rest.")
    ]


def test_a_heading_still_excludes_its_section(extractor: RuleExtractor):
    text = "Indication: LVEF 30% on TTE.\nCine: LVEF 55%."
    assert [f.value for f in extractor.extract(text) if f.code == "cine.lvef"] == [55.0]


def write_rules(tmp_path: Path, scoping: str) -> Path:
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "scoping.yaml").write_text(scoping)
    return tmp_path


@pytest.mark.parametrize(
    ("scoping", "message"),
    [
        (
            "version: 1\nclasses:\n  echo:\n    cues: ['echo(']\n",
            r"scoping.yaml.*classes\.echo\.cues.*'echo\(' is not a regular expression",
        ),
        (
            "version: 1\nclasses:\n  echo:\n    cue: [echo]\n",
            r"scoping.yaml.*classes\.echo\.cue.*Extra inputs",
        ),
        ("version: 1\nclasses:\n  echo:\n    unless: [cmr]\n", r"echo.*needs cues or openings"),
        ("version: 1\nclasses:\n  Echo Tests:\n    cues: [echo]\n", r"'Echo Tests' is not"),
        (
            "version: 1\nclasses:\n  echo:\n    cues: [TTE]\n",
            r"echo\.cues.*'TTE' is not lower case",
        ),
    ],
)
def test_a_bad_scoping_entry_is_refused_naming_it(tmp_path: Path, scoping: str, message: str):
    path = write_rules(tmp_path, scoping) / "scoping.yaml"
    with pytest.raises(RulesError, match=message) as raised:
        load_scoping_rules(path)
    assert raised.value.code == "E401"
    with pytest.raises(RulesError):
        RuleExtractor(tmp_path)


def test_the_rules_hash_covers_scoping_and_a_new_cue_is_used(tmp_path: Path):
    shipped = (RULES_DIR / "scoping.yaml").read_text()
    extra = "  dictation:\n    openings: ['dictated by']\n"
    rules_dir = write_rules(tmp_path, shipped + extra)
    assert rules_hash(rules_dir) != rules_hash(RULES_DIR)
    text = "Dictated by the fellow, LVEF 50%. No LGE."
    assert ("cine.lvef", 50.0) in pairs(RuleExtractor().extract(text))
    custom = RuleExtractor(rules_dir)
    assert ("cine.lvef", 50.0) not in pairs(custom.extract(text))
    assert custom.signature.rules_hash != RuleExtractor().signature.rules_hash
