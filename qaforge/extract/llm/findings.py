"""Turn a validated LLM answer into grounded vocabulary findings, and say why the rest were refused.

Pure. Each stated finding is kept only when its evidence quote is found in
the report and states what the report states
(:mod:`qaforge.extract.llm.grounding`), its code, value, places and certainty
fit the vocabulary (:class:`qaforge.domain.vocabulary.Finding` validates
them), and the quote carries a cue for them (:mod:`qaforge.extract.llm.support`). Everything refused becomes a :class:`RejectedFinding` with
the reason: never silently dropped, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from qaforge.domain.vocabulary import Evidence, Finding, load_vocabulary
from qaforge.extract.llm.answer import LLMAnswer, LLMFinding
from qaforge.extract.llm.grounding import (
    DEFAULT_THRESHOLD,
    NOT_FOUND,
    QuoteMatch,
    QuoteRefusal,
    ground_quote,
)
from qaforge.extract.llm.support import missing_cue, place_only_in_sentence
from qaforge.extract.rules.assertion import sentence_bounds
from qaforge.extract.rules.confidence import load_confidence_rules

EXTRACTOR_NAME = "llm"
# an LLM finding's doubts (besides the rules' place_of_sentence)
QUOTE_FUZZY = "quote_fuzzy"


@dataclass(frozen=True)
class RejectedFinding:
    """A finding the model stated that qaforge did not accept.

    Attributes:
        reason: Why, in one line (``evidence not found in the report: ...``,
            ``evidence too short: ...``, ``quote drops a negation the report has: ...``,
            ``quote changes a word: 'apical' vs 'basal': ...``,
            ``quote names no cue for lge.presence``, ``outside the vocabulary: ...``).
        stated: The finding as the model stated it (JSON-ready).
    """

    reason: str
    stated: dict


def ground_answer(
    report: str, answer: LLMAnswer, *, threshold: float = DEFAULT_THRESHOLD
) -> tuple[list[Finding], list[RejectedFinding]]:
    """Check every stated finding against the report and the vocabulary.

    Args:
        report: The report text the model read.
        answer: Its validated answer.
        threshold: Least fuzzy score for a quote (see grounding).

    Returns:
        The accepted findings (duplicates merged, in the order stated) and the
        rejected ones with their reasons.
    """
    accepted: dict[tuple, Finding] = {}
    rejected: list[RejectedFinding] = []
    for stated in answer.findings:
        record = stated.model_dump(mode="json")
        match = ground_quote(report, stated.evidence, threshold=threshold)
        if isinstance(match, QuoteRefusal):
            rejected.append(RejectedFinding(_quote_reason(match.reason, stated.evidence), record))
            continue
        evidence = Evidence(start=match.start, end=match.end, text=report[match.start : match.end])
        try:
            finding = Finding(
                code=stated.code,
                value=_value(stated),
                levels=tuple(stated.levels),
                walls=tuple(stated.walls),
                segments=tuple(stated.segments),
                certainty=stated.certainty,
                evidence=evidence,
                extractor=EXTRACTOR_NAME,
            )
        except ValidationError as error:
            rejected.append(
                RejectedFinding(f"outside the vocabulary: {_first_problem(error)}", record)
            )
            continue
        sentence = report[slice(*sentence_bounds(report, match.start, match.end))]
        unsupported = missing_cue(evidence.text, finding, sentence)
        if unsupported is not None:
            rejected.append(RejectedFinding(unsupported, record))
            continue
        finding = with_confidence(finding, match)
        key = (
            finding.code,
            finding.value,
            finding.levels,
            finding.walls,
            finding.segments,
            finding.certainty,
            match.start,
        )
        accepted.setdefault(key, finding)
    return list(accepted.values()), rejected


def with_confidence(finding: Finding, match: QuoteMatch) -> Finding:
    """The finding with how far its grounding can be trusted, and why not more.

    Doubts: ``quote_fuzzy`` when the quote was found only by fuzzy alignment
    (typos; confidence scaled by the alignment score, 90..100 -> 0.9..1),
    ``place_of_sentence`` when a claimed level or wall is named by the
    sentence but not the quote (the rules' weight for the same inference,
    ``rules/confidence.yaml``). No doubt: confidence 1.
    """
    doubts: list[str] = []
    confidence = 1.0
    if match.method == "fuzzy":
        doubts.append(QUOTE_FUZZY)
        confidence *= match.score / 100.0
    if place_only_in_sentence(finding.evidence.text, finding):
        doubts.append("place_of_sentence")
        confidence *= load_confidence_rules().weights["place_of_sentence"]
    return finding.model_copy(
        update={"confidence": round(confidence, 3), "doubts": tuple(sorted(doubts))}
    )


def _value(stated: LLMFinding) -> str | float:
    """Numbers for numeric codes (``"55"`` -> 55.0), text for the others."""
    spec = load_vocabulary().findings.get(stated.code)
    if spec is not None and spec.numeric is not None and isinstance(stated.value, str):
        try:
            return float(stated.value.strip().rstrip("%").strip())
        except ValueError:
            return stated.value
    if spec is not None and spec.numeric is None and not isinstance(stated.value, str):
        return str(stated.value)
    return stated.value


def _quote_reason(reason: str, quote: str) -> str:
    """The refusal's reason with the quote (shortened) after it."""
    shown = quote if len(quote) <= 80 else quote[:77] + "..."
    if reason == NOT_FOUND:
        reason = "evidence not found in the report"
    return f"{reason}: {shown!r}"


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {message}" if where else message
