"""The six estimators of indicators.md, each giving a point value and an equal-tailed interval.

Pure numerical functions on already aggregated numbers. They take the interval's tail probability
and the rounding, not a plan, so they can be checked by hand. Inputs are rounded before use so the
same evidence summed in another order gives the same estimate; outputs are not rounded, because a
state is judged on the unrounded bounds (a lower bound of 0.49999982 is below 0.5, whatever it
prints as). `Estimate.rounded` is what a scorecard stores and shows.

The Gamma, Beta, F and Student t quantiles below have no closed form: they are inverses of
regularised incomplete gamma/beta functions, found numerically by scipy.special.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

from portal.domain.scoring.errors import ScoringInputError, TooFewRatersError
from portal.domain.scoring.rounding import canonical

CHECKLIST_MAX = 100.0


@dataclass(frozen=True)
class Estimate:
    """Point value (posterior median, mean or count) and the interval's bounds."""

    value: float
    lower: float
    upper: float

    def rounded(self, decimals: int) -> Estimate:
        return Estimate(
            canonical(self.value, decimals),
            canonical(self.lower, decimals),
            canonical(self.upper, decimals),
        )

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.value * factor, self.lower * factor, self.upper * factor)


def _estimate(value: float, lower: float, upper: float, decimals: int) -> Estimate:
    # `decimals` is kept in the signature: inputs are canonicalised with it by the callers.
    del decimals
    return Estimate(float(value) + 0.0, float(lower) + 0.0, float(upper) + 0.0)


def _non_negative(*values: float) -> None:
    if not all(math.isfinite(v) and v >= 0.0 for v in values):
        raise ScoringInputError("sums, counts and exposures must be finite and not negative")


def gamma_rate(
    weight_sum: float,
    exposure: float,
    *,
    prior_shape: float,
    tail: float,
    decimals: int,
    fraction: float = 1.0,
    direct: float | None = None,
) -> Estimate:
    """Rate per exposure unit: λ ~ Gamma(shape = prior + Σw, rate = exposure).

    `fraction` is the reporting fraction p: verified reports catch only a share p of the events,
    so the true rate's posterior is the report rate's divided by p (indicators.md). `direct`
    counts events found without reports (AD-1's audited items), not scaled by p; their rate has
    its own Jeffreys posterior and the two add: quantiles of X / p + Y are found numerically.
    """
    _non_negative(weight_sum, exposure)
    if exposure <= 0.0:
        raise ScoringInputError("a rate needs a positive exposure")
    if not 0.0 < fraction <= 1.0:
        raise ScoringInputError("a reporting fraction lies in (0, 1]")
    shape = prior_shape + canonical(weight_sum, decimals)
    exposure = canonical(exposure, decimals)
    if direct is None:

        def quantile(p: float) -> float:
            return float(special.gammaincinv(shape, p)) / (exposure * fraction)

    else:
        _non_negative(direct)
        other = prior_shape + canonical(direct, decimals)

        def quantile(p: float) -> float:
            return scaled_gamma_sum_quantile(shape, 1.0 / fraction, other, p) / exposure

    return _estimate(quantile(0.5), quantile(tail), quantile(1.0 - tail), decimals)


def scaled_gamma_sum_quantile(shape: float, scale: float, other: float, p: float) -> float:
    """The p-quantile of S = scale · X + Y, X ~ Gamma(shape), Y ~ Gamma(other), independent.

    P(S ≤ s) = ∫₀^s f_Y(y) · P(X ≤ (s − y) / scale) dy, integrated by adaptive quadrature and
    inverted by Brent's method. The bracket is safe: S is at least either term alone, and
    P(S ≤ q_X(√p)·scale + q_Y(√p)) ≥ √p · √p = p by independence.
    """

    def cdf(s: float) -> float:
        def integrand(y: float) -> float:
            return float(
                math.exp((other - 1.0) * math.log(y) - y - math.lgamma(other))
                * special.gammainc(shape, (s - y) / scale)
            ) if y > 0.0 else 0.0

        mass, _error = integrate.quad(integrand, 0.0, s, limit=200, epsabs=1e-13, epsrel=1e-11)
        return float(mass)

    low = max(scale * float(special.gammaincinv(shape, p)), float(special.gammaincinv(other, p)))
    root = math.sqrt(p)
    high = scale * float(special.gammaincinv(shape, root)) + float(
        special.gammaincinv(other, root)
    )
    if high <= low:
        return low
    return float(optimize.brentq(lambda s: cdf(s) - p, low, high, xtol=1e-12, rtol=1e-12))


def beta_proportion(
    successes: float, failures: float, *, prior: float, tail: float, decimals: int
) -> Estimate:
    """Proportion: p ~ Beta(prior + successes, prior + failures); prior 0.5 is Jeffreys."""
    _non_negative(successes, failures)
    a = prior + canonical(successes, decimals)
    b = prior + canonical(failures, decimals)

    def quantile(p: float) -> float:
        return float(special.betaincinv(a, b, p))

    return _estimate(quantile(0.5), quantile(tail), quantile(1.0 - tail), decimals)


def checklist_mean(
    scores: Sequence[float], *, tail: float, decimals: int, min_half_width: float = 0.0
) -> Estimate:
    """Mean of independent raters' 0–100 scores with a Student t interval from their spread.

    mean ± t(1 − tail; n − 1) · s / √n, clipped to 0–100. With two raters t is large (6.31 at 90%),
    so raters who disagree give a wide interval and an INDETERMINATE state: that is the point of
    asking for a second rater. A single rater is refused, since one score has no spread to show.
    Two raters who happen to agree do not make a checklist exact: the half-width is at least
    `min_half_width` points (the plan's floor, ±5 by default).
    """
    if len(scores) < 2:
        raise TooFewRatersError(f"{len(scores)} rater(s); a checklist needs at least 2")
    if not all(math.isfinite(s) and 0.0 <= s <= CHECKLIST_MAX for s in scores):
        raise ScoringInputError("checklist scores must lie between 0 and 100")
    rounded = [canonical(s, decimals) for s in scores]
    mean = statistics.fmean(rounded)
    half_width = max(
        float(special.stdtrit(len(rounded) - 1, 1.0 - tail))
        * statistics.stdev(rounded)
        / math.sqrt(len(rounded)),
        min_half_width,
    )
    lower = max(0.0, mean - half_width)
    upper = min(CHECKLIST_MAX, mean + half_width)
    return _estimate(mean, lower, upper, decimals)


def dissimilarity(
    force_counts: Sequence[int],
    population_shares: Sequence[float],
    rng: np.random.Generator,
    *,
    resamples: int,
    tail: float,
    decimals: int,
) -> Estimate:
    """Index of dissimilarity D = ½ Σ |force share − population share| with a bootstrap interval.

    The force composition comes from a sample of personnel files, so it is resampled (multinomial,
    `resamples` times, from the `rng` the caller seeded); population shares come from a census and
    are held fixed. D is biased upwards in small samples and the percentile interval may then miss
    the observed D; the interval is widened to include it rather than shown beside it.
    """
    if len(force_counts) != len(population_shares) or len(force_counts) < 2:
        raise ScoringInputError("need force counts and population shares for ≥ 2 groups")
    counts = np.asarray(force_counts, dtype=np.int64)
    shares = np.asarray([canonical(s, decimals) for s in population_shares], dtype=np.float64)
    if np.any(counts < 0) or np.any(shares < 0) or counts.sum() == 0:
        raise ScoringInputError("force counts and shares must not be negative, nor all zero")
    if not math.isclose(float(shares.sum()), 1.0, abs_tol=1e-6):
        raise ScoringInputError("population shares must sum to 1")
    total = int(counts.sum())
    observed = counts / total
    point = 0.5 * float(np.abs(observed - shares).sum())
    draws = rng.multinomial(total, observed, size=resamples) / total
    boot = 0.5 * np.abs(draws - shares).sum(axis=1)
    lower, upper = (float(q) for q in np.quantile(boot, [tail, 1.0 - tail], method="linear"))
    return _estimate(point, min(lower, point), max(upper, point), decimals)


@dataclass(frozen=True)
class RateRatio:
    estimate: Estimate
    most_affected: int  # index into the groups passed in


def rate_ratio(
    weight_sums: Sequence[float],
    exposures: Sequence[float],
    *,
    prior_shape: float,
    tail: float,
    decimals: int,
) -> RateRatio:
    """Rate of the most-affected group over the rate of everyone else.

    With independent Jeffreys Gamma posteriors λ₁ ~ Gamma(a₁, E₁) and λ₂ ~ Gamma(a₂, E₂),
    (λ₁E₁/a₁)/(λ₂E₂/a₂) follows an F(2a₁, 2a₂) distribution, so the ratio's quantiles are F
    quantiles scaled by (a₁/E₁)/(a₂/E₂). The most-affected group is chosen by looking at the data,
    which pushes the ratio up; that errs towards FAIL, the safe side for an assistance gate.
    Ties go to the earliest group, so the caller's (sorted) order decides, deterministically.
    """
    if len(weight_sums) != len(exposures) or len(weight_sums) < 2:
        raise ScoringInputError("a rate ratio needs weight sums and exposures for ≥ 2 groups")
    _non_negative(*weight_sums, *exposures)
    sums = [canonical(w, decimals) for w in weight_sums]
    sizes = [canonical(e, decimals) for e in exposures]
    if any(e <= 0.0 for e in sizes):
        raise ScoringInputError("every group needs a positive exposure")
    shapes = [prior_shape + w for w in sums]
    medians = [float(special.gammaincinv(a, 0.5)) / e for a, e in zip(shapes, sizes, strict=True)]
    top = max(range(len(medians)), key=lambda i: (medians[i], -i))
    a1, e1 = shapes[top], sizes[top]
    a2 = prior_shape + math.fsum(w for i, w in enumerate(sums) if i != top)
    e2 = math.fsum(e for i, e in enumerate(sizes) if i != top)
    scale = (a1 / e1) / (a2 / e2)

    def quantile(p: float) -> float:
        return float(special.fdtri(2.0 * a1, 2.0 * a2, p)) * scale

    return RateRatio(
        _estimate(quantile(0.5), quantile(tail), quantile(1.0 - tail), decimals), top
    )


def exact_count(count: int) -> Estimate:
    """A count of verified incidents is observed, not estimated: its interval is the point."""
    if count < 0:
        raise ScoringInputError("a count cannot be negative")
    value = float(count)
    return Estimate(value, value, value)
