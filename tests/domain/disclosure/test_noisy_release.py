"""Issue 10, point 8: the public figures are not invented by the noise.

The central property is checked twice: analytically (P(Z ≥ τ) from the discrete-Laplace law)
and by drawing the release's own noise 10⁶ times, vectorised, through the same decision the
release uses (`shown_by_noise`), then once more end to end through `noisy_figures`.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import discrete_laplace
from portal.domain.disclosure.noisy import (
    Allocation,
    AreaCounts,
    Hidden,
    level_for,
    noise_interval,
    noisy_figures,
    shown_by_noise,
    tail_at_least,
)

DRAWS = 1_000_000


def _exact_tail(epsilon: float, k: int) -> float:
    # Independent of the module: sum the pmf P(z) = (1 − α)/(1 + α)·α^|z| from k upwards.
    alpha = math.exp(-epsilon)
    return (1 - alpha) / (1 + alpha) * alpha**k / (1 - alpha)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    epsilon=st.sampled_from([Decimal("0.25"), Decimal("0.3333"), Decimal("0.5"), Decimal("1")]),
    regions=st.integers(1, 90),
    share=st.sampled_from([Decimal("0.2"), Decimal("0.4"), Decimal("0.6")]),
    seed=st.integers(0, 2**32),
)
def test_a_true_zero_is_never_published_as_11_or_more_over_a_million_draws(
    epsilon: Decimal, regions: int, share: Decimal, seed: int
) -> None:
    allocation = Allocation(total_share=share)
    rng = np.random.default_rng(seed)
    for level in allocation.levels(epsilon, regions):
        assert level.threshold >= 11
        # Analytically: the chance is at most 10⁻⁶ for the whole release, so for each figure.
        assert _exact_tail(level.epsilon, level.threshold) == pytest.approx(level.zero_risk)
        assert level.zero_risk * (regions + 1) <= 1e-6 and level.zero_risk <= 1e-8
        # Empirically: a million true zeros through the release's noise and decision.
        noisy = 0 + discrete_laplace(rng, level.epsilon, 1, DRAWS)
        assert not shown_by_noise(noisy, level.threshold).any()
        # ... and the threshold is not absurd: a count of τ + 3h is shown almost always.
        big = level.threshold + 3 * level.interval + discrete_laplace(rng, level.epsilon, 1, 1000)
        assert shown_by_noise(big, level.threshold).mean() > 0.99


def test_end_to_end_a_million_zero_regions_show_nothing() -> None:
    # 200 regions × 5000 releases = 10⁶ true-zero figures drawn through `noisy_figures`.
    regions = tuple(f"XX-{i}" for i in range(200))
    exact = AreaCounts(regions, (0,) * 200, (0,) * 200, 0)
    rng = np.random.default_rng(20261206)
    for _ in range(5000):
        figures = noisy_figures(exact, Decimal("0.5"), Allocation(), rng)
        assert not figures.total.shown
        assert not any(f.shown for f in figures.regions)


@pytest.mark.parametrize("epsilon", [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0])
def test_the_printed_margin_is_the_90_percent_noise_interval(epsilon: float) -> None:
    h = noise_interval(epsilon)
    inside = 1 - 2 * tail_at_least(epsilon, h + 1)
    assert inside >= 0.9
    assert h == 0 or 1 - 2 * tail_at_least(epsilon, h) < 0.9  # the smallest such h
    draws = discrete_laplace(np.random.default_rng(3), epsilon, 1, 200_000)
    assert (np.abs(draws) <= h).mean() == pytest.approx(inside, abs=0.005)


def test_the_threshold_is_the_smallest_that_keeps_the_promise() -> None:
    level = level_for(0.3, 20, 11, 1e-6)
    assert tail_at_least(0.3, level.threshold) <= 1e-8  # 10⁻⁶ over at least 100 figures
    assert tail_at_least(0.3, level.threshold - 1) > 1e-8
    level = level_for(0.3, 400, 11, 1e-6)
    assert tail_at_least(0.3, level.threshold) <= 1e-6 / 400
    assert tail_at_least(0.3, level.threshold - 1) > 1e-6 / 400
    assert level_for(5.0, 1, 11, 1e-6).threshold == 11  # never below the smallest shown


area = st.integers(1, 25).flatmap(
    lambda m: st.tuples(
        st.lists(st.one_of(st.integers(0, 10), st.integers(0, 400)), min_size=m, max_size=m),
        st.lists(st.integers(1, 12), min_size=m, max_size=m),
    )
)


@settings(max_examples=200, deadline=None)
@given(area=area, seed=st.integers(0, 2**32), epsilon=st.sampled_from(["0.3333", "0.5", "2"]))
def test_parts_and_totals_agree_and_nothing_small_is_shown(
    area: tuple[list[int], list[int]], seed: int, epsilon: str
) -> None:
    counts, sources = area
    contributors = [min(c, k) if c else 0 for c, k in zip(counts, sources, strict=True)]
    exact = AreaCounts(
        tuple(f"XX-{i}" for i in range(len(counts))),
        tuple(counts),
        tuple(contributors),
        min(sum(contributors), 40),
    )
    figures = noisy_figures(exact, Decimal(epsilon), Allocation(), np.random.default_rng(seed))
    shown = [f.value for f in figures.regions if f.value is not None]
    assert all(v >= 11 for v in shown)
    for figure, k, count in zip(figures.regions, contributors, counts, strict=True):
        if count > 0 and k < 5:
            assert figure.hidden is Hidden.FEW_SOURCES
        if figure.shown:
            assert figure.interval == figures.region_level.interval
    if figures.total.value is not None:
        assert figures.total.value >= 11
        assert sum(shown) <= figures.total.value
        if len(shown) == len(counts):
            assert sum(shown) == figures.total.value
        # A shown total never leaves exactly one region to be worked out by subtraction.
        assert len(counts) - len(shown) != 1


def test_large_counts_are_shown_close_to_the_truth() -> None:
    exact = AreaCounts(("A", "B", "C", "D"), (500, 800, 0, 300), (40, 60, 0, 30), 90)
    figures = noisy_figures(exact, Decimal("0.5"), Allocation(), np.random.default_rng(1))
    a, b, c, d = figures.regions
    for figure, truth in ((a, 500), (b, 800)):
        assert figure.value is not None and abs(figure.value - truth) <= 3 * figure.interval
    assert c.hidden is Hidden.TOO_FEW
    # C alone hidden under a shown total would be the total minus the others: the smallest
    # shown region (D) is withheld with it.
    assert d.hidden is Hidden.WITHHELD
    assert sum(f.value is None for f in figures.regions) == 2
    assert figures.total.value is not None and abs(figures.total.value - 1600) <= 40
