"""The LLM extractor's pure parts: answers, grounding, vocabulary checks, reconciliation."""

from __future__ import annotations

import pytest

from qaforge.extract.llm.answer import AnswerError, LLMAnswer, parse_answer
from qaforge.extract.llm.findings import ground_answer
from qaforge.extract.llm.grounding import locate_quote
from qaforge.extract.llm.prompt import Prompt
from qaforge.extract.reconcile import ReconciliationPolicy, reconcile, same_statement

REPORT = (
    "Findings: Mild LV dilatation, LVEF 42%.\n"
    "There is subendocardial late gadolinium enhancement in the basal inferior wall.  "
    "No pericardial effusion."
)


@pytest.mark.parametrize(
    ("quote", "method", "expected"),
    [
        ("LVEF 42%", "exact", "LVEF 42%"),
        (
            "late gadolinium ENHANCEMENT in the  basal inferior wall",
            "normalised",
            "late gadolinium enhancement in the basal inferior wall",
        ),
        (
            "subendocardial late gadolinum enhancment in the basal inferior wall",
            "fuzzy",
            "subendocardial late gadolinium enhancement in the basal inferior wall",
        ),
    ],
)
def test_quotes_in_the_report_become_exact_spans(quote, method, expected):
    match = locate_quote(REPORT, quote)
    assert match is not None and match.method == method
    assert REPORT[match.start : match.end] == expected


@pytest.mark.parametrize(
    "quote",
    [
        "late gadolinium enhancement in the basal anterior wall",  # near miss: another wall
        "Mid LV dilatation",  # near miss: mild -> mid
        "Moderate LV dilatation, LVEF 42%",  # near miss: another grade
        "transmural infarction of the LAD territory",  # fabrication
        "No late gadolinium enhancement",  # fabricated negative
        "No",  # too short to be evidence
        "",
    ],
)
def test_near_misses_and_fabrications_are_not_found(quote):
    assert locate_quote(REPORT, quote) is None


def finding(**fields):
    base = {"levels": [], "walls": [], "segments": [], "certainty": "definite"}
    return {**base, **fields}


def test_grounding_keeps_only_quoted_vocabulary_findings_and_says_why_for_the_rest():
    answer = LLMAnswer.model_validate(
        {
            "findings": [
                finding(
                    code="lge.presence",
                    value="present",
                    levels=["basal"],
                    walls=["inferior"],
                    evidence="late gadolinium enhancement in the basal inferior wall",
                ),
                finding(code="cine.lvef", value="42", evidence="LVEF 42%"),
                finding(code="cine.lvef", value=42, evidence="LVEF 42%"),  # duplicate
                finding(code="cine.lv_size", value="dilated", evidence="the LV is very large"),
                finding(code="lge.sparkle", value="yes", evidence="LVEF 42%"),
                finding(code="cine.lv_size", value="huge", evidence="Mild LV dilatation"),
                finding(
                    code="cine.pericardial_effusion",
                    value="absent",
                    walls=["inferior"],
                    evidence="No pericardial effusion",
                ),
            ]
        }
    )
    findings, rejected = ground_answer(REPORT, answer)
    assert [(f.code, f.value) for f in findings] == [
        ("lge.presence", "present"),
        ("cine.lvef", 42.0),
    ]
    for kept in findings:
        assert REPORT[kept.evidence.start : kept.evidence.end] == kept.evidence.text
        assert kept.extractor == "llm"
    reasons = [r.reason for r in rejected]
    assert reasons[0].startswith("evidence not found in the report: 'the LV is very large'")
    assert "unknown finding code 'lge.sparkle'" in reasons[1]
    assert "has no value 'huge'" in reasons[2]
    assert "not localized" in reasons[3]
    assert rejected[0].stated["code"] == "cine.lv_size"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty answer"),
        ("{not json", "malformed JSON"),
        ('{"findings": [{"code": "cine.lv_size"}]}', "does not fit the schema"),
        ('{"items": []}', "does not fit the schema"),
    ],
)
def test_bad_answers_raise_with_a_reason(content, reason):
    with pytest.raises(AnswerError) as caught:
        parse_answer(content)
    assert reason in caught.value.reason


def test_a_fenced_answer_is_read():
    assert parse_answer('```json\n{"findings": []}\n```').findings == []


def test_the_prompt_lists_the_vocabulary_and_wraps_the_report():
    prompt = Prompt()
    system, user = prompt.messages("LVEF 55%.")
    assert "cine.lvef: number (percent)" in system["content"]
    assert "lge.presence: present | absent (takes places)" in system["content"]
    assert "<report>\nLVEF 55%.\n</report>" in user["content"]
    assert len(prompt.hash) == 64


def row(identifier, code, value=None, number=None, **places):
    return {
        "id": identifier,
        "code": code,
        "value": value,
        "value_number": number,
        "levels": places.get("levels", []),
        "walls": places.get("walls", []),
        "segments": places.get("segments", []),
    }


def test_reconciliation_states_and_the_default_policy():
    rules = [
        row("r1", "lge.presence", "present", walls=["inferior"]),
        row("r2", "cine.lvef", number=42.0),
        row("r3", "cine.lv_size", "dilated"),
        row("r4", "cine.pericardial_effusion", "absent"),
    ]
    llm = [
        row("l1", "lge.presence", "present", walls=["inferior"]),
        row("l2", "cine.lvef", number=42.6),  # within one unit
        row("l3", "cine.lv_size", "normal"),
        row("l4", "cine.thrombus", "absent"),
    ]
    groups = {(g.code, g.state): g for g in reconcile(rules, llm)}
    assert set(groups) == {
        ("lge.presence", "agree"),
        ("cine.lvef", "agree"),
        ("cine.lv_size", "conflict"),
        ("cine.pericardial_effusion", "rules_only"),
        ("cine.thrombus", "llm_only"),
    }
    assert [r["id"] for r in groups[("lge.presence", "agree")].kept] == ["r1"]
    assert groups[("cine.lv_size", "conflict")].kept == ()
    assert groups[("cine.lv_size", "conflict")].decision == "review"
    assert [r["id"] for r in groups[("cine.pericardial_effusion", "rules_only")].kept] == ["r4"]
    assert groups[("cine.thrombus", "llm_only")].kept == ()


def test_a_policy_can_keep_llm_only_and_settle_conflicts_for_the_llm():
    policy = ReconciliationPolicy(llm_only="keep", conflict="llm", rules_only="drop")
    groups = reconcile(
        [row("r1", "cine.lv_size", "dilated"), row("r2", "cine.thrombus", "present")],
        [row("l1", "cine.lv_size", "normal"), row("l2", "cine.lvot_obstruction", "absent")],
        policy,
    )
    kept = sorted(r["id"] for g in groups for r in g.kept)
    assert kept == ["l1", "l2"]


def test_different_places_or_numbers_are_not_the_same_statement():
    assert not same_statement(
        row("a", "lge.presence", "present", walls=["inferior"]),
        row("b", "lge.presence", "present", walls=["anterior"]),
    )
    assert not same_statement(
        row("a", "cine.lvef", number=42.0), row("b", "cine.lvef", number=44.0)
    )
    assert same_statement(
        row("a", "cine.wall_motion", "akinetic", walls=["inferior", "anterior"]),
        row("b", "cine.wall_motion", "akinetic", walls=["anterior", "inferior"]),
    )


def _windows_respected(granted, window, requests, tokens):
    for index, (start, _) in enumerate(granted):
        inside = [n for moment, n in granted[index:] if moment - start < window]
        if requests and len(inside) > requests:
            return False
        if tokens and len(inside) > 1 and sum(inside) > tokens:
            return False
    return True


@pytest.mark.parametrize(("requests", "tokens"), [(2, 0), (0, 250), (3, 250)])
def test_the_limiter_never_lets_more_through_in_one_window(requests, tokens):
    import asyncio

    from qaforge.extract.llm.client import MinuteLimiter

    limiter = MinuteLimiter(requests, tokens, window_seconds=0.05)

    async def burst():
        await asyncio.gather(*(limiter.acquire(100) for _ in range(7)))

    asyncio.run(burst())
    assert len(limiter.granted) == 7
    assert _windows_respected(limiter.granted, 0.05, requests, tokens)
