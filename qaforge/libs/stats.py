"""The one statistics module: scipy.stats, statsmodels, scikit-learn and krippendorff.

Intervals, tests and agreement coefficients as plain functions over Python
values, so the stages never import a statistics library themselves:

- :func:`proportion_interval`: Wilson score interval of a proportion
  (statsmodels). Wilson rather than Clopper-Pearson: its coverage stays near
  the nominal 95 % for the small per-subtask counts of a benchmark, where
  Clopper-Pearson is conservative (wider than it needs to be); and unlike the
  percentile bootstrap it does not collapse to [1, 1] at 3 of 3 correct.
- :func:`bca_interval`: BCa bootstrap interval of any statistic over items
  (``scipy.stats.bootstrap``); ``None`` when the sample is degenerate.
- :func:`mcnemar_p`: McNemar's test of two paired accuracies (statsmodels),
  exact binomial for small discordant counts.
- :func:`paired_permutation_p`: paired permutation test of a difference of
  any statistic (``scipy.stats.permutation_test``, outcomes swapped per item).
- :func:`chi_square_uniform_p`, :func:`cohen_kappa`, :func:`fleiss_kappa`,
  :func:`krippendorff_alpha`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable, Sequence

import numpy as np

# scipy.stats, statsmodels, scikit-learn and krippendorff are imported inside the
# functions: together they take over a second to import, and the generate stage
# (which needs only the chi-square test) should not pay for the rest.

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
PERMUTATION_RESAMPLES = 4000
EXACT_MCNEMAR_BELOW = 25
"""Discordant pairs below which McNemar's test is the exact binomial one (the chi-square
approximation needs enough discordant pairs)."""


def proportion_interval(successes: int, total: int) -> tuple[float, float] | None:
    """95 % Wilson score interval of ``successes / total``; ``None`` for no items."""
    from statsmodels.stats.proportion import proportion_confint

    if total == 0:
        return None
    low, high = proportion_confint(successes, total, alpha=1 - CONFIDENCE, method="wilson")
    return (float(low), float(high))


def bca_interval(
    count: int, statistic: Callable[[Sequence[int]], float], *, seed: int = 0
) -> tuple[float, float] | None:
    """95 % BCa bootstrap interval of ``statistic`` over resamples of ``count`` items.

    Args:
        count: The number of items.
        statistic: Item indices (a resample, with repeats) -> the metric.
        seed: Seed of the resampling.

    Returns:
        ``(low, high)``, or ``None`` when there are fewer than two items or the
        bootstrap distribution is degenerate (e.g. every item scores the same),
        where BCa has no interval to give.
    """
    from scipy import stats

    if count < 2:
        return None
    indices = np.arange(count)
    with warnings.catch_warnings():
        # scipy warns (DegenerateDataWarning, RuntimeWarning) and returns NaN on
        # degenerate samples; NaN is the signal handled below.
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            (indices,),
            lambda sample: statistic([int(i) for i in sample]),
            vectorized=False,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=CONFIDENCE,
            method="BCa",
            rng=np.random.default_rng(seed),
        )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if math.isnan(low) or math.isnan(high):
        return None
    return (low, high)


def mcnemar_p(only_first: int, only_second: int) -> float:
    """Two-sided p-value of McNemar's test from the discordant counts.

    Args:
        only_first: Items the first model got right and the second wrong.
        only_second: Items the second got right and the first wrong.

    Returns:
        The p-value (1 when there is no discordant pair).
    """
    from statsmodels.stats.contingency_tables import mcnemar

    discordant = only_first + only_second
    if discordant == 0:
        return 1.0
    table = [[0, only_first], [only_second, 0]]
    exact = discordant < EXACT_MCNEMAR_BELOW
    return float(mcnemar(table, exact=exact, correction=True).pvalue)


def paired_permutation_p(
    count: int, difference: Callable[[Sequence[int], Sequence[int]], float], *, seed: int = 0
) -> float | None:
    """Two-sided p-value of a paired permutation test of a metric difference.

    Outcome ``i`` of the first model is index ``i``, of the second ``count + i``;
    a permutation swaps the two outcomes of some items (exact when ``2^count``
    is at most the resample budget).

    Args:
        count: Items scored by both models.
        difference: (outcome indices of "first", of "second") -> metric(first) - metric(second).
        seed: Seed of the random permutations.

    Returns:
        The p-value, or ``None`` for no items.
    """
    from scipy import stats

    if count == 0:
        return None
    first = np.arange(count)
    second = first + count
    result = stats.permutation_test(
        (first, second),
        lambda x, y: difference([int(i) for i in x], [int(i) for i in y]),
        permutation_type="samples",
        vectorized=False,
        n_resamples=PERMUTATION_RESAMPLES,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return float(min(1.0, result.pvalue))


def chi_square_uniform_p(counts: Sequence[int]) -> float:
    """p-value of Pearson's chi-square test that ``counts`` come from a uniform distribution.

    Returns 1 for fewer than two categories or no observations.
    """
    from scipy import stats

    if len(counts) < 2 or sum(counts) == 0:
        return 1.0
    return float(stats.chisquare(list(counts)).pvalue)


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items (scikit-learn).

    Returns:
        Kappa, or ``None`` when there is no item or chance agreement is 1 (both
        raters used one same label throughout), where kappa is undefined.
    """
    from sklearn.metrics import cohen_kappa_score

    if not first or (len(set(first)) == 1 and set(first) == set(second)):
        return None
    return float(cohen_kappa_score([str(x) for x in first], [str(x) for x in second]))


def fleiss_kappa(items: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa (statsmodels) over items that each have the same number of ratings.

    Args:
        items: One sequence of labels per item, all of one length (at least two).

    Returns:
        Kappa, or ``None`` when there is no item or every rating is the same label.

    Raises:
        ValueError: When the items have different numbers of ratings (use
            :func:`krippendorff_alpha`).
    """
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

    if not items:
        return None
    if len({len(labels) for labels in items}) != 1 or len(items[0]) < 2:
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of ratings per item")
    codes = _codes(items)
    if len(set(codes.values())) < 2:
        return None
    table, _ = aggregate_raters(np.array([[codes[x] for x in labels] for labels in items]))
    return float(statsmodels_fleiss(table, method="fleiss"))


def krippendorff_alpha(items: Sequence[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) over items rated by any number of raters.

    Args:
        items: One sequence of labels per item (items with fewer than two are
            not pairable and carry no information).

    Returns:
        Alpha, or ``None`` when no item has two ratings or only one label is used.
    """
    import krippendorff

    usable = [list(labels) for labels in items if len(labels) >= 2]
    codes = _codes(usable)
    if not usable or len(set(codes.values())) < 2:
        return None
    width = max(len(labels) for labels in usable)
    # krippendorff reads a raters x items matrix; a rater slot an item lacks is NaN.
    data = np.full((width, len(usable)), np.nan)
    for column, labels in enumerate(usable):
        for row, label in enumerate(labels):
            data[row, column] = codes[label]
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _codes(items: Sequence[Sequence[Hashable]]) -> dict[Hashable, int]:
    labels = sorted({str(x) for labels in items for x in labels})
    index = {label: i for i, label in enumerate(labels)}
    return {x: index[str(x)] for labels in items for x in labels}
