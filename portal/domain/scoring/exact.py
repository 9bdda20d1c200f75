"""Exact one-sided bounds the hard hurdles are decided on (indicators.md, "Silence is not a
clean record").

The Jeffreys interval is a fine summary, but it is not a confidence procedure: on a small count
its upper bound can fall below the true rate far more often than 5% (up to 14.6% was seen on a
hurdle). A gate for lethal assistance must keep its promise whatever the truth is, so HR-1,
OA-1, OA-3 and AD-1 pass or fail on the exact bounds, which cover at least their nominal level
for every true value:

- Garwood (1936) for a Poisson mean, from an observed count k: lower = Γ⁻¹(α; k) (0 when k = 0),
  upper = Γ⁻¹(1 − α; k + 1), with Γ⁻¹ the inverse regularised lower incomplete gamma function
  (the same as χ²(2k)/2 and χ²(2k + 2)/2 quantiles).
- Clopper–Pearson (1934) for a binomial proportion, from x successes in n trials:
  lower = B⁻¹(α; x, n − x + 1) (0 when x = 0), upper = B⁻¹(1 − α; x + 1, n − x) (1 when x = n).

Counts here are sums of incident weights, so they need not be whole; both formulas are the same
functions of a real k (or x, n), monotone in it, and agree with the textbook bounds on integers.
"""

from __future__ import annotations

from scipy import special

from portal.domain.scoring.errors import ScoringInputError


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 0.5:
        raise ScoringInputError("a one-sided bound needs 0 < α < 0.5")


def garwood_lower(count: float, alpha: float) -> float:
    """Exact one-sided (1 − α) lower bound on a Poisson mean, given the observed count."""
    _check_alpha(alpha)
    if count < 0:
        raise ScoringInputError("a count cannot be negative")
    return 0.0 if count == 0 else float(special.gammaincinv(count, alpha))


def garwood_upper(count: float, alpha: float) -> float:
    """Exact one-sided (1 − α) upper bound on a Poisson mean, given the observed count."""
    _check_alpha(alpha)
    if count < 0:
        raise ScoringInputError("a count cannot be negative")
    return float(special.gammaincinv(count + 1.0, 1.0 - alpha))


def clopper_pearson_lower(successes: float, trials: float, alpha: float) -> float:
    _check_alpha(alpha)
    _check_binomial(successes, trials)
    if successes == 0:
        return 0.0
    return float(special.betaincinv(successes, trials - successes + 1.0, alpha))


def clopper_pearson_upper(successes: float, trials: float, alpha: float) -> float:
    _check_alpha(alpha)
    _check_binomial(successes, trials)
    if successes == trials:
        return 1.0
    return float(special.betaincinv(successes + 1.0, trials - successes, 1.0 - alpha))


def _check_binomial(successes: float, trials: float) -> None:
    if not 0.0 <= successes <= trials or trials <= 0.0:
        raise ScoringInputError("need 0 ≤ successes ≤ trials and at least some trials")
