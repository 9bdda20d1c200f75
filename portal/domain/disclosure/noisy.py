"""The public release: noisy counts by region for one period, that no protection can invent.

indicators.md ("Public release") asks for four things, and each has its mechanism here:

- **No figure invented by the noise.** Each figure gets discrete-Laplace noise, and a figure is
  shown only when its *noisy* value reaches a threshold τ (noisy thresholding). τ is the
  smallest count at which the noise alone, added to a true zero, reaches τ with probability at
  most `zero_risk` divided by the number of figures in the release, and never more than
  `zero_risk` / 100: so the chance that *any* figure of a release shows 11 or more where
  nothing was verified is at most `zero_risk` (10⁻⁶ by default), and each figure's at most
  10⁻⁸. indicators.md asks for 10⁻⁶ per cell; the margin is what makes "never" true in
  practice: a site publishing ten thousand figures over its life would otherwise expect one
  chance in a hundred of a single invented figure. P(Z ≥ k) = αᵏ / (1 + α), α = e^(−ε), exactly.
- **Every shown figure carries its 90% noise interval** (± the smallest h with
  P(|Z| > h) ≤ 10%), printed next to it. Shown figures are at least τ, and τ is far above h.
- **Totals and their parts agree.** The total and the regions are noised separately (the total
  at ε_T, the regions at ε_R, ε_T + ε_R = the release's ε: one incident moves the total by one
  and one region by one). The published values are their least-squares reconciliation: every
  region moves by the same λ = (t − Σp)·v_R / (v_T + m·v_R), so the regions add up to the
  total exactly, which is then the inverse-variance blend of the noisy total and the noisy sum
  of the regions. Rounding keeps the shown parts at most the shown total, and equal to it when
  every part is shown. This is post-processing: it costs no ε.
- **Small counts are never shown.** A shown figure is at least τ ≥ 11; a reconciled value below
  11 is hidden too (hiding more is post-processing as well).

Decisions taken on the exact data, outside the ε guarantee, as the second layer of the
defence (statistical disclosure control): a figure with fewer than `min_contributors`
distinct sources is hidden, and when the total is shown with a single region hidden, the
smallest shown region is hidden as its complement (the total minus the others would give the
hidden one away). Across releases, `portal.domain.disclosure.linkage` audits what every
release ever published together lets an attacker derive.

The show/hide decision for noise uses the raw noisy value only (`shown_by_noise`), so the
guarantee about true zeros holds whatever the reconciliation does afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from portal.domain.disclosure.noise import discrete_laplace, discrete_laplace_variance

ZERO_RISK: Final = 1e-6
# The zero risk is shared among at least this many figures: each figure's is at most 10⁻⁸.
FIGURES_FLOOR: Final = 100
INTERVAL_LEVEL: Final = 0.9


class Hidden(StrEnum):
    TOO_FEW = "too_few"  # the noisy value is below the threshold: "too few to show"
    FEW_SOURCES = "few_sources"  # fewer than k distinct sources stand behind it
    WITHHELD = "withheld"  # shown elsewhere it would let a hidden figure be worked out


@dataclass(frozen=True)
class Level:
    """The noise of one kind of figure in a release, and what follows from it."""

    epsilon: float
    threshold: int  # shown only when the noisy value is at least this
    interval: int  # the 90% noise interval is ± this

    @property
    def zero_risk(self) -> float:
        """P(noise ≥ threshold): the chance a true zero would be shown."""
        return tail_at_least(self.epsilon, self.threshold)


def tail_at_least(epsilon: float, k: int) -> float:
    """P(Z ≥ k) for discrete-Laplace noise of parameter ε (sensitivity 1), k ≥ 1."""
    alpha = math.exp(-epsilon)
    return alpha**k / (1 + alpha)


def noise_interval(epsilon: float, level: float = INTERVAL_LEVEL) -> int:
    """The smallest h with P(|Z| ≤ h) ≥ level: P(|Z| > h) = 2α^(h+1) / (1 + α)."""
    alpha = math.exp(-epsilon)
    h = math.ceil(math.log((1 - level) * (1 + alpha) / 2) / math.log(alpha) - 1)
    h = max(h, 0)
    while 2 * alpha ** (h + 1) / (1 + alpha) > 1 - level:  # guard against float rounding
        h += 1
    return h


def level_for(epsilon: float, figures: int, smallest_shown: int, zero_risk: float) -> Level:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("ε must be positive")
    per_figure = zero_risk / max(figures, FIGURES_FLOOR)
    alpha = math.exp(-epsilon)
    k = math.ceil(math.log(per_figure * (1 + alpha)) / math.log(alpha))
    k = max(k, smallest_shown)
    while tail_at_least(epsilon, k) > per_figure:  # guard against float rounding
        k += 1
    return Level(epsilon, k, noise_interval(epsilon))


def shown_by_noise(noisy: npt.NDArray[np.int64], threshold: int) -> npt.NDArray[np.bool_]:
    """The noise's part of the decision: only a noisy value of at least τ may be shown."""
    return noisy >= threshold


@dataclass(frozen=True)
class AreaCounts:
    """The exact figures of one release: verified incidents per region over its quarters."""

    regions: tuple[str, ...]
    counts: tuple[int, ...]
    contributors: tuple[int, ...]  # distinct sources per region
    total_contributors: int  # distinct sources over all regions

    def __post_init__(self) -> None:
        if not self.regions or len(set(self.regions)) != len(self.regions):
            raise ValueError("a release needs distinct regions")
        if not len(self.counts) == len(self.contributors) == len(self.regions):
            raise ValueError("one count and one contributor number per region")
        if any(isinstance(c, bool) or c < 0 for c in (*self.counts, *self.contributors)):
            raise ValueError("counts must be non-negative integers")

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Figure:
    value: int | None  # None when hidden
    interval: int  # ± this is the 90% noise interval of the shown value
    hidden: Hidden | None = None

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class NoisyFigures:
    total: Figure
    regions: tuple[Figure, ...]
    total_level: Level
    region_level: Level


@dataclass(frozen=True)
class Allocation:
    """How a release's ε is split between its total and its regions."""

    total_share: Decimal = Decimal("0.4")
    zero_risk: float = ZERO_RISK
    smallest_shown: int = 11
    min_contributors: int = 5

    def __post_init__(self) -> None:
        if not Decimal(0) < self.total_share < Decimal(1):
            raise ValueError("the total's share of ε must lie strictly between 0 and 1")
        if not 0 < self.zero_risk < 1:
            raise ValueError("the zero risk must be a probability")

    def levels(self, epsilon: Decimal, regions: int) -> tuple[Level, Level]:
        figures = regions + 1
        total = level_for(
            float(epsilon * self.total_share), figures, self.smallest_shown, self.zero_risk
        )
        by_region = level_for(
            float(epsilon * (1 - self.total_share)), figures, self.smallest_shown, self.zero_risk
        )
        return total, by_region


def noisy_figures(
    exact: AreaCounts, epsilon: Decimal, allocation: Allocation, rng: np.random.Generator
) -> NoisyFigures:
    """Draw the release's noise once and decide what is shown (see the module docstring)."""
    total_level, region_level = allocation.levels(epsilon, len(exact.regions))
    m = len(exact.regions)
    # One draw per figure whatever is later hidden, so the noise depends only on the shape.
    t = exact.total + int(discrete_laplace(rng, total_level.epsilon, 1, 1)[0])
    p = np.array(exact.counts, dtype=np.int64) + discrete_laplace(rng, region_level.epsilon, 1, m)

    v_total = discrete_laplace_variance(total_level.epsilon, 1)
    v_region = discrete_laplace_variance(region_level.epsilon, 1)
    shift = (t - float(p.sum())) * v_region / (v_total + m * v_region)
    reconciled = p.astype(np.float64) + shift

    region_shown = shown_by_noise(p, region_level.threshold)
    values: list[int | None] = []
    reasons: list[Hidden | None] = []
    for i in range(m):
        rounded = math.floor(reconciled[i] + 0.5)
        if exact.counts[i] > 0 and exact.contributors[i] < allocation.min_contributors:
            values.append(None)
            reasons.append(Hidden.FEW_SOURCES)
        elif not region_shown[i] or rounded < allocation.smallest_shown:
            values.append(None)
            reasons.append(Hidden.TOO_FEW)
        else:
            values.append(rounded)
            reasons.append(None)

    total_value: int | None = math.floor(float(reconciled.sum()) + 0.5)
    total_reason: Hidden | None = None
    if exact.total > 0 and exact.total_contributors < allocation.min_contributors:
        total_value, total_reason = None, Hidden.FEW_SOURCES
    elif not bool(shown_by_noise(np.array([t]), total_level.threshold)[0]):
        total_value, total_reason = None, Hidden.TOO_FEW

    # A shown total with a single hidden region would give that region away: hide the
    # smallest shown region with it, or, with none left, the total.
    while total_value is not None and sum(v is None for v in values) == 1:
        shown = [i for i, v in enumerate(values) if v is not None]
        if not shown:
            total_value, total_reason = None, Hidden.WITHHELD
            break
        smallest = min(shown, key=lambda i: (values[i], i))
        values[smallest], reasons[smallest] = None, Hidden.WITHHELD

    if total_value is not None:
        parts = sum(v for v in values if v is not None)
        every_part = all(v is not None for v in values)
        total_value = parts if every_part else max(total_value, parts)
        if total_value < allocation.smallest_shown:
            total_value, total_reason = None, Hidden.TOO_FEW

    return NoisyFigures(
        total=Figure(total_value, total_level.interval, total_reason),
        regions=tuple(
            Figure(v, region_level.interval, r) for v, r in zip(values, reasons, strict=True)
        ),
        total_level=total_level,
        region_level=region_level,
    )
