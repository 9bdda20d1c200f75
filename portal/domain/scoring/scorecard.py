"""Scoring one compact for one period: sixteen indicator scores, unit flags and review triggers.

Per indicator: the estimate (Jeffreys median and equal-tailed interval; report-fed rates divided
by the plan's reporting fraction), the threshold (plan, catalogue or peers), the state (hard
hurdles on exact one-sided bounds, the rest on the interval, always on unrounded numbers), then
the monitoring coverage gate (a report-fed PASS below the plan's minimum is held back).
"""

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from portal.domain.catalogue import (
    CATALOGUE_VERSION,
    INDICATORS,
    Direction,
    EstimatorKind,
    Indicator,
    Source,
    ThresholdKind,
    indicator,
)
from portal.domain.scoring import estimators, exact
from portal.domain.scoring.coverage import Coverage, judge_coverage
from portal.domain.scoring.errors import ScoringInputError
from portal.domain.scoring.estimators import Estimate
from portal.domain.scoring.evidence import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
    Evidence,
    GroupRateTally,
    ProportionTally,
    RateTally,
    ScoringInputs,
    SuspensionEvidence,
    UnitMonthTally,
    month_index,
)
from portal.domain.scoring.plan import DEFAULT_PLAN, ScoringPlan
from portal.domain.scoring.reasons import Reason, reason
from portal.domain.scoring.rounding import canonical
from portal.domain.scoring.states import State, judge, peer_median
from portal.i18n.markers import N_

_EVIDENCE_TYPE: dict[EstimatorKind, type] = {
    EstimatorKind.GAMMA_RATE: RateTally,
    EstimatorKind.BETA_PROPORTION: ProportionTally,
    EstimatorKind.CHECKLIST: ChecklistRatings,
    EstimatorKind.DISSIMILARITY: CompositionTally,
    EstimatorKind.RATE_RATIO: GroupRateTally,
    EstimatorKind.COUNT: CountTally,
}


@dataclass(frozen=True)
class Decision:
    """The bounds a state was decided on: the displayed interval, or for a hard hurdle the exact
    one-sided bounds at `confidence` (Garwood, Clopper–Pearson; a count is its own bound)."""

    exact: bool
    lower: float
    upper: float
    confidence: float  # one-sided confidence of each bound (exact), or the interval's mass


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    state: State
    estimate: Estimate | None  # unrounded; `Estimate.rounded` is what a scorecard stores
    threshold: float | None
    reason: Reason
    # States against stricter tier-specific thresholds (AD-2 at tier 3), on the same interval.
    tier_states: tuple[tuple[int, State], ...] = ()
    decision: Decision | None = None
    reporting_fraction: float | None = None  # p the report-fed rate was divided by
    held_by_coverage: bool = False  # would pass, but the coverage gate holds it back

    def state_at_tier(self, tier: int) -> State:
        return dict(self.tier_states).get(tier, self.state)


@dataclass(frozen=True)
class Scorecard:
    catalogue_version: str
    plan_version: str
    scores: tuple[IndicatorScore, ...]  # in catalogue order
    flagged_units: tuple[str, ...]  # opaque unit keys, sorted
    suspension: SuspensionEvidence
    coverage: Coverage = field(default_factory=lambda: Coverage((), measured=False))

    def score(self, code: str) -> IndicatorScore:
        for item in self.scores:
            if item.code == code:
                return item
        raise KeyError(code)

    def states(self) -> dict[str, State]:
        return {item.code: item.state for item in self.scores}

    @property
    def pass_count(self) -> int:
        return sum(item.state is State.PASS for item in self.scores)


def flagged_units(
    tallies: Iterable[UnitMonthTally], *, min_incidents: int, window_months: int
) -> tuple[str, ...]:
    """Units with ≥ `min_incidents` verified grave violations inside any `window_months` span.

    Any span, not only the one ending now: a unit flagged last spring is still a unit whose record
    the Leahy-style overlay must show, for as far back as the service chose to look.
    """
    per_unit: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    indices: dict[date, int] = {}  # a few distinct months among thousands of tallies
    for tally in tallies:
        index = indices.get(tally.month)
        if index is None:
            index = indices[tally.month] = month_index(tally.month)
        per_unit[tally.unit_key][index] += tally.incidents
    flagged = []
    for unit_key, months in per_unit.items():
        ordered = sorted(months.items())
        start, in_window = 0, 0
        for month, count in ordered:
            in_window += count
            while ordered[start][0] <= month - window_months:
                in_window -= ordered[start][1]
                start += 1
            if in_window >= min_incidents:
                flagged.append(unit_key)
                break
    return tuple(sorted(flagged))


def _no_data(code: str, why: Reason | None = None) -> IndicatorScore:
    default = reason(N_("No data for this period. An indicator without data never passes."))
    return IndicatorScore(code, State.NO_DATA, None, None, why or default)


def _fraction(item: Indicator, plan: ScoringPlan) -> float:
    found = plan.rules.fraction(item.code)
    return found.value if found is not None else 1.0


def _estimate(
    item: Indicator,
    evidence: Evidence,
    inputs: ScoringInputs,
    plan: ScoringPlan,
    rng: np.random.Generator,
) -> Estimate | None:
    """The indicator's estimate, or None when the evidence holds no information at all."""
    tail, decimals = plan.tail, plan.decimals
    if isinstance(evidence, RateTally):
        exposure = _exposure(item, inputs)
        if exposure <= 0.0:
            return None
        return estimators.gamma_rate(
            evidence.weight_sum, exposure,
            prior_shape=plan.rate_prior_shape, tail=tail, decimals=decimals,
            fraction=_fraction(item, plan), direct=evidence.direct,
        )
    if isinstance(evidence, ProportionTally):
        if evidence.successes + evidence.failures <= 0.0:
            return None
        return estimators.beta_proportion(
            evidence.successes, evidence.failures,
            prior=plan.proportion_prior, tail=tail, decimals=decimals,
        )
    if isinstance(evidence, ChecklistRatings):
        return estimators.checklist_mean(
            evidence.scores, tail=tail, decimals=decimals,
            min_half_width=plan.rules.checklist_min_half_width,
        )
    if isinstance(evidence, CompositionTally):
        if sum(g.force_count for g in evidence.groups) == 0:
            return None
        return estimators.dissimilarity(
            [g.force_count for g in evidence.groups],
            [g.population_share for g in evidence.groups],
            rng, resamples=plan.bootstrap_resamples, tail=tail, decimals=decimals,
        )
    if isinstance(evidence, GroupRateTally):
        # A group with no population has no rate; sorting fixes who wins a tie between groups.
        groups = sorted((g for g in evidence.groups if g.population > 0), key=lambda g: g.group)
        if len(groups) < 2:
            return None
        ratio = estimators.rate_ratio(
            [g.weight_sum for g in groups], [g.population for g in groups],
            prior_shape=plan.rate_prior_shape, tail=tail, decimals=decimals,
        )
        return ratio.estimate
    return estimators.exact_count(evidence.count)


def _exposure(item: Indicator, inputs: ScoringInputs) -> float:
    assert item.exposure_unit is not None  # every Gamma-rate indicator has one in the catalogue
    return inputs.exposure.in_unit(item.exposure_unit)


def _decision(
    item: Indicator, evidence: Evidence, estimate: Estimate, inputs: ScoringInputs,
    plan: ScoringPlan,
) -> Decision:
    """What the state is judged on: the displayed interval, or a hard hurdle's exact bounds."""
    if not item.is_hard_hurdle:
        return Decision(False, estimate.lower, estimate.upper, plan.interval_mass)
    alpha = plan.hurdle_alpha
    confidence = plan.rules.hurdle_confidence
    if isinstance(evidence, CountTally):
        return Decision(True, float(evidence.count), float(evidence.count), confidence)
    if isinstance(evidence, ProportionTally):
        x = canonical(evidence.successes, plan.decimals)
        n = x + canonical(evidence.failures, plan.decimals)
        return Decision(
            True,
            exact.clopper_pearson_lower(x, n, alpha),
            exact.clopper_pearson_upper(x, n, alpha),
            confidence,
        )
    if isinstance(evidence, RateTally):
        scale = _exposure(item, inputs)
        reported = canonical(evidence.weight_sum, plan.decimals)
        p = _fraction(item, plan)
        if evidence.direct is None:
            lower = exact.garwood_lower(reported, alpha) / p
            upper = exact.garwood_upper(reported, alpha) / p
        else:
            # Two independent counts: each bound at α/2 (Bonferroni), so the sum keeps ≥ 1 − α.
            direct = canonical(evidence.direct, plan.decimals)
            lower = exact.garwood_lower(reported, alpha / 2) / p + exact.garwood_lower(
                direct, alpha / 2
            )
            upper = exact.garwood_upper(reported, alpha / 2) / p + exact.garwood_upper(
                direct, alpha / 2
            )
        return Decision(True, lower / scale, upper / scale, confidence)
    raise ScoringInputError(f"{item.code}: no exact bound for {type(evidence).__name__}")


def _shown(value: float, plan: ScoringPlan) -> float:
    return canonical(value, plan.decimals)


def _judged(
    item: Indicator,
    evidence: Evidence,
    estimate: Estimate,
    threshold: float | None,
    inputs: ScoringInputs,
    plan: ScoringPlan,
) -> IndicatorScore:
    rule = plan.pass_rule(item.code)
    fraction = _fraction(item, plan) if isinstance(evidence, RateTally) else None
    if threshold is None:
        if rule.kind is ThresholdKind.PLAN_SET:
            why = reason(N_("The plan sets no threshold for %(code)s. Set one, with its source, "
                            "in a new plan version; until then it cannot pass."), code=item.code)
        else:
            why = reason(
                N_("Fewer than %(needed)s comparable compacts have an estimate, so there is no "
                   "peer median to compare with yet."),
                needed=plan.tier_rules.peer_minimum,
            )
        return IndicatorScore(item.code, State.INDETERMINATE, estimate, None, why,
                              reporting_fraction=fraction)
    decision = _decision(item, evidence, estimate, inputs, plan)
    state = judge(
        Estimate(estimate.value, decision.lower, decision.upper),
        item.direction, threshold, rule.inclusive,
    )
    tier_states = tuple(
        (tier, judge(estimate, item.direction, value, rule.inclusive))
        for tier, value in rule.by_tier
    )
    if item.estimator is EstimatorKind.COUNT:
        # A count has no interval worth describing; say what was counted instead.
        why = reason(N_("Verified incidents counted: %(count)s. It passes at %(threshold)s or "
                        "fewer."), count=int(estimate.value), threshold=threshold)
    elif decision.exact:
        why = _exact_reason(item, state, decision, threshold, plan)
    else:
        message = {
            State.PASS: N_("The whole interval, %(lower)s to %(upper)s, is on the good side of "
                           "%(threshold)s."),
            State.FAIL: N_("The whole interval, %(lower)s to %(upper)s, is on the wrong side of "
                           "%(threshold)s."),
            State.INDETERMINATE: N_("The interval, %(lower)s to %(upper)s, reaches both sides of "
                                    "%(threshold)s; more evidence is needed to decide."),
        }[state]
        why = reason(message, threshold=threshold, lower=_shown(estimate.lower, plan),
                     upper=_shown(estimate.upper, plan))
    return IndicatorScore(
        item.code, state, estimate, threshold, why, tier_states, decision, fraction
    )


def _exact_reason(
    item: Indicator, state: State, decision: Decision, threshold: float, plan: ScoringPlan
) -> Reason:
    confidence = round(decision.confidence * 100, 2)
    # The bound that must clear the threshold for a PASS is the worse one for the indicator.
    upward = item.direction is Direction.HIGHER_IS_BETTER
    worse, better = (decision.lower, decision.upper) if upward else (
        decision.upper, decision.lower
    )
    if state is State.PASS:
        return reason(N_("The exact one-sided %(confidence)s%% bound, %(bound)s, is on the good "
                         "side of %(threshold)s."),
                      confidence=confidence, bound=_shown(worse, plan), threshold=threshold)
    if state is State.FAIL:
        return reason(N_("Even the exact one-sided %(confidence)s%% bound on the other side, "
                         "%(bound)s, is on the wrong side of %(threshold)s."),
                      confidence=confidence, bound=_shown(better, plan), threshold=threshold)
    return reason(N_("The exact one-sided %(confidence)s%% bounds, %(lower)s and %(upper)s, fall "
                     "on both sides of %(threshold)s; more evidence is needed to decide."),
                  confidence=confidence, lower=_shown(decision.lower, plan),
                  upper=_shown(decision.upper, plan), threshold=threshold)


def _threshold(item: Indicator, inputs: ScoringInputs, plan: ScoringPlan) -> float | None:
    rule = plan.pass_rule(item.code)
    if rule.kind is ThresholdKind.PEER_MEDIAN:
        return peer_median(
            inputs.peer_estimates.get(item.code, ()),
            minimum=plan.tier_rules.peer_minimum, decimals=plan.decimals,
        )
    return rule.value


def score_indicator(
    item: Indicator, inputs: ScoringInputs, plan: ScoringPlan, rng: np.random.Generator
) -> IndicatorScore:
    evidence = inputs.evidence_for(item)
    if evidence is None:
        return _no_data(item.code)
    if not isinstance(evidence, _EVIDENCE_TYPE[item.estimator]):
        raise ScoringInputError(f"{item.code} needs {_EVIDENCE_TYPE[item.estimator].__name__}")
    if isinstance(evidence, ChecklistRatings) and len(evidence.scores) < 2:
        return _no_data(item.code, reason(
            N_("Only %(raters)s rater scored this checklist; it needs at least two independent "
               "raters."),
            raters=len(evidence.scores),
        ))
    estimate = _estimate(item, evidence, inputs, plan, rng)
    if estimate is None:
        return _no_data(item.code)
    return _judged(item, evidence, estimate, _threshold(item, inputs, plan), inputs, plan)


def _gated(score: IndicatorScore, coverage: Coverage) -> IndicatorScore:
    """Below the coverage minimum a report-fed PASS is held at INDETERMINATE; a FAIL stands."""
    if score.state is not State.PASS or coverage.met:
        return score
    if indicator(score.code).source is Source.ASSESSOR:
        return score
    why = reason(N_("Would pass on this evidence, but monitoring coverage is below the plan's "
                    "minimum: silence is not a clean record. See the coverage figures."))
    return dataclasses.replace(
        score, state=State.INDETERMINATE, reason=why, held_by_coverage=True
    )


def _with_unit_flags(
    score: IndicatorScore, flagged: tuple[str, ...], plan: ScoringPlan
) -> IndicatorScore:
    """HR-1 passes only if no unit is flagged; a flagged unit is observed, so HR-1 then FAILs."""
    if not flagged:
        return score
    rules = plan.tier_rules
    why = reason(
        N_("%(units)s unit(s) had %(needed)s or more verified grave violations within "
           "%(months)s months."),
        units=len(flagged), needed=rules.unit_flag_min_incidents,
        months=rules.unit_flag_window_months,
    )
    return dataclasses.replace(score, state=State.FAIL, reason=why, held_by_coverage=False)


def score_compact(inputs: ScoringInputs, plan: ScoringPlan = DEFAULT_PLAN) -> Scorecard:
    """Score all sixteen indicators; the same inputs and plan always give an equal Scorecard."""
    if plan.catalogue_version != CATALOGUE_VERSION:
        raise ScoringInputError(
            f"plan {plan.version} was written for catalogue {plan.catalogue_version}, "
            f"this engine scores catalogue {CATALOGUE_VERSION}"
        )
    unknown = set(inputs.evidence) - {item.code for item in INDICATORS}
    if unknown:
        raise ScoringInputError(f"evidence for unknown indicators: {sorted(unknown)}")
    rng = np.random.default_rng(inputs.bootstrap_seed)
    rules = plan.tier_rules
    flagged = flagged_units(
        inputs.unit_tallies,
        min_incidents=rules.unit_flag_min_incidents,
        window_months=rules.unit_flag_window_months,
    )
    coverage = judge_coverage(inputs.coverage, plan.rules.coverage)
    scores = []
    for item in INDICATORS:
        score = _gated(score_indicator(item, inputs, plan, rng), coverage)
        if item.code == "HR-1":
            score = _with_unit_flags(score, flagged, plan)
        scores.append(score)
    return Scorecard(
        CATALOGUE_VERSION, plan.version, tuple(scores), flagged, inputs.suspension, coverage
    )
