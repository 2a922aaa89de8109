"""The statistics module: intervals, tests and agreement against closed forms worked by hand."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest

from qaforge.libs.stats import (
    bca_interval,
    chi_square_uniform_p,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    mcnemar_p,
    proportion_interval,
)

Z = 1.959963984540054  # the 97.5 % normal quantile


def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("successes", "n"), [(3, 3), (0, 3), (1, 2), (0, 2), (7, 20), (50, 51)])
def test_the_proportion_interval_is_wilsons(successes, n):
    assert proportion_interval(successes, n) == pytest.approx(wilson(successes, n), abs=1e-12)


def test_small_samples_get_informative_intervals_not_degenerate_ones():
    low, high = proportion_interval(3, 3)
    assert low == pytest.approx(0.4385, abs=1e-4) and high == pytest.approx(1.0)
    low, high = proportion_interval(1, 2)  # the percentile bootstrap says [0, 1]
    assert 0.0 < low < 0.5 < high < 1.0
    assert proportion_interval(0, 0) is None


def test_bca_on_equal_values_gives_no_interval_and_on_spread_values_one_around_the_mean():
    assert bca_interval(5, lambda ix: 0.7) is None
    assert bca_interval(1, lambda ix: float(len(ix))) is None
    values = [0.1, 0.9, 0.4, 0.6, 0.3, 0.8, 0.2, 0.7]

    def mean(ix):
        return sum(values[i] for i in ix) / len(ix)

    low, high = bca_interval(len(values), mean, seed=1)
    assert min(values) <= low < 0.5 < high <= max(values)
    assert bca_interval(len(values), mean, seed=1) == (low, high)


@pytest.mark.parametrize(("only_first", "only_second"), [(0, 1), (6, 0), (3, 9), (12, 12)])
def test_mcnemar_below_25_discordant_is_the_exact_binomial(only_first, only_second):
    expected = binomtest(only_first, only_first + only_second, 0.5).pvalue
    assert mcnemar_p(only_first, only_second) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_from_25_discordant_is_the_corrected_chi_square():
    # (|30 - 10| - 1)^2 / 40 = 9.025 on one degree of freedom: erfc(sqrt(9.025 / 2))
    assert mcnemar_p(30, 10) == pytest.approx(math.erfc(math.sqrt(9.025 / 2)), rel=1e-12)
    assert mcnemar_p(0, 0) == 1.0


def test_chi_square_uniform_p_closed_forms():
    assert chi_square_uniform_p([10, 20, 30]) == pytest.approx(math.exp(-5), rel=1e-12)
    assert chi_square_uniform_p([5]) == 1.0 and chi_square_uniform_p([0, 0]) == 1.0


def test_kappas_and_alpha_on_a_two_by_two_table():
    # A: yes yes no no yes; B: yes no no no yes -> po = 4/5;
    # pA(yes) = 3/5, pB(yes) = 2/5 -> pe = 6/25 + 6/25 = 12/25; kappa = (20/25 - 12/25) / (13/25)
    first, second = ["y", "y", "n", "n", "y"], ["y", "n", "n", "n", "y"]
    assert cohen_kappa(first, second) == pytest.approx(8 / 13, abs=1e-12)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None
    items = [list(pair) for pair in zip(first, second, strict=True)]
    # Scott's pi: pooled yes = 5/10 -> pe = 1/2; (4/5 - 1/2) / (1/2) = 3/5
    assert fleiss_kappa(items) == pytest.approx(3 / 5, abs=1e-12)
    # alpha = 1 - (2n - 1) * disagreeing coincidences / sum_{c != k} n_c n_k = 1 - 9 * 2 / 50
    assert krippendorff_alpha(items) == pytest.approx(1 - 18 / 50, abs=1e-12)
    with pytest.raises(ValueError):
        fleiss_kappa([["y", "n"], ["y", "n", "n"]])
