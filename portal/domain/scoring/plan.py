"""A compact's scoring plan: every number the engine uses, as data.

Frameworks are co-designed with civil society, so thresholds, grade weights, interval mass, priors
and tier counts are the compact's to set. The defaults come from the catalogue; a service builds
a `ScoringPlan` from the compact's stored plan version and passes it in. The plan's `version` is
stored with each scorecard so the scorecard can be recomputed exactly.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from portal.domain.catalogue import (
    CATALOGUE_VERSION,
    INDICATOR_CODES,
    INDICATORS,
    INFORMATION_CREDIBILITY,
    SOURCE_RELIABILITY,
    PassRule,
    ThresholdKind,
)
from portal.domain.scoring.errors import ScoringInputError

DEFAULT_PLAN_VERSION = f"catalogue-{CATALOGUE_VERSION}"


def default_pass_rules() -> Mapping[str, PassRule]:
    return MappingProxyType({item.code: item.pass_rule for item in INDICATORS})


def default_reliability_weights() -> Mapping[str, float]:
    return MappingProxyType({grade.letter: grade.weight for grade in SOURCE_RELIABILITY})


def default_credibility_weights() -> Mapping[int, float]:
    return MappingProxyType({grade.number: grade.weight for grade in INFORMATION_CREDIBILITY})


@dataclass(frozen=True)
class TierRules:
    """The counts in the tier table of indicators.md and the overlays around it."""

    tier1_min_passes: int = 8
    tier2_min_passes: int = 10
    tier3_min_passes: int = 12
    reform_min_passes: int = 6
    integrity_min_passes: int = 2  # of IC-1..IC-3, for tier 2
    unit_flag_min_incidents: int = 3
    unit_flag_window_months: int = 12
    # A median of one or two peers is one or two other countries' numbers, not a norm; below this
    # many peers a peer-median indicator stays INDETERMINATE rather than pass on a thin comparison.
    peer_minimum: int = 3

    def min_passes(self, tier: int) -> int:
        return (0, self.tier1_min_passes, self.tier2_min_passes, self.tier3_min_passes)[tier]


@dataclass(frozen=True)
class ScoringPlan:
    version: str = DEFAULT_PLAN_VERSION
    pass_rules: Mapping[str, PassRule] = field(default_factory=default_pass_rules)
    reliability_weights: Mapping[str, float] = field(default_factory=default_reliability_weights)
    credibility_weights: Mapping[int, float] = field(default_factory=default_credibility_weights)
    tier_rules: TierRules = TierRules()
    interval_mass: float = 0.90
    # Jeffreys priors: Gamma(0.5, 0) for a Poisson rate, Beta(0.5, 0.5) for a proportion. They add
    # half an event, so zero verified incidents still gives an honest, non-zero upper bound.
    rate_prior_shape: float = 0.5
    proportion_prior: float = 0.5
    bootstrap_resamples: int = 2000
    # Every float in a scorecard is rounded to this many decimals so stored scorecards compare
    # bit-for-bit with a recomputation, whatever order the database returned rows in.
    decimals: int = 6
    catalogue_version: str = CATALOGUE_VERSION

    def __post_init__(self) -> None:
        if set(self.pass_rules) != set(INDICATOR_CODES):
            raise ScoringInputError("a plan needs a pass rule for each of the 16 indicators")
        for code, rule in self.pass_rules.items():
            if (rule.value is None) != (rule.kind is ThresholdKind.PEER_MEDIAN):
                raise ScoringInputError(f"{code}: only a peer-median rule may leave value unset")
        if set(self.reliability_weights) != {g.letter for g in SOURCE_RELIABILITY}:
            raise ScoringInputError("reliability weights must cover grades A to F")
        if set(self.credibility_weights) != {g.number for g in INFORMATION_CREDIBILITY}:
            raise ScoringInputError("credibility weights must cover grades 1 to 6")
        weights = [*self.reliability_weights.values(), *self.credibility_weights.values()]
        if not all(0.0 <= w <= 1.0 for w in weights):
            raise ScoringInputError("grade weights must lie between 0 and 1")
        if not 0.0 < self.interval_mass < 1.0:
            raise ScoringInputError("interval mass must lie strictly between 0 and 1")
        if self.rate_prior_shape <= 0 or self.proportion_prior <= 0:
            raise ScoringInputError("priors must be positive")
        if self.bootstrap_resamples < 100 or not 0 <= self.decimals <= 12:
            raise ScoringInputError("need ≥ 100 bootstrap resamples and 0–12 decimals")
        rules = self.tier_rules
        if not 0 < rules.tier1_min_passes <= rules.tier2_min_passes <= rules.tier3_min_passes <= 16:
            raise ScoringInputError("tier pass counts must rise from tier 1 to tier 3, up to 16")

    def pass_rule(self, code: str) -> PassRule:
        return self.pass_rules[code]

    @property
    def tail(self) -> float:
        """Probability left out on each side of the equal-tailed interval."""
        return (1.0 - self.interval_mass) / 2.0


DEFAULT_PLAN = ScoringPlan()
