"""Agreement between annotators: Cohen's kappa per pair, Fleiss' kappa and Krippendorff's alpha.

A rating is an opaque label per (item, annotator), e.g. ``accept``,
``reject`` or ``correct:B``: two ratings agree only when their labels are
equal strings. Label Studio's community edition reports no agreement; these
figures are what ``qaforge annotate status`` prints.

The coefficients are the libraries' (:mod:`qaforge.libs.stats`): Cohen's
kappa from scikit-learn, Fleiss' kappa from statsmodels (defined for the same
number of raters on every item: ``None`` where the number varies) and
Krippendorff's nominal alpha from ``krippendorff``, which holds for any
number of raters per item.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from pydantic import BaseModel, ConfigDict

from qaforge.annotate.outcome import rated_verdict
from qaforge.libs import stats


class Rating(BaseModel):
    """One annotator's label on one item of one subtask."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    subtask_id: str
    annotator: str
    label: str


class PairAgreement(BaseModel):
    """Agreement of two annotators on the items both rated.

    Attributes:
        annotator_a: The first annotator (``annotator_a < annotator_b``).
        annotator_b: The second annotator.
        n_items: Items both rated.
        kappa: Cohen's kappa over those items (``None`` when undefined).
        observed: Share of those items with equal labels.
    """

    model_config = ConfigDict(frozen=True)

    annotator_a: str
    annotator_b: str
    n_items: int
    kappa: float | None
    observed: float | None


class SubtaskAgreement(BaseModel):
    """Agreement within one subtask (or ``all``).

    Attributes:
        subtask_id: The subtask, or ``all``.
        n_items: Items with at least one rating.
        n_multi: Items with two or more ratings (the ones agreement is over).
        percent_agreement: Share of those whose labels are all equal.
        fleiss: Fleiss' kappa over those items (``None`` when the number of
            ratings varies between them).
        krippendorff_alpha: Krippendorff's nominal alpha over those items.
        pairs: Cohen's kappa of each pair of annotators that share an item,
            sorted by ``(annotator_a, annotator_b)``.
    """

    model_config = ConfigDict(frozen=True)

    subtask_id: str
    n_items: int
    n_multi: int
    percent_agreement: float | None
    fleiss: float | None
    pairs: tuple[PairAgreement, ...]
    krippendorff_alpha: float | None = None


class AgreementReport(BaseModel):
    """Agreement over all items (``overall.subtask_id == "all"``) and per subtask (sorted by id)."""

    model_config = ConfigDict(frozen=True)

    overall: SubtaskAgreement
    subtasks: tuple[SubtaskAgreement, ...]


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters over the items both rated (scikit-learn's).

    Args:
        pairs: One ``(label of rater A, label of rater B)`` per item.

    Returns:
        Kappa in ``[-1, 1]``, or ``None`` when there are no pairs or chance
        agreement is 1 (both raters used one same label throughout).
    """
    return stats.cohen_kappa([a for a, _ in pairs], [b for _, b in pairs])


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa (statsmodels') over items, each with the labels its raters gave.

    Items with fewer than two ratings are left out.

    Args:
        items: One sequence of labels per item, one label per rater.

    Returns:
        Kappa (at most 1), or ``None`` when no item has two ratings, every
        rating is the same label, or the items left have different numbers of
        ratings (Fleiss' kappa assumes a fixed number: see
        :func:`krippendorff_alpha`).
    """
    usable = [labels for labels in items if len(labels) >= 2]
    if not usable or len({len(labels) for labels in usable}) > 1:
        return None
    return stats.fleiss_kappa(usable)


def krippendorff_alpha(items: Sequence[Sequence[str]]) -> float | None:
    """Krippendorff's nominal alpha over items with any number of ratings each.

    Returns:
        Alpha, or ``None`` when no item has two ratings or one label is used throughout.
    """
    return stats.krippendorff_alpha(items)


def percent_agreement(items: Sequence[Sequence[str]]) -> float | None:
    """Share of items with two or more ratings whose labels are all equal.

    Args:
        items: One sequence of labels per item, one label per rater.

    Returns:
        The share in ``[0, 1]``, or ``None`` when no item has two ratings.
    """
    usable = [labels for labels in items if len(labels) >= 2]
    if not usable:
        return None
    return sum(len(set(labels)) == 1 for labels in usable) / len(usable)


def agreement_report(ratings: Iterable[Rating]) -> AgreementReport:
    """Agreement over all ratings and per subtask.

    When an annotator rated an item more than once, only the last rating in
    input order counts. Items with a single rating count in ``n_items`` but
    not in any agreement figure. A pair of annotators appears only where the
    two share at least one item.

    Args:
        ratings: The ratings, in the order they were given.

    Returns:
        The report: ``overall`` over every item (subtask id ``all``) and one
        entry per subtask, sorted by subtask id.
    """
    latest = _latest_ratings(ratings)
    by_subtask: dict[str, list[Rating]] = defaultdict(list)
    for rating in latest:
        by_subtask[rating.subtask_id].append(rating)
    return AgreementReport(
        overall=_subtask_agreement("all", latest),
        subtasks=tuple(_subtask_agreement(s, by_subtask[s]) for s in sorted(by_subtask)),
    )


def disagreements(ratings: Iterable[Rating]) -> dict[str, dict[str, str]]:
    """Items two or more annotators rated with labels that are not all equal.

    The last rating of an annotator on an item (in input order) counts.

    Args:
        ratings: The ratings, in the order they were given.

    Returns:
        ``item_id -> {annotator: label}``, items and annotators sorted.
    """
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for rating in _latest_ratings(ratings):
        labels[rating.item_id][rating.annotator] = rating.label
    return {
        item: dict(sorted(by.items()))
        for item, by in sorted(labels.items())
        if len(by) >= 2 and len(set(by.values())) > 1
    }


def review_ratings(verdicts: Iterable[Mapping[str, Any]]) -> list[Rating]:
    """The review verdicts among stored verdicts, as ratings (adjudications are left out).

    Args:
        verdicts: Current verdicts in the order given (``purpose``,
            ``item_id``, ``subtask_id``, ``annotator``, ``verdict``,
            ``corrected_answer``).

    Returns:
        One rating per review verdict, in input order; its label is the
        verdict's (``accept``, ``reject`` or ``correct:<answer>``).
    """
    return [
        Rating(
            item_id=row["item_id"],
            subtask_id=row["subtask_id"],
            annotator=row["annotator"],
            label=rated_verdict(row).label,
        )
        for row in verdicts
        if row["purpose"] == "review"
    ]


def annotator_counts(ratings: Iterable[Rating]) -> dict[str, int]:
    """Ratings per annotator, annotators sorted."""
    return dict(sorted(Counter(rating.annotator for rating in ratings).items()))


def _latest_ratings(ratings: Iterable[Rating]) -> list[Rating]:
    latest: dict[tuple[str, str], Rating] = {}
    for rating in ratings:
        latest[(rating.item_id, rating.annotator)] = rating
    return list(latest.values())


def _subtask_agreement(subtask_id: str, ratings: list[Rating]) -> SubtaskAgreement:
    per_item: dict[str, dict[str, str]] = defaultdict(dict)
    for rating in ratings:
        per_item[rating.item_id][rating.annotator] = rating.label
    item_labels = [list(by.values()) for by in per_item.values()]
    annotators = sorted({rating.annotator for rating in ratings})
    pairs = []
    for a, b in combinations(annotators, 2):
        shared = [(by[a], by[b]) for by in per_item.values() if a in by and b in by]
        if not shared:
            continue
        pairs.append(
            PairAgreement(
                annotator_a=a,
                annotator_b=b,
                n_items=len(shared),
                kappa=cohen_kappa(shared),
                observed=sum(x == y for x, y in shared) / len(shared),
            )
        )
    return SubtaskAgreement(
        subtask_id=subtask_id,
        n_items=len(per_item),
        n_multi=sum(len(labels) >= 2 for labels in item_labels),
        percent_agreement=percent_agreement(item_labels),
        fleiss=fleiss_kappa(item_labels),
        krippendorff_alpha=krippendorff_alpha(item_labels),
        pairs=tuple(pairs),
    )
