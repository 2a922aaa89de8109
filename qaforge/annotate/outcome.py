"""What an item's verdicts add up to (pure).

One verdict per annotator counts (their latest). An adjudicator's verdict,
when there is one, decides. Otherwise annotators who all give the same
label (accept, reject, or correct with the same answer) decide; any
difference sends the item to adjudication.
"""

from __future__ import annotations

from collections.abc import Sequence

from qaforge.domain.annotation import Outcome, Rated
from qaforge.domain.qa import Answer

STATUS_OF_VERDICT = {"accept": "verified", "correct": "corrected", "reject": "rejected"}


def decide(
    proposed: Answer, reviews: Sequence[Rated], adjudication: Rated | None = None
) -> Outcome:
    """The outcome of an item.

    Args:
        proposed: The item's proposed answer.
        reviews: Each reviewing annotator's current verdict.
        adjudication: The designated adjudicator's verdict, if given.

    Returns:
        ``pending`` without verdicts, ``needs_adjudication`` when reviewers
        differ and no adjudicator has spoken, else verified / corrected /
        rejected with the answer the benchmark uses.
    """
    if adjudication is not None:
        return _from(adjudication, proposed, (adjudication.annotator,))
    if not reviews:
        return Outcome(status="pending")
    labels = {review.label for review in reviews}
    annotators = tuple(sorted(review.annotator for review in reviews))
    if len(labels) > 1:
        return Outcome(status="needs_adjudication", decided_by=annotators)
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
