"""A compact's scoring plan: every number the engine uses, as data.

Frameworks are co-designed with civil society, so thresholds (with their sources), the coverage
minimum, reporting fractions, interval mass, hurdle confidence and tier counts are the compact's
to set (`rules.PlanRules`). The defaults come from the catalogue and indicators.md; a service
builds a `ScoringPlan` from the compact's stored plan version and passes it in. The plan's
`version` is stored with each scorecard so the scorecard can be recomputed exactly.

What stays fixed here are the estimators' mechanics (Jeffreys priors, bootstrap size, storage
rounding) and the grade weights, which are applied when a verifier grades and so belong to the
catalogue version, not to one compact.
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
from portal.domain.scoring.rules import DEFAULT_RULES, PlanRules, TierCounts

DEFAULT_PLAN_VERSION = f"catalogue-{CATALOGUE_VERSION}"

# Kept under its old name: the tier table's counts are now part of the plan's rules.
TierRules = TierCounts

# Where a catalogue default comes from, shown beside the threshold when a plan keeps it.
CATALOGUE_SOURCE = "indicators.md default"


def default_pass_rules() -> Mapping[str, PassRule]:
    return MappingProxyType({item.code: item.pass_rule for item in INDICATORS})


def default_reliability_weights() -> Mapping[str, float]:
    return MappingProxyType({grade.letter: grade.weight for grade in SOURCE_RELIABILITY})


def default_credibility_weights() -> Mapping[int, float]:
    return MappingProxyType({grade.number: grade.weight for grade in INFORMATION_CREDIBILITY})


@dataclass(frozen=True)
class ScoringPlan:
    version: str = DEFAULT_PLAN_VERSION
    pass_rules: Mapping[str, PassRule] = field(default_factory=default_pass_rules)
    # Where each threshold comes from ("Compact board decision 2026-03", a study, ...); codes
    # missing here keep the catalogue's default and its source.
    threshold_sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rules: PlanRules = DEFAULT_RULES
    reliability_weights: Mapping[str, float] = field(default_factory=default_reliability_weights)
    credibility_weights: Mapping[int, float] = field(default_factory=default_credibility_weights)
    # Jeffreys priors: Gamma(0.5, 0) for a Poisson rate, Beta(0.5, 0.5) for a proportion. They add
    # half an event, so zero verified incidents still gives an honest, non-zero upper bound.
    rate_prior_shape: float = 0.5
    proportion_prior: float = 0.5
    bootstrap_resamples: int = 2000
    # Every float a scorecard stores is rounded to this many decimals so stored scorecards compare
    # bit-for-bit with a recomputation; states are judged before that rounding.
    decimals: int = 6
    catalogue_version: str = CATALOGUE_VERSION

    def __post_init__(self) -> None:
        if set(self.pass_rules) != set(INDICATOR_CODES):
            raise ScoringInputError("a plan needs a pass rule for each of the 16 indicators")
        for code, rule in self.pass_rules.items():
            open_ended = rule.kind in (ThresholdKind.PEER_MEDIAN, ThresholdKind.PLAN_SET)
            if rule.value is None and not open_ended:
                raise ScoringInputError(f"{code}: only a peer-median or plan-set rule may be unset")
        if set(self.reliability_weights) != {g.letter for g in SOURCE_RELIABILITY}:
            raise ScoringInputError("reliability weights must cover grades A to F")
        if set(self.credibility_weights) != {g.number for g in INFORMATION_CREDIBILITY}:
            raise ScoringInputError("credibility weights must cover grades 1 to 6")
        weights = [*self.reliability_weights.values(), *self.credibility_weights.values()]
        if not all(0.0 <= w <= 1.0 for w in weights):
            raise ScoringInputError("grade weights must lie between 0 and 1")
        if self.rate_prior_shape <= 0 or self.proportion_prior <= 0:
            raise ScoringInputError("priors must be positive")
        if self.bootstrap_resamples < 100 or not 0 <= self.decimals <= 12:
            raise ScoringInputError("need ≥ 100 bootstrap resamples and 0–12 decimals")

    def pass_rule(self, code: str) -> PassRule:
        return self.pass_rules[code]

    def threshold_source(self, code: str) -> str:
        return self.threshold_sources.get(code) or CATALOGUE_SOURCE

    @property
    def tier_rules(self) -> TierCounts:
        return self.rules.tiers

    @property
    def interval_mass(self) -> float:
        return self.rules.interval_mass

    @property
    def tail(self) -> float:
        """Probability left out on each side of the displayed equal-tailed interval."""
        return (1.0 - self.interval_mass) / 2.0

    @property
    def hurdle_alpha(self) -> float:
        """Probability beyond each exact one-sided bound a hard hurdle is decided on."""
        return 1.0 - self.rules.hurdle_confidence


DEFAULT_PLAN = ScoringPlan()
