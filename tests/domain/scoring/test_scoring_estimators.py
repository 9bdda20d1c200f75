"""Estimators checked against numbers worked out by hand or from the distributions' definitions."""

import math

import numpy as np
import pytest
from scipy import integrate

from portal.domain.scoring import (
    ScoringInputError,
    TooFewRatersError,
    beta_proportion,
    checklist_mean,
    dissimilarity,
    exact_count,
    gamma_rate,
    rate_ratio,
)

TAIL = 0.05  # 90% equal-tailed interval
D = 6


def test_jeffreys_interval_for_7_of_10() -> None:
    # Posterior Beta(7.5, 3.5). Worked out without scipy's inverse: integrate the density
    # x^6.5 (1 − x)^2.5 / B(7.5, 3.5) with Simpson's rule and bisect for CDF = 0.05, 0.5, 0.95:
    # 0.4419, 0.6932, 0.8827.
    estimate = beta_proportion(7, 3, prior=0.5, tail=TAIL, decimals=D)
    assert estimate.lower == pytest.approx(0.4419, abs=5e-5)
    assert estimate.value == pytest.approx(0.6932, abs=5e-5)
    assert estimate.upper == pytest.approx(0.8827, abs=5e-5)
    # And the definition itself: the density's mass below each bound is the tail probability.
    log_b = math.lgamma(7.5) + math.lgamma(3.5) - math.lgamma(11.0)

    def density(x: float) -> float:
        return math.exp(6.5 * math.log(x) + 2.5 * math.log1p(-x) - log_b)

    assert integrate.quad(density, 0.0, estimate.lower)[0] == pytest.approx(0.05, abs=1e-5)
    assert integrate.quad(density, 0.0, estimate.upper)[0] == pytest.approx(0.95, abs=1e-5)


def test_gamma_rate_interval_by_chi_square_table() -> None:
    # Σw = 4 over 200,000 people for a year = 2 exposure units: λ ~ Gamma(4.5, rate 2), and
    # 2 × 2 × λ ~ χ²(9). χ²₉ table: 5% 3.3251, 50% 8.3428, 95% 16.9190, so λ = χ² / 4:
    # 0.8313, 2.0857, 4.2297 per 100,000 people per year.
    estimate = gamma_rate(4.0, 2.0, prior_shape=0.5, tail=TAIL, decimals=D)
    assert estimate.lower == pytest.approx(0.8313, abs=5e-5)
    assert estimate.value == pytest.approx(2.0857, abs=5e-5)
    assert estimate.upper == pytest.approx(4.2297, abs=5e-5)


def test_no_verified_incident_still_has_an_honest_upper_bound() -> None:
    # Gamma(0.5, rate 50): 100 λ ~ χ²(1), whose 95% point is 3.8415, so the upper bound is 0.0384.
    estimate = gamma_rate(0.0, 50.0, prior_shape=0.5, tail=TAIL, decimals=D)
    assert estimate.upper == pytest.approx(0.038415, abs=5e-6)
    assert estimate.lower >= 0.0


def test_rates_refuse_impossible_inputs() -> None:
    with pytest.raises(ScoringInputError):
        gamma_rate(-1.0, 2.0, prior_shape=0.5, tail=TAIL, decimals=D)
    with pytest.raises(ScoringInputError):
        gamma_rate(1.0, 0.0, prior_shape=0.5, tail=TAIL, decimals=D)


def test_checklist_t_interval_by_hand() -> None:
    # Raters 50, 60, 70: mean 60, s = 10, t(0.95; 2) = 2.9200, half-width 2.92 × 10 / √3 = 16.8585.
    estimate = checklist_mean([50.0, 60.0, 70.0], tail=TAIL, decimals=D)
    assert estimate.value == 60.0
    assert estimate.lower == pytest.approx(43.1415, abs=5e-4)
    assert estimate.upper == pytest.approx(76.8585, abs=5e-4)


def test_checklist_interval_stays_within_0_and_100() -> None:
    estimate = checklist_mean([40.0, 95.0], tail=TAIL, decimals=D)
    assert (estimate.lower, estimate.upper) == (0.0, 100.0)
    agreed = checklist_mean([70.0, 70.0], tail=TAIL, decimals=D)
    assert (agreed.lower, agreed.value, agreed.upper) == (70.0, 70.0, 70.0)


def test_checklist_refuses_a_single_rater() -> None:
    with pytest.raises(TooFewRatersError):
        checklist_mean([80.0], tail=TAIL, decimals=D)
    with pytest.raises(ScoringInputError):
        checklist_mean([80.0, 101.0], tail=TAIL, decimals=D)


def test_dissimilarity_point_and_reproducible_bootstrap() -> None:
    # Force 60/40 against a population of 50/50: D = ½ (|0.6 − 0.5| + |0.4 − 0.5|) = 0.1.
    def run(seed: int) -> tuple[float, float, float]:
        e = dissimilarity([60, 40], [0.5, 0.5], np.random.default_rng(seed),
                          resamples=2000, tail=TAIL, decimals=D)
        return e.lower, e.value, e.upper

    lower, value, upper = run(7)
    assert value == pytest.approx(0.1, abs=1e-15)  # unrounded: judged as computed
    assert lower <= value <= upper
    assert lower >= 0.0 and upper < 0.25
    assert run(7) == run(7)


def test_dissimilarity_refuses_shares_that_do_not_sum_to_one() -> None:
    with pytest.raises(ScoringInputError):
        dissimilarity([5, 5], [0.5, 0.6], np.random.default_rng(0),
                      resamples=200, tail=TAIL, decimals=D)


def test_rate_ratio_of_equal_groups_is_centred_on_one() -> None:
    # Equal posteriors: the F(2a, 2a) median is 1 exactly, and the interval is symmetric in logs.
    ratio = rate_ratio([5.0, 5.0], [1e6, 1e6], prior_shape=0.5, tail=TAIL, decimals=D)
    assert ratio.estimate.value == pytest.approx(1.0, abs=1e-12)
    assert ratio.estimate.lower * ratio.estimate.upper == pytest.approx(1.0, abs=1e-5)
    assert ratio.most_affected == 0


def test_rate_ratio_agrees_with_simulating_the_two_posteriors() -> None:
    # Group 1: Σw 12 over 1M; the rest: Σw 6 over 3M. Draw both Gamma posteriors and take quantiles
    # of their ratio: an independent check of the F-distribution identity used by the estimator.
    ratio = rate_ratio([6.0, 12.0], [3e6, 1e6], prior_shape=0.5, tail=TAIL, decimals=D)
    assert ratio.most_affected == 1
    rng = np.random.default_rng(2026)
    draws = rng.gamma(12.5, 1 / 1e6, 400_000) / rng.gamma(6.5, 1 / 3e6, 400_000)
    low, mid, high = np.quantile(draws, [0.05, 0.5, 0.95])
    assert ratio.estimate.lower == pytest.approx(low, rel=0.02)
    assert ratio.estimate.value == pytest.approx(mid, rel=0.02)
    assert ratio.estimate.upper == pytest.approx(high, rel=0.02)


def test_a_count_is_its_own_interval() -> None:
    assert exact_count(2) == exact_count(2)
    estimate = exact_count(2)
    assert (estimate.lower, estimate.value, estimate.upper) == (2.0, 2.0, 2.0)
    with pytest.raises(ScoringInputError):
        exact_count(-1)
