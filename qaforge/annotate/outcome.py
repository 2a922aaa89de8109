"""What an item's verdicts add up to (pure).

One verdict per annotator counts (their latest). An adjudicator's verdict,
when there is one, decides. Otherwise annotators who all give the same
label (accept, reject, or correct with the same answer) decide once as many
have read the item as its project requires (the push's ``--overlap``); any
difference sends the item to adjudication at once. :func:`outcome_rows` applies
the rule to every item with current verdicts and says which stored
outcomes change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qaforge.domain.annotation import Outcome, Rated
from qaforge.domain.qa import Answer

STATUS_OF_VERDICT = {"accept": "verified", "correct": "corrected", "reject": "rejected"}
OUTCOME_KEYS = ("status", "answer", "decided_by", "provenance")


def decide(
    proposed: Answer,
    reviews: Sequence[Rated],
    adjudication: Rated | None = None,
    *,
    reads_required: int = 1,
) -> Outcome:
    """The outcome of an item.

    Args:
        proposed: The item's proposed answer.
        reviews: Each reviewing annotator's current verdict.
        adjudication: The designated adjudicator's verdict, if given.
        reads_required: Reviewers who must have read the item before they decide it.

    Returns:
        ``needs_adjudication`` when reviewers differ and no adjudicator has
        spoken; ``pending`` while fewer than ``reads_required`` agree (or
        none has read it); else verified / corrected / rejected with the
        answer the benchmark uses.
    """
    if adjudication is not None:
        return _from(adjudication, proposed, (adjudication.annotator,))
    labels = {review.label for review in reviews}
    annotators = tuple(sorted(review.annotator for review in reviews))
    if len(labels) > 1:
        return Outcome(status="needs_adjudication", decided_by=annotators)
    if not reviews or len(reviews) < reads_required:
        return Outcome(status="pending")
    return _from(reviews[0], proposed, annotators)


def _from(rated: Rated, proposed: Answer, annotators: tuple[str, ...]) -> Outcome:
    status = STATUS_OF_VERDICT[rated.verdict]
    if status == "corrected":
        answer = rated.corrected_answer
        if answer == proposed:
            # Choosing "correct" and keeping the proposed answer is an accept.
            return Outcome(status="verified", answer=proposed, decided_by=annotators)
        return Outcome(status="corrected", answer=answer, decided_by=annotators)
    if status == "rejected":
        return Outcome(status="rejected", decided_by=annotators)
    return Outcome(status="verified", answer=proposed, decided_by=annotators)


def rated_verdict(row: Mapping[str, Any]) -> Rated:
    """A stored verdict (``annotator``, ``verdict``, ``corrected_answer``) as the rule reads it."""
    return Rated(
        annotator=row["annotator"],
        verdict=row["verdict"],
        corrected_answer=row["corrected_answer"],
    )


def outcome_rows(
    verdicts: Iterable[Mapping[str, Any]], before: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every reviewed item's outcome, recomputed from its current verdicts.

    Args:
        verdicts: The current verdicts, oldest first (``item_id``,
            ``annotator``, ``verdict``, ``corrected_answer``, ``answer`` (the
            proposed one), ``purpose``, ``adjudicator``, ``reads_required``,
            ``external_task_id``, ``external_annotation_id``); a later
            verdict of an annotator wins.
        before: Item id -> its stored outcome row.

    Returns:
        Outcome rows (``item_id``, ``status``, ``answer``, ``decided_by``,
        ``provenance``) in item id order, only those that differ from
        ``before``; an item with a stored outcome and no verdict left goes
        back to ``pending``.
    """
    reviews: dict[str, dict[str, Rated]] = defaultdict(dict)
    adjudications: dict[str, Rated] = {}
    sources: dict[str, list[dict[str, int]]] = defaultdict(list)
    proposed: dict[str, Any] = {}
    reads_required: dict[str, int] = defaultdict(lambda: 1)
    for row in verdicts:
        item_id = row["item_id"]
        proposed[item_id] = row["answer"]
        if row["purpose"] == "adjudication":
            if row["adjudicator"] and row["annotator"] != row["adjudicator"]:
                continue
            adjudications[item_id] = rated_verdict(row)
        else:
            reviews[item_id][row["annotator"]] = rated_verdict(row)
            reads_required[item_id] = max(reads_required[item_id], row["reads_required"])
        sources[item_id].append(
            {"task": row["external_task_id"], "annotation": row["external_annotation_id"]}
        )
    rows = []
    for item_id in sorted(set(proposed) | set(before)):
        if item_id in proposed:
            rated = list(reviews[item_id].values())
            outcome = decide(
                proposed[item_id],
                rated,
                adjudications.get(item_id),
                reads_required=reads_required[item_id],
            )
            row = _outcome_row(item_id, outcome, rated, sources[item_id])
        else:
            row = _outcome_row(item_id, Outcome(status="pending"), [], None)
        old = before.get(item_id)
        if old is None or any(old[k] != row[k] for k in OUTCOME_KEYS):
            rows.append(row)
    return rows


def _outcome_row(
    item_id: str,
    outcome: Outcome,
    rated: Sequence[Rated],
    sources: Sequence[dict[str, int]] | None,
) -> dict[str, Any]:
    """A stored outcome row; its provenance names the annotations (empty without verdicts)."""
    provenance: dict[str, Any] = {}
    if sources is not None:
        provenance = {
            "source": "label_studio",
            "annotations": list(sources),
            "verdicts": [{"annotator": r.annotator, "label": r.label} for r in rated],
        }
    return {
        "item_id": item_id,
        "status": outcome.status,
        "answer": outcome.answer,
        "decided_by": list(outcome.decided_by),
        "provenance": provenance,
    }
