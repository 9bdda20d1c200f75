"""What the scoring engine is given: pre-aggregated evidence for one compact and one period.

The aggregation contract
------------------------
The engine never sees a report. A compact may hold a million reports; the database sums them far
faster than Python can walk them, so the service hands over one small tally per indicator:

* Incident weights are computed when a verifier grades or clusters (noisy-OR of w = R × C over the
  incident's independent reports, `weights.incident_weight`) and stored on the incident cluster.
* Only incidents whose status is `verified` or `partially_verified` are summed.
* Rates (IC-1, HR-1, HR-2, CH-1, AD-1): `RateTally(weight_sum=SUM(weight), incidents=COUNT(*))` per
  indicator over the period, one `GROUP BY indicator`. For AD-1, items found diverted by an
  assessor's audit are `direct` events: they are counted, not reported, so the plan's reporting
  fraction does not scale them. The denominators come once, in `Exposure`.
* Proportions (PM-1, PM-2, IC-2, AD-2 from assessor counts): `ProportionTally`. OA-1 and CH-2
  run on clocks: verified incidents whose response window closed in the period, weighted by
  incident weight, succeed if the response started in time and fail otherwise (an unknown
  outcome is a failure); incidents still inside their window are `pending`, neither. Assessor
  counts add to that tally, never replace it.
* IN-1: personnel counts per identity group from the audited sample, with census shares.
* IN-2: verified identity-targeted incident weights and population per identity group.
* IC-3, OA-2: each independent rater's checklist total (0–100).
* OA-3: COUNT of verified reprisal incidents whose best report is graded A–B and 1–2.
* HR-1 unit flags: COUNT of verified grave-violation incidents per (unit key, incident month) over
  the look-back the compact uses (at least the 12 months ending with the period).

An indicator missing from `evidence` is NO_DATA and never passes, with one exception that a GROUP
BY needs: `reporting_open` says the portal took reports for this compact all period, and then a
report-fed rate or count (IC-1, HR-1, HR-2, CH-1, OA-3) with no row means zero verified incidents,
which the Jeffreys prior turns into an honest upper bound. The service must decide that flag; it has
no default, because a closed channel read as "zero abuses" would pass the hard hurdles. Indicators
that also need an assessor (AD-1, OA-1, CH-2) are never filled in. Sums are rounded to the plan's
decimals on entry, so the order the database summed in does not change a stored scorecard.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from portal.domain.catalogue import EstimatorKind, ExposureUnit, Indicator, Source
from portal.domain.scoring.coverage import CoverageFigures
from portal.domain.scoring.errors import ScoringInputError


@dataclass(frozen=True)
class RateTally:
    weight_sum: float  # Σ incident weights
    incidents: int  # incidents behind that sum, shown to assessors, not used in the estimate
    direct: float | None = None  # events counted without reports (AD-1 audits); None: no audit


@dataclass(frozen=True)
class ProportionTally:
    successes: float
    failures: float
    pending: int = 0  # incidents whose response window is still open (OA-1, CH-2), shown only
    unknown: int = 0  # of the failures: incidents whose outcome was never recorded, shown only


@dataclass(frozen=True)
class ChecklistRatings:
    scores: tuple[float, ...]  # one 0–100 total per independent rater


@dataclass(frozen=True)
class GroupShare:
    group: str
    force_count: int
    population_share: float


@dataclass(frozen=True)
class CompositionTally:
    groups: tuple[GroupShare, ...]


@dataclass(frozen=True)
class GroupRate:
    group: str
    weight_sum: float
    population: float


@dataclass(frozen=True)
class GroupRateTally:
    groups: tuple[GroupRate, ...]


@dataclass(frozen=True)
class CountTally:
    count: int


Evidence = (
    RateTally | ProportionTally | ChecklistRatings | CompositionTally | GroupRateTally | CountTally
)


@dataclass(frozen=True)
class Exposure:
    """Denominators of the rates for the period.

    `items_delivered`: supplied items under end-use monitoring in the period (AD-1 is a rate per
    1,000 of them); `operations`: security operations in the period (CH-1, per 100 of them).
    """

    population: float = 0.0
    years: float = 0.0
    operations: float = 0.0
    items_delivered: float = 0.0

    def in_unit(self, unit: ExposureUnit) -> float:
        if unit is ExposureUnit.PER_100K_POPULATION_YEAR:
            return self.population / 100_000 * self.years
        if unit is ExposureUnit.PER_100_OPERATIONS:
            return self.operations / 100
        return self.items_delivered / 1_000


# A unit key is a keyed hash (e.g. HMAC-SHA256 hex) of the unit's name, made by the service with a
# server secret. Requiring ≥ 128 bits of lowercase hex means a unit's name can never slip into a
# scorecard, a log or an export by mistake: "3rd Battalion" is refused here.
_UNIT_KEY = re.compile(r"[0-9a-f]{32,128}")


def month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


@dataclass(frozen=True, slots=True)  # thousands per scorecard: no per-instance dict
class UnitMonthTally:
    unit_key: str
    month: date  # any day of the incident month; only year and month are read
    incidents: int

    def __post_init__(self) -> None:
        if not _UNIT_KEY.fullmatch(self.unit_key):
            raise ScoringInputError("unit keys must be opaque keyed hashes, never names")
        if self.incidents < 0:
            raise ScoringInputError("incident counts cannot be negative")


@dataclass(frozen=True)
class SuspensionEvidence:
    """Incidents in status `verified` (not partially) that call for an out-of-cycle review."""

    mass_casualty_incidents: int = 0
    reprisal_incidents: int = 0

    @property
    def triggered(self) -> bool:
        return self.mass_casualty_incidents > 0 or self.reprisal_incidents > 0


@dataclass(frozen=True)
class ScoringInputs:
    """Everything one scorecard is computed from, for one compact and one period.

    `reporting_open`: the portal took reports for this compact throughout the period (see the
    module's contract for what that fills in).
    `peer_estimates`: per peer-median indicator, the point estimates of the other compacts in the
    same fragility band (this compact excluded). `bootstrap_seed` seeds the IN-1 bootstrap; derive
    it from the inputs' snapshot id and store it, so the interval is reproduced exactly.
    `coverage`: the period's monitoring figures; None (not measured) never meets the gate.
    """

    evidence: Mapping[str, Evidence]
    exposure: Exposure
    reporting_open: bool
    unit_tallies: tuple[UnitMonthTally, ...] = ()
    peer_estimates: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    suspension: SuspensionEvidence = SuspensionEvidence()
    bootstrap_seed: int = 0
    coverage: CoverageFigures | None = None

    def evidence_for(self, item: Indicator) -> Evidence | None:
        found = self.evidence.get(item.code)
        if found is not None or not self.reporting_open or item.source is not Source.REPORTS:
            return found
        if item.estimator is EstimatorKind.GAMMA_RATE:
            return RateTally(0.0, 0)
        if item.estimator is EstimatorKind.COUNT:
            return CountTally(0)
        return None
