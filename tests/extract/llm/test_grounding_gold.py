"""Grounding against the gold sets: genuine quotes kept, fabricated and near-miss quotes refused.

Every gold finding is stated with its gold evidence (every other one with
its case or whitespace changed); per report one invented quote and one
near-miss of each kind (negation removed or added, place swapped, grade
changed, number changed, word deleted) are stated too. ``ground_answer`` is
called directly: pure, no server.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

from qaforge.domain.vocabulary import Finding
from qaforge.extract.gold_scoring import read_findings_jsonl
from qaforge.extract.llm.answer import LLMAnswer, LLMFinding
from qaforge.extract.llm.findings import ground_answer

GOLD = Path(__file__).parents[2] / "data" / "gold"
SETS = (("reports.jsonl", "gold.jsonl"), ("real_style_reports.jsonl", "real_style_gold.jsonl"))
INVENTED = "A large apical thrombus is attached to the akinetic septum"
PLACES = {
    "basal": "apical",
    "apical": "basal",
    "anterior": "inferior",
    "inferior": "anterior",
    "septal": "lateral",
    "lateral": "septal",
    "inferoseptal": "anterolateral",
    "anterolateral": "inferoseptal",
    "inferolateral": "anteroseptal",
    "anteroseptal": "inferolateral",
}
GRADES = {
    "mild": "severe",
    "mildly": "severely",
    "moderate": "mild",
    "moderately": "mildly",
    "severe": "mild",
    "severely": "mildly",
    "small": "large",
    "large": "small",
}
NEGATIONS = re.compile(r"\b(?:no|not|without)\s+", re.IGNORECASE)
NUMBER = re.compile(r"\d+")


@functools.cache
def gold_reports() -> list[tuple[str, list[Finding]]]:
    """``(text, gold findings)`` of every gold report that has findings with evidence."""
    reports = []
    for texts_name, gold_name in SETS:
        texts = {}
        for line in (GOLD / texts_name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts[record["report_id"]] = record["text"]
        gold = read_findings_jsonl(GOLD / gold_name).reports
        for report_id, findings in gold.items():
            kept = [f for f in findings if f.evidence is not None]
            if kept:
                reports.append((texts[report_id], kept))
    return reports


def stated(finding: Finding, quote: str) -> LLMFinding:
    return LLMFinding(
        code=finding.code,
        value=finding.value,
        levels=list(finding.levels),
        walls=list(finding.walls),
        segments=list(finding.segments),
        certainty=finding.certainty,
        evidence=quote,
    )


def varied(quote: str, index: int) -> str:
    """Every other quote with its case or its whitespace changed."""
    if index % 4 == 1:
        return quote.upper()
    if index % 4 == 3:
        return "  " + quote.replace(" ", "   ") + " "
    return quote


def _swap_word(quote: str, table: dict[str, str]) -> str | None:
    words = quote.split(" ")
    for index, word in enumerate(words):
        bare = word.strip(",.;:()").lower()
        if bare in table:
            words[index] = word.lower().replace(bare, table[bare])
            return " ".join(words)
    return None


def _negation_removed(quote: str) -> str | None:
    if NEGATIONS.search(quote):
        return NEGATIONS.sub("", quote, count=1)
    return None


def _number_changed(quote: str) -> str | None:
    found = NUMBER.search(quote)
    if found is None:
        return None
    number = found.group()
    changed = number[::-1] if number[::-1] != number else str(int(number) + 9)
    return quote[: found.start()] + changed + quote[found.end() :]


def _word_deleted(quote: str) -> str | None:
    """A content word from inside the quote left out (a cut at an end is a shorter true quote)."""
    words = quote.split(" ")
    inner = [i for i in range(1, len(words) - 1) if len(words[i].strip(",.;:()%")) > 3]
    if not inner:
        return None
    return " ".join(words[: inner[0]] + words[inner[0] + 1 :])


NEAR_MISSES = {
    "negation removed": _negation_removed,
    "place swapped": lambda quote: _swap_word(quote, PLACES),
    "grade changed": lambda quote: _swap_word(quote, GRADES),
    "number changed": _number_changed,
    "word deleted": _word_deleted,
}


def near_misses(text: str, findings: list[Finding]) -> dict[str, list[LLMFinding]]:
    """One near-miss per kind for a report (a kind its quotes do not allow is left out)."""
    made: dict[str, list[LLMFinding]] = {}
    for kind, change in NEAR_MISSES.items():
        for finding in findings:
            quote = finding.evidence.text
            missed = change(quote)
            if missed and missed.strip() and missed.lower() != quote.lower():
                made[kind] = [stated(finding, missed)]
                break
    return made


def kept(text: str, findings: list[LLMFinding]) -> list[Finding]:
    return ground_answer(text, LLMAnswer(findings=findings))[0]


def test_gold_quotes_are_kept_and_fabrications_and_near_misses_are_not():
    counts: Counter[str] = Counter()
    for text, findings in gold_reports():
        for index, finding in enumerate(findings):
            counts["genuine"] += 1
            accepted = kept(text, [stated(finding, varied(finding.evidence.text, index))])
            counts["genuine kept"] += len(accepted)
            for found in accepted:
                assert found.evidence.text == text[found.evidence.start : found.evidence.end]
        invented = kept(text, [stated(findings[0], INVENTED)])
        counts["invented"] += 1
        counts["invented kept"] += len(invented)
        for kind, missed in near_misses(text, findings).items():
            counts[kind] += 1
            counts[f"{kind} kept"] += len(kept(text, missed))
    assert counts["invented kept"] == 0
    for kind in NEAR_MISSES:
        assert counts[kind] > 0
        assert counts[f"{kind} kept"] == 0, (kind, counts)
    assert counts["genuine kept"] >= 0.95 * counts["genuine"], counts
