"""Discrete Laplace (two-sided geometric) noise for counts.

P(Z = z) ∝ exp(−ε·|z| / Δ). The difference of two independent geometric variables with success
probability p = 1 − exp(−ε/Δ) has exactly this law; integer noise keeps published counts
whole and avoids the floating-point pitfalls of rounding continuous Laplace noise.
"""

import math

import numpy as np
import numpy.typing as npt


def _check(epsilon: float, sensitivity: int) -> None:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be a positive finite number")
    if sensitivity < 1:
        raise ValueError("sensitivity must be at least 1")


def discrete_laplace(
    rng: np.random.Generator, epsilon: float, sensitivity: int, size: int
) -> npt.NDArray[np.int64]:
    """`size` independent draws, ε-differentially private for a query of L1 sensitivity Δ."""
    _check(epsilon, sensitivity)
    # expm1 keeps p accurate when ε/Δ is tiny, where 1 − exp(·) would cancel.
    p = -math.expm1(-epsilon / sensitivity)
    # numpy counts trials up to the first success (support 1, 2, …); the shift cancels.
    return rng.geometric(p, size).astype(np.int64) - rng.geometric(p, size).astype(np.int64)


def discrete_laplace_variance(epsilon: float, sensitivity: int) -> float:
    """Var Z = 2α / (1 − α)² with α = exp(−ε/Δ)."""
    _check(epsilon, sensitivity)
    alpha = math.exp(-epsilon / sensitivity)
    return 2 * alpha / (1 - alpha) ** 2
