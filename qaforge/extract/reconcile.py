"""Reconciliation: match the rules' and the LLM's findings of one report (pure).

Per report version and code, findings that say the same thing (same value,
numbers within 1 unit, same levels, walls and segments) pair up as
``agree``. What is left of a code is a ``conflict`` when both extractors
have something left, otherwise ``rules_only`` or ``llm_only``. A policy
says what happens to each state: ``keep`` (into the reconciled run),
``drop``, or ``review`` (both sides' findings go into the reconciled run
marked ``disputed``, so that generation holds them for a radiologist instead
of making items); a conflict can also be settled for ``rules`` or ``llm``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

State = Literal["agree", "rules_only", "llm_only", "conflict"]
STATES: tuple[State, ...] = ("agree", "rules_only", "llm_only", "conflict")
NUMERIC_TOLERANCE = 1.0


class ReconciliationPolicy(BaseModel):
    """What each state does; the default keeps agreements and rules-only, reviews the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agree: Literal["keep", "review"] = "keep"
    rules_only: Literal["keep", "drop", "review"] = "keep"
    llm_only: Literal["keep", "drop", "review"] = "review"
    conflict: Literal["rules", "llm", "drop", "review"] = "review"


@dataclass(frozen=True)
class MatchGroup:
    """One matched group of a report version.

    Attributes:
        code: The finding code.
        state: agree, rules_only, llm_only or conflict.
        decision: What the policy did: keep, drop, review, rules or llm.
        rule_findings: The rules' finding rows in the group.
        llm_findings: The LLM's finding rows in the group.
        kept: The rows that go into the reconciled run.
        held: The rows that go into it as disputed, for a person to settle
            (a ``review`` decision: both sides' rows).
    """

    code: str
    state: State
    decision: str
    rule_findings: tuple[dict[str, Any], ...]
    llm_findings: tuple[dict[str, Any], ...]
    kept: tuple[dict[str, Any], ...]
    held: tuple[dict[str, Any], ...] = ()


def reconcile(
    rule_findings: Sequence[dict[str, Any]],
    llm_findings: Sequence[dict[str, Any]],
    policy: ReconciliationPolicy | None = None,
) -> list[MatchGroup]:
    """Match one report version's findings from both extractors.

    Args:
        rule_findings: Rows with ``code``, ``value``, ``value_number``,
            ``levels``, ``walls``, ``segments`` (as stored).
        llm_findings: The same for the LLM run.
        policy: What to do with each state.

    Returns:
        The groups, by code, agreements first.
    """
    policy = policy or ReconciliationPolicy()
    codes = sorted({f["code"] for f in rule_findings} | {f["code"] for f in llm_findings})
    groups: list[MatchGroup] = []
    for code in codes:
        rules = [f for f in rule_findings if f["code"] == code]
        llm = [f for f in llm_findings if f["code"] == code]
        unmatched_llm = list(llm)
        unmatched_rules = []
        for rule in rules:
            partner = next((f for f in unmatched_llm if same_statement(rule, f)), None)
            if partner is None:
                unmatched_rules.append(rule)
                continue
            unmatched_llm.remove(partner)
            groups.append(_group(code, "agree", policy.agree, (rule,), (partner,)))
        if unmatched_rules and unmatched_llm:
            groups.append(
                _group(
                    code, "conflict", policy.conflict, tuple(unmatched_rules), tuple(unmatched_llm)
                )
            )
            continue
        groups.extend(
            _group(code, "rules_only", policy.rules_only, (f,), ()) for f in unmatched_rules
        )
        groups.extend(_group(code, "llm_only", policy.llm_only, (), (f,)) for f in unmatched_llm)
    return groups


def same_statement(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two finding rows say the same: value (numbers within 1), levels, walls, segments."""
    if a["value_number"] is not None or b["value_number"] is not None:
        if a["value_number"] is None or b["value_number"] is None:
            return False
        if abs(a["value_number"] - b["value_number"]) > NUMERIC_TOLERANCE:
            return False
    elif a["value"] != b["value"]:
        return False
    return all(set(a[key] or ()) == set(b[key] or ()) for key in ("levels", "walls", "segments"))


def _group(
    code: str,
    state: State,
    decision: str,
    rules: tuple[dict[str, Any], ...],
    llm: tuple[dict[str, Any], ...],
) -> MatchGroup:
    if decision == "keep":
        kept = rules or llm  # an agreement keeps the rules' finding and its evidence
    elif decision == "rules":
        kept = rules
    elif decision == "llm":
        kept = llm
    else:
        kept = ()
    held = rules + llm if decision == "review" else ()
    return MatchGroup(code, state, decision, rules, llm, kept, held)
