"""RV lesions stay apart from the LV lesions of the same sentence (ANNOTATION rule 5).

Sentences written for these tests.
"""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import RuleExtractor


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def lesions(findings, code: str = "lge.presence") -> list[tuple[tuple, tuple]]:
    return sorted((f.levels, f.walls) for f in findings if f.code == code and f.value == "present")


@pytest.mark.parametrize(
    "text",
    [
        "Late enhancement of the RV free wall and of the basal inferolateral LV wall.",
        "LGE involving the right ventricular free wall, and the basal inferolateral wall.",
    ],
)
def test_one_term_with_an_rv_and_an_lv_place_is_two_lesions(extractor, text):
    assert lesions(extractor.extract(text)) == [((), ()), (("basal",), ("inferolateral",))]


def test_an_rv_lesion_of_another_sentence_is_not_merged_into_an_lv_one(extractor):
    text = "LGE of the RV free wall. Subendocardial LGE of the basal inferior wall."
    assert lesions(extractor.extract(text)) == [((), ()), (("basal",), ("inferior",))]


def test_an_lv_lesion_near_the_rv_is_one_lesion(extractor):
    text = "Midwall LGE of the basal inferoseptum next to the RV."
    assert lesions(extractor.extract(text)) == [(("basal",), ("inferoseptal",))]


def test_an_lv_lesion_named_twice_is_still_one(extractor):
    text = "LGE of the basal inferior wall. The basal inferior LGE is subendocardial."
    assert lesions(extractor.extract(text)) == [(("basal",), ("inferior",))]


def test_oedema_follows_the_same_rule(extractor):
    text = "T2 shows oedema of the RV free wall and of the mid anterior LV wall."
    assert lesions(extractor.extract(text), "t2.edema") == [((), ()), (("mid",), ("anterior",))]
