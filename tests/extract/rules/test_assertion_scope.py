"""Scope rules of assertion_status: prefixes, parentheses, headers, line breaks, post-triggers.

CMR cases from issue 18 and general clinical phrasing, written for these tests.
"""

from __future__ import annotations

import pytest

from qaforge.extract import assertion_status


def status(text: str, target: str) -> str:
    start = text.index(target)
    return assertion_status(text, start, start + len(target))


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # a negating prefix reaches the word it is joined to, no further
        ("The left ventricle is non-dilated.", "dilated", "negated"),
        ("Non-dilated right ventricle with preserved function.", "dilated", "negated"),
        ("Non-ischaemic cardiomyopathy.", "cardiomyopathy", "affirmed"),
        ("Non-ischaemic pattern of mid-wall LGE.", "LGE", "affirmed"),
        # a trigger inside parentheses acts only inside them
        ("Inferolateral subepicardial LGE (not shown).", "LGE", "affirmed"),
        ("Septal LGE (images not shown here) is present.", "LGE", "affirmed"),
        ("Apical thrombus (not seen on the cine images) on LGE.", "LGE", "affirmed"),
        ("Small effusion (no tamponade physiology).", "effusion", "affirmed"),
        ("Small effusion (no tamponade physiology).", "tamponade", "negated"),
        # a trigger outside still reaches into parentheses
        ("No LGE (including the RV insertion points).", "RV insertion points", "negated"),
        # "no evidence of" and coordinated pattern negation
        ("There is no evidence of infarction.", "infarction", "negated"),
        ("No evidence of myocardial infarction or replacement scar.", "scar", "negated"),
        ("No subendocardial, intramyocardial or subepicardial LGE.", "subendocardial", "negated"),
        ("No subendocardial, intramyocardial or subepicardial LGE.", "intramyocardial", "negated"),
        ("No subendocardial, intramyocardial or subepicardial LGE.", "subepicardial", "negated"),
        ("No subendocardial, intramyocardial or subepicardial LGE.", "LGE", "negated"),
        ("Neither oedema nor LGE.", "oedema", "negated"),
        ("Oedema nor LGE were found.", "Oedema", "negated"),
        # a header answered alone negates its header only
        ("Indication: palpitations  Effusion: none", "palpitations", "affirmed"),
        ("Indication: palpitations  Effusion: none", "Effusion", "negated"),
        ("Pericardial effusion: absent", "Pericardial effusion", "negated"),
        # a new header between trigger and target ends the scope
        ("Not assessed for strain.  Mapping: native T1 raised.", "native T1", "affirmed"),
        ("Negative for: thrombus, effusion.", "effusion", "negated"),
        # a backward trigger does not cross a line break
        ("Anterior LGE\nthrombus not seen", "Anterior LGE", "affirmed"),
        ("Thrombus not seen", "Thrombus", "negated"),
        # a trigger that begins before the target and overlaps it acts on it
        ("No focal wall motion abnormality.", "focal wall motion abnormality", "negated"),
        # post-triggers and further forward triggers
        ("LV thrombus has been ruled out.", "LV thrombus", "negated"),
        ("Chest pain has resolved.", "Chest pain", "negated"),
        ("Amyloid is unlikely.", "Amyloid", "negated"),
        ("Appearances favour athletic remodelling rather than HCM.", "HCM", "negated"),
        ("Sarcoid has not been ruled out.", "Sarcoid", "possible"),
        ("This does not rule out myocarditis.", "myocarditis", "possible"),
        # "free" is no post-trigger in cardiac reports
        ("Linear LGE in the RV free wall.", "LGE", "affirmed"),
        ("Impaired function and aneurysm of the free wall.", "Impaired function", "affirmed"),
        # pseudo-triggers and terminators
        ("LGE does not extend to the epicardium.", "epicardium", "affirmed"),
        ("No fever, still complains of chest pain.", "chest pain", "affirmed"),
    ],
)
def test_scope_rules(text, target, expected):
    assert status(text, target) == expected
