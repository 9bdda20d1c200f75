"""The scoring rules a compact's plan sets, as data: every number has a default, none is code.

indicators.md asks that every threshold and rule be something the compact's co-designers can see
and change. A plan version stores the whole of `PlanRules.to_data()` (JSON), never "use the
defaults", so what an assessor reads in the plan is what scored the scorecard, and a later change
of a default in this file cannot silently rescore old periods. `PlanRules.from_data` reads a
stored version back; a key missing from an older version takes the default of the version that
introduced it, and the plan page says so.

Errors name the field, so a service can tell an assessor which value to correct.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Final

from portal.domain.catalogue import INDICATORS, EstimatorKind, Source
from portal.domain.scoring.errors import ScoringInputError

# Report-fed rate indicators (source R, and AD-1's report part): the ones a reporting fraction
# scales. Proportions and counts are not rates of events in the population.
FRACTION_CODES: Final[tuple[str, ...]] = tuple(
    i.code
    for i in INDICATORS
    if i.estimator is EstimatorKind.GAMMA_RATE and i.source is not Source.ASSESSOR
)
DEFAULT_FRACTION: Final = 0.1
DEFAULT_FRACTION_SOURCE: Final = (
    "indicators.md default (0.1) until calibrated, e.g. by capture-recapture against "
    "independent sources"
)


class PlanRuleError(ScoringInputError):
    """A plan value out of range; `field` is its dotted name, e.g. "coverage.min_reports"."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


# The coverage minimum's whole-number fields (its population share is the one fraction).
COVERAGE_COUNTS = (
    "min_reports",
    "min_partners",
    "max_unverified_days",
    "max_overdue_reports",
    "max_disruptions",
)


@dataclass(frozen=True)
class CoverageMinimum:
    """The least monitoring a period needs before silence may count as a clean record.

    Below any of these, a report-fed indicator cannot PASS (a FAIL still stands).
    """

    min_reports: int = 30  # reports of any kind about the period
    min_partners: int = 3  # partner organisations active (member reports or attestations)
    min_population_share: float = 0.70  # of the population, in regions with at least one report
    # An HR-1 or OA-3 report still unverified this many days after it arrived breaks the gate:
    # a backlog of grave reports is not a quiet period.
    max_unverified_days: int = 60
    max_overdue_reports: int = 0
    # Suspensions, recorded channel shutdowns and verified reprisals tolerated in the period.
    max_disruptions: int = 0

    def check(self) -> None:
        for name in COVERAGE_COUNTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PlanRuleError(f"coverage.{name}", "must be a whole number, 0 or more")
        if not 0.0 <= self.min_population_share <= 1.0:
            raise PlanRuleError("coverage.min_population_share", "must lie between 0 and 1")
        if self.max_unverified_days < 1:
            raise PlanRuleError("coverage.max_unverified_days", "must be at least 1 day")


@dataclass(frozen=True)
class ReportingFraction:
    """The share p of real events that end up as verified reports, and where p comes from."""

    value: float = DEFAULT_FRACTION
    source: str = DEFAULT_FRACTION_SOURCE

    def check(self, code: str) -> None:
        if not (math.isfinite(self.value) and 0.0 < self.value <= 1.0):
            raise PlanRuleError(f"reporting_fractions.{code}.value", "must be above 0, at most 1")
        if not self.source.strip():
            raise PlanRuleError(f"reporting_fractions.{code}.source", "say where p comes from")


def _default_fractions() -> Mapping[str, ReportingFraction]:
    return MappingProxyType({code: ReportingFraction() for code in FRACTION_CODES})


@dataclass(frozen=True)
class TierCounts:
    """The counts of the tier table and its overlays (indicators.md, Tiers)."""

    tier1_min_passes: int = 8
    tier2_min_passes: int = 10
    tier3_min_passes: int = 12
    reform_min_passes: int = 6
    integrity_min_passes: int = 2  # of IC-1..IC-3, for tier 2
    unit_flag_min_incidents: int = 3
    unit_flag_window_months: int = 12
    # A median of one or two peers is one or two other countries' numbers, not a norm.
    peer_minimum: int = 3

    def min_passes(self, tier: int) -> int:
        return (0, self.tier1_min_passes, self.tier2_min_passes, self.tier3_min_passes)[tier]

    def check(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise PlanRuleError(f"tiers.{item.name}", "must be a whole number, 1 or more")
        if not self.tier1_min_passes <= self.tier2_min_passes <= self.tier3_min_passes <= 16:
            raise PlanRuleError("tiers.tier1_min_passes", "pass counts must rise to tier 3, ≤ 16")
        if self.integrity_min_passes > 3:
            raise PlanRuleError("tiers.integrity_min_passes", "there are three IC indicators")


@dataclass(frozen=True)
class PlanRules:
    coverage: CoverageMinimum = CoverageMinimum()
    reporting_fractions: Mapping[str, ReportingFraction] = field(default_factory=_default_fractions)
    tiers: TierCounts = TierCounts()
    # Mass of the displayed equal-tailed interval (Jeffreys / bootstrap / t).
    interval_mass: float = 0.90
    # One-sided confidence of the exact bounds the hard hurdles are decided on.
    hurdle_confidence: float = 0.95
    # Two raters who agree closely do not make a checklist exact: ± this many points at least.
    checklist_min_half_width: float = 5.0
    # OA-1 and CH-2: days after the incident month ends within which the response must start.
    response_window_days: int = 90

    def __post_init__(self) -> None:
        self.coverage.check()
        self.tiers.check()
        if set(self.reporting_fractions) != set(FRACTION_CODES):
            raise PlanRuleError("reporting_fractions", f"needs exactly {', '.join(FRACTION_CODES)}")
        for code, fraction in self.reporting_fractions.items():
            fraction.check(code)
        if not 0.5 <= self.interval_mass < 1.0:
            raise PlanRuleError("interval_mass", "must lie in [0.5, 1)")
        if not 0.5 <= self.hurdle_confidence < 1.0:
            raise PlanRuleError("hurdle_confidence", "must lie in [0.5, 1)")
        if not 0.0 <= self.checklist_min_half_width <= 50.0:
            raise PlanRuleError("checklist_min_half_width", "must lie between 0 and 50 points")
        if not 1 <= self.response_window_days <= 730:
            raise PlanRuleError("response_window_days", "must lie between 1 and 730 days")

    def fraction(self, code: str) -> ReportingFraction | None:
        return self.reporting_fractions.get(code)

    def to_data(self) -> dict[str, Any]:
        return {
            "coverage": {f.name: getattr(self.coverage, f.name) for f in fields(self.coverage)},
            "reporting_fractions": {
                code: {"value": f.value, "source": f.source}
                for code, f in sorted(self.reporting_fractions.items())
            },
            "tiers": {f.name: getattr(self.tiers, f.name) for f in fields(self.tiers)},
            "interval_mass": self.interval_mass,
            "hurdle_confidence": self.hurdle_confidence,
            "checklist_min_half_width": self.checklist_min_half_width,
            "response_window_days": self.response_window_days,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> PlanRules:
        """Read a stored version; keys it lacks keep their defaults. Raises PlanRuleError."""
        data = data or {}
        base = cls()
        try:
            coverage = replace(base.coverage, **_section(data, "coverage", CoverageMinimum))
            tiers = replace(base.tiers, **_section(data, "tiers", TierCounts))
            fractions = dict(base.reporting_fractions)
            for code, entry in (data.get("reporting_fractions") or {}).items():
                if code not in fractions:
                    raise PlanRuleError(f"reporting_fractions.{code}", "not a report-fed rate")
                fractions[code] = ReportingFraction(
                    float(entry.get("value", DEFAULT_FRACTION)),
                    str(entry.get("source", DEFAULT_FRACTION_SOURCE)),
                )
            interval_mass = float(data.get("interval_mass", base.interval_mass))
            hurdle_confidence = float(data.get("hurdle_confidence", base.hurdle_confidence))
            half_width = float(data.get("checklist_min_half_width", base.checklist_min_half_width))
            window = data.get("response_window_days", base.response_window_days)
            if isinstance(window, bool) or not float(window).is_integer():
                raise PlanRuleError("response_window_days", "must be a whole number of days")
        except (TypeError, ValueError, AttributeError) as error:
            if isinstance(error, PlanRuleError):
                raise
            raise PlanRuleError("rules", f"unreadable value ({error})") from None
        return cls(
            coverage=coverage,
            reporting_fractions=MappingProxyType(fractions),
            tiers=tiers,
            interval_mass=interval_mass,
            hurdle_confidence=hurdle_confidence,
            checklist_min_half_width=half_width,
            response_window_days=int(window),
        )


def _section(data: Mapping[str, Any], name: str, kind: type) -> dict[str, Any]:
    found = data.get(name) or {}
    if not isinstance(found, Mapping):
        raise PlanRuleError(name, "must be a mapping")
    known = {f.name: f for f in fields(kind)}
    out: dict[str, Any] = {}
    for key, value in found.items():
        if key not in known:
            raise PlanRuleError(f"{name}.{key}", "unknown setting")
        default = getattr(kind(), key)
        if isinstance(default, bool) or isinstance(value, bool):
            raise PlanRuleError(f"{name}.{key}", "must be a number")
        out[key] = (
            int(value)
            if isinstance(default, int) and float(value).is_integer()
            else (float(value) if isinstance(default, float) else value)
        )
        if isinstance(default, int) and not isinstance(out[key], int):
            raise PlanRuleError(f"{name}.{key}", "must be a whole number")
    return out


DEFAULT_RULES: Final = PlanRules()
