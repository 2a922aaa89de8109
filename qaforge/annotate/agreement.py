"""Agreement between annotators: Cohen's kappa per pair, Fleiss' kappa overall (pure).

A rating is an opaque label per (item, annotator), e.g. ``accept``,
``reject`` or ``correct:B``: two ratings agree only when their labels are
equal strings. Label Studio's community edition reports no agreement; these
figures are what ``qaforge annotate status`` prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from pydantic import BaseModel, ConfigDict

from qaforge.annotate.outcome import rated_verdict


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
        fleiss: Fleiss' kappa over those items.
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


class AgreementReport(BaseModel):
    """Agreement over all items (``overall.subtask_id == "all"``) and per subtask (sorted by id)."""

    model_config = ConfigDict(frozen=True)

    overall: SubtaskAgreement
    subtasks: tuple[SubtaskAgreement, ...]


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters over the items both rated.

    ``kappa = (po - pe) / (1 - pe)``, where ``po`` is the share of pairs with
    equal labels and ``pe = sum_k pA(k) * pB(k)``, with ``pA(k)`` and ``pB(k)``
    each rater's own share of label ``k``.

    Args:
        pairs: One ``(label of rater A, label of rater B)`` per item.

    Returns:
        Kappa in ``[-1, 1]``, or ``None`` when there are no pairs or
        ``pe == 1`` (both raters used one same label throughout).
    """
    n = len(pairs)
    if n == 0:
        return None
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    # In counts, so that "pe == 1" is an exact integer test: pe = chance_count / n^2.
    chance_count = sum(first[k] * second[k] for k in first)
    if chance_count == n * n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    expected = chance_count / (n * n)
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa over items, each with the labels its raters gave.

    Items with fewer than two ratings are left out; the number of raters may
    vary by item. For each used item ``i`` with ``n_i`` ratings, ``n_ij`` of
    them label ``j``: ``P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1))``;
    ``P_bar = mean_i P_i``; ``p_j`` = share of all ratings on used items that
    are label ``j``; ``Pe = sum_j p_j^2``; ``kappa = (P_bar - Pe) / (1 - Pe)``.
    With the same number of raters on every item this is Fleiss' (1971)
    formula; with exactly two per item it is Scott's pi.

    Args:
        items: One sequence of labels per item, one label per rater.

    Returns:
        Kappa (at most 1), or ``None`` when no item has two ratings or
        ``Pe == 1`` (every rating is the same label).
    """
    usable = [labels for labels in items if len(labels) >= 2]
    if not usable:
        return None
    per_item = []
    totals: Counter[str] = Counter()
    for labels in usable:
        counts = Counter(labels)
        n = len(labels)
        per_item.append(sum(c * (c - 1) for c in counts.values()) / (n * (n - 1)))
        totals.update(counts)
    all_ratings = sum(totals.values())
    square_sum = sum(c * c for c in totals.values())
    if square_sum == all_ratings * all_ratings:  # Pe == 1, exactly
        return None
    mean_agreement = sum(per_item) / len(per_item)
    expected = square_sum / (all_ratings * all_ratings)
    return (mean_agreement - expected) / (1.0 - expected)


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
        pairs=tuple(pairs),
    )
