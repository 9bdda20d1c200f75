"""Scoring one compact for one period: sixteen indicator scores, unit flags and review triggers."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from portal.domain.catalogue import (
    CATALOGUE_VERSION,
    INDICATORS,
    EstimatorKind,
    Indicator,
    ThresholdKind,
)
from portal.domain.scoring import estimators
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
class IndicatorScore:
    code: str
    state: State
    estimate: Estimate | None
    threshold: float | None
    reason: Reason
    # States against stricter tier-specific thresholds (AD-2 at tier 3), on the same interval.
    tier_states: tuple[tuple[int, State], ...] = ()

    def state_at_tier(self, tier: int) -> State:
        return dict(self.tier_states).get(tier, self.state)


@dataclass(frozen=True)
class Scorecard:
    catalogue_version: str
    plan_version: str
    scores: tuple[IndicatorScore, ...]  # in catalogue order
    flagged_units: tuple[str, ...]  # opaque unit keys, sorted
    suspension: SuspensionEvidence

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
        assert item.exposure_unit is not None  # every Gamma-rate indicator has one in the catalogue
        exposure = inputs.exposure.in_unit(item.exposure_unit)
        if exposure <= 0.0:
            return None
        return estimators.gamma_rate(
            evidence.weight_sum, exposure,
            prior_shape=plan.rate_prior_shape, tail=tail, decimals=decimals,
        )
    if isinstance(evidence, ProportionTally):
        if evidence.successes + evidence.failures <= 0.0:
            return None
        return estimators.beta_proportion(
            evidence.successes, evidence.failures,
            prior=plan.proportion_prior, tail=tail, decimals=decimals,
        )
    if isinstance(evidence, ChecklistRatings):
        return estimators.checklist_mean(evidence.scores, tail=tail, decimals=decimals)
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


def _judged(
    item: Indicator, estimate: Estimate, threshold: float | None, plan: ScoringPlan
) -> IndicatorScore:
    rule = plan.pass_rule(item.code)
    bounds: dict[str, float] = {"lower": estimate.lower, "upper": estimate.upper}
    if threshold is None:
        peers = plan.tier_rules.peer_minimum
        why = reason(
            N_("Fewer than %(needed)s comparable compacts have an estimate, so there is no peer "
               "median to compare with yet."),
            needed=peers,
        )
        return IndicatorScore(item.code, State.INDETERMINATE, estimate, None, why)
    state = judge(estimate, item.direction, threshold, rule.inclusive)
    if item.estimator is EstimatorKind.COUNT:
        # A count has no interval worth describing; say what was counted instead.
        why = reason(N_("Verified incidents counted: %(count)s. It passes at %(threshold)s or "
                        "fewer."), count=int(estimate.value), threshold=threshold)
        return IndicatorScore(item.code, state, estimate, threshold, why)
    message = {
        State.PASS: N_("The whole interval, %(lower)s to %(upper)s, is on the good side of "
                       "%(threshold)s."),
        State.FAIL: N_("The whole interval, %(lower)s to %(upper)s, is on the wrong side of "
                       "%(threshold)s."),
        State.INDETERMINATE: N_("The interval, %(lower)s to %(upper)s, reaches both sides of "
                                "%(threshold)s; more evidence is needed to decide."),
    }[state]
    tier_states = tuple(
        (tier, judge(estimate, item.direction, value, rule.inclusive))
        for tier, value in rule.by_tier
    )
    return IndicatorScore(
        item.code, state, estimate, threshold, reason(message, threshold=threshold, **bounds),
        tier_states,
    )


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
    rule = plan.pass_rule(item.code)
    if rule.kind is ThresholdKind.PEER_MEDIAN:
        threshold = peer_median(
            inputs.peer_estimates.get(item.code, ()),
            minimum=plan.tier_rules.peer_minimum, decimals=plan.decimals,
        )
    else:
        threshold = rule.value
    return _judged(item, estimate, threshold, plan)


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
    return IndicatorScore(score.code, State.FAIL, score.estimate, score.threshold, why)


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
    scores = []
    for item in INDICATORS:
        score = score_indicator(item, inputs, plan, rng)
        if item.code == "HR-1":
            score = _with_unit_flags(score, flagged, plan)
        scores.append(score)
    return Scorecard(CATALOGUE_VERSION, plan.version, tuple(scores), flagged, inputs.suspension)
