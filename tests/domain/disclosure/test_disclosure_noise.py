"""Discrete Laplace noise: reproducible from a seed, and with the variance its ε promises."""

import math

import numpy as np
import pytest

from portal.domain.disclosure import discrete_laplace, discrete_laplace_variance

SAMPLES = 200_000


def test_same_seed_gives_the_same_noise() -> None:
    first = discrete_laplace(np.random.default_rng(7), 0.5, 1, 1000)
    again = discrete_laplace(np.random.default_rng(7), 0.5, 1, 1000)
    other = discrete_laplace(np.random.default_rng(8), 0.5, 1, 1000)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.dtype == np.int64


@pytest.mark.parametrize(
    ("epsilon", "sensitivity"), [(0.1, 1), (0.5, 1), (1.0, 1), (2.0, 1), (1.0, 4)]
)
def test_empirical_variance_matches_discrete_laplace(epsilon: float, sensitivity: int) -> None:
    # A fixed seed makes this deterministic; the 5% band is about ten standard errors wide.
    draws = discrete_laplace(np.random.default_rng(2026), epsilon, sensitivity, SAMPLES)
    expected = discrete_laplace_variance(epsilon, sensitivity)
    assert draws.var() == pytest.approx(expected, rel=0.05)
    assert abs(draws.mean()) < 5 * math.sqrt(expected / SAMPLES)


def test_probability_of_no_noise_matches_the_law() -> None:
    alpha = math.exp(-1.0)
    draws = discrete_laplace(np.random.default_rng(11), 1.0, 1, SAMPLES)
    assert np.mean(draws == 0) == pytest.approx((1 - alpha) / (1 + alpha), rel=0.02)
    # Symmetric around zero.
    assert np.mean(draws > 0) == pytest.approx(np.mean(draws < 0), abs=0.01)


def test_variance_formula_at_a_known_point() -> None:
    alpha = math.exp(-0.25)
    assert discrete_laplace_variance(1.0, 4) == pytest.approx(2 * alpha / (1 - alpha) ** 2)


@pytest.mark.parametrize(("epsilon", "sensitivity"), [(0.0, 1), (-1.0, 1), (math.inf, 1), (1, 0)])
def test_meaningless_parameters_are_rejected(epsilon: float, sensitivity: int) -> None:
    with pytest.raises(ValueError):
        discrete_laplace(np.random.default_rng(0), epsilon, sensitivity, 1)
