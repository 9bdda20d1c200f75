"""Issue 10, points 1, 2 and 7: silence is not a clean record, hurdles on exact bounds, p, raters,
unrounded states. Estimators are checked against scipy.stats, not against our own formulas."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import optimize, stats

from portal.domain.catalogue import INDICATORS, PassRule, Source, ThresholdKind
from portal.domain.scoring import (
    ChecklistRatings,
    CountTally,
    CoverageFigures,
    Criterion,
    Exposure,
    History,
    PlanRules,
    ProportionTally,
    RateTally,
    ReportingFraction,
    ScoringInputs,
    ScoringPlan,
    State,
    default_pass_rules,
    gamma_rate,
    score_compact,
    tier_for,
)
from portal.domain.scoring.exact import (
    clopper_pearson_lower,
    clopper_pearson_upper,
    garwood_lower,
    garwood_upper,
)

IRAQ = Exposure(population=46_000_000, years=1.0, operations=400, items_delivered=200_000)
HR1_AT_ONE = {**default_pass_rules(), "HR-1": PassRule(ThresholdKind.ABSOLUTE, 1.0, False)}
PLAN = ScoringPlan(version="p", pass_rules=HR1_AT_ONE, threshold_sources={"HR-1": "board"})
SILENT = CoverageFigures(
    reports=0, partners=0, population_share=0.0, overdue_reports=0, disruptions=0, reprisals=0
)
COVERED = CoverageFigures(
    reports=400, partners=6, population_share=0.93, overdue_reports=0, disruptions=0, reprisals=0
)
REPORT_FED = {i.code for i in INDICATORS if i.source is not Source.ASSESSOR}
# Three assessor audits that pass, as in the 46M case.
THREE_AUDITS = {
    "PM-1": ProportionTally(95, 5),
    "PM-2": ProportionTally(980, 20),
    "IC-2": ProportionTally(960, 10),
}
PEERS = {"IC-1": (50.0, 60.0, 70.0), "HR-2": (50.0, 60.0, 70.0), "CH-1": (500.0, 600.0, 700.0)}


def silent_compact(coverage: CoverageFigures | None) -> ScoringInputs:
    return ScoringInputs(
        evidence=THREE_AUDITS, exposure=IRAQ, reporting_open=True, peer_estimates=PEERS,
        coverage=coverage,
    )


@pytest.mark.parametrize("coverage", [SILENT, None])
def test_a_silent_46m_compact_has_no_report_fed_pass_and_tier_0(
    coverage: CoverageFigures | None,
) -> None:
    card = score_compact(silent_compact(coverage), PLAN)
    assert not card.coverage.met
    passing = {s.code for s in card.scores if s.state is State.PASS}
    assert passing == set(THREE_AUDITS)
    assert not passing & REPORT_FED
    held = {s.code for s in card.scores if s.held_by_coverage}
    assert {"HR-1", "OA-3", "IC-1", "HR-2", "CH-1"} <= held
    for code in held:
        score = card.score(code)
        assert score.state is State.INDETERMINATE
        assert "monitoring coverage is below the plan's minimum" in score.reason.message
    result = tier_for(card, History(), PLAN)
    assert result.recommended_tier == 0 and result.evidence_tier == 0
    if coverage is not None:
        assert set(card.coverage.unmet()) == {
            Criterion.REPORTS, Criterion.PARTNERS, Criterion.POPULATION
        }


def test_the_gate_is_what_holds_silence_back() -> None:
    # The same silence with monitoring that met the plan's minimum is an honest clean record.
    card = score_compact(silent_compact(COVERED), PLAN)
    assert card.coverage.met
    for code in ("HR-1", "OA-3", "IC-1", "HR-2", "CH-1"):
        assert card.score(code).state is State.PASS, code
        assert not card.score(code).held_by_coverage


def test_evidence_of_harm_fails_whatever_the_coverage() -> None:
    inputs = dataclasses.replace(
        silent_compact(SILENT),
        evidence={**THREE_AUDITS, "OA-3": CountTally(2), "HR-1": RateTally(900.0, 900)},
    )
    card = score_compact(inputs, PLAN)
    assert card.score("OA-3").state is State.FAIL
    assert card.score("HR-1").state is State.FAIL


def test_each_coverage_criterion_alone_closes_the_gate() -> None:
    for change in (
        {"reports": 29}, {"partners": 2}, {"population_share": 0.69},
        {"population_share": None}, {"overdue_reports": 1}, {"disruptions": 1},
        {"reprisals": 1},
    ):
        card = score_compact(silent_compact(dataclasses.replace(COVERED, **change)), PLAN)
        assert not card.coverage.met, change
        assert card.score("HR-1").state is State.INDETERMINATE, change


def test_the_coverage_minimum_is_the_plans() -> None:
    lenient = dataclasses.replace(
        PLAN,
        rules=PlanRules.from_data({"coverage": {"min_reports": 0, "min_partners": 0,
                                                "min_population_share": 0.0}}),
    )
    assert score_compact(silent_compact(SILENT), lenient).coverage.met


def test_the_reporting_fraction_divides_the_report_rate() -> None:
    plain = dataclasses.replace(PLAN, rules=_fraction("HR-1", 1.0))
    inputs = dataclasses.replace(silent_compact(COVERED), evidence={"HR-1": RateTally(12.0, 12)})
    at_one = score_compact(inputs, plain).score("HR-1")
    at_tenth = score_compact(inputs, PLAN).score("HR-1")
    assert at_tenth.reporting_fraction == 0.1 and at_one.reporting_fraction == 1.0
    assert at_one.estimate is not None and at_tenth.estimate is not None
    for shown, true in zip(
        (at_one.estimate.value, at_one.estimate.lower, at_one.estimate.upper),
        (at_tenth.estimate.value, at_tenth.estimate.lower, at_tenth.estimate.upper),
        strict=True,
    ):
        assert true == pytest.approx(shown / 0.1, rel=1e-12)
    # Gamma(0.5 + 12) over 460 exposure units, from scipy, then divided by p.
    exposure = 46_000_000 / 100_000
    assert at_tenth.estimate.upper == pytest.approx(
        stats.gamma(12.5, scale=1 / exposure).ppf(0.95) / 0.1, rel=1e-9
    )


def _fraction(code: str, value: float) -> PlanRules:
    fractions = dict(PlanRules().reporting_fractions)
    fractions[code] = ReportingFraction(value, "test")
    return dataclasses.replace(PlanRules(), reporting_fractions=fractions)


@pytest.mark.parametrize("count", [0, 1, 2, 5, 13, 40, 250])
@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.1])
def test_garwood_bounds_agree_with_scipy(count: int, alpha: float) -> None:
    # Garwood: chi-square quantiles χ²(α; 2k)/2 and χ²(1 − α; 2k + 2)/2.
    lower = 0.0 if count == 0 else stats.chi2.ppf(alpha, 2 * count) / 2
    upper = stats.chi2.ppf(1 - alpha, 2 * count + 2) / 2
    assert garwood_lower(count, alpha) == pytest.approx(lower, rel=1e-10, abs=1e-14)
    assert garwood_upper(count, alpha) == pytest.approx(upper, rel=1e-10)
    # And their definition: the Poisson tail at each bound is exactly α.
    if count:
        assert stats.poisson(garwood_lower(count, alpha)).sf(count - 1) == pytest.approx(alpha)
    assert stats.poisson(garwood_upper(count, alpha)).cdf(count) == pytest.approx(alpha)


@pytest.mark.parametrize(("x", "n"), [(0, 5), (1, 5), (5, 5), (7, 10), (31, 60), (120, 121)])
def test_clopper_pearson_bounds_agree_with_scipy(x: int, n: int) -> None:
    # A two-sided 90% Clopper–Pearson interval is the pair of one-sided 95% bounds.
    interval = stats.binomtest(x, n).proportion_ci(confidence_level=0.90, method="exact")
    assert clopper_pearson_lower(x, n, 0.05) == pytest.approx(interval.low, abs=1e-12)
    assert clopper_pearson_upper(x, n, 0.05) == pytest.approx(interval.high, abs=1e-12)


def _worst_miss_rate(bounds: np.ndarray, grid: np.ndarray) -> float:
    """max over μ of P(bound(K) < μ), K ~ Poisson(μ): how often an upper bound wrongly clears
    the true rate. `bounds[k]` is the bound for an observed count k."""
    ks = np.arange(len(bounds))
    worst = 0.0
    for mu in grid:
        pmf = stats.poisson(mu).pmf(ks)
        worst = max(worst, float(pmf[bounds < mu].sum()))
    return worst


def test_the_exact_upper_bound_keeps_its_promise_where_jeffreys_does_not() -> None:
    ks = np.arange(0, 80)
    jeffreys = stats.gamma(ks + 0.5).ppf(0.95)
    garwood = np.array([garwood_upper(int(k), 0.05) for k in ks])
    grid = np.linspace(0.05, 12.0, 600)
    assert _worst_miss_rate(garwood, grid) <= 0.05 + 1e-12
    # The Jeffreys bound misses up to 14.6% of the time (at μ ≈ 1.92): a 5% hurdle opens 3×
    # too often.
    assert _worst_miss_rate(jeffreys, grid) > 0.14


def test_hr1_is_decided_on_the_exact_bound_not_the_jeffreys_interval() -> None:
    # 4 verified grave violations a year over 1.5M people at p = 1: Jeffreys' upper bound is
    # below 0.6 per 100k but Garwood's is above.
    plan = dataclasses.replace(
        PLAN, rules=_fraction("HR-1", 1.0),
        pass_rules={**HR1_AT_ONE, "HR-1": PassRule(ThresholdKind.ABSOLUTE, 0.6, False)},
    )
    inputs = ScoringInputs(
        evidence={"HR-1": RateTally(4.0, 4)}, reporting_open=True, coverage=COVERED,
        exposure=Exposure(population=1_500_000, years=1.0),
    )
    score = score_compact(inputs, plan).score("HR-1")
    assert score.estimate is not None and score.decision is not None
    assert score.estimate.upper < 0.6 < score.decision.upper
    assert score.decision.exact and score.decision.confidence == 0.95
    assert score.state is State.INDETERMINATE
    assert score.decision.upper == pytest.approx(stats.chi2.ppf(0.95, 10) / 2 / 15, rel=1e-9)


def test_hr1_has_no_threshold_until_the_plan_sets_one() -> None:
    card = score_compact(silent_compact(COVERED))  # the catalogue's plan: no HR-1 number
    hr1 = card.score("HR-1")
    assert hr1.state is State.INDETERMINATE and hr1.threshold is None
    assert "plan sets no threshold" in hr1.reason.message


def test_two_agreeing_raters_still_leave_five_points_either_way() -> None:
    inputs = dataclasses.replace(
        silent_compact(COVERED), evidence={"IC-3": ChecklistRatings((52.0, 52.0))}
    )
    score = score_compact(inputs, PLAN).score("IC-3")
    assert score.estimate is not None
    assert (score.estimate.lower, score.estimate.upper) == (47.0, 57.0)
    assert score.state is State.INDETERMINATE  # 47 < 50: two raters cannot make it exact


def test_states_are_judged_before_rounding() -> None:
    # Find weighted successes whose exact lower bound is 0.4999998: it rounds to 0.5 at six
    # decimals, where "≥ 0.5" would wrongly pass OA-1.
    n = 100.0
    x = optimize.brentq(lambda s: clopper_pearson_lower(s, n, 0.05) - 0.4999998, 55, 70)
    x = math.floor(x * 1e6) / 1e6  # a six-decimal input, as a snapshot stores it
    lower = clopper_pearson_lower(x, n, 0.05)
    assert 0.4999995 < lower < 0.5 and round(lower, 6) == 0.5
    inputs = dataclasses.replace(
        silent_compact(COVERED), evidence={"OA-1": ProportionTally(x, n - x)}
    )
    score = score_compact(inputs, PLAN).score("OA-1")
    assert score.decision is not None and score.decision.lower < 0.5
    assert score.state is State.INDETERMINATE


def test_audited_items_add_to_the_report_rate_without_being_scaled() -> None:
    # AD-1: X / p + Y with X ~ Gamma(0.5 + 2), Y ~ Gamma(0.5 + 6), over 200 exposure units.
    estimate = gamma_rate(2.0, 200.0, prior_shape=0.5, tail=0.05, decimals=6,
                          fraction=0.25, direct=6.0)
    rng = np.random.default_rng(7)
    draws = (rng.gamma(2.5, size=1_000_000) / 0.25 + rng.gamma(6.5, size=1_000_000)) / 200
    low, mid, high = np.quantile(draws, [0.05, 0.5, 0.95])
    assert estimate.lower == pytest.approx(low, rel=0.01)
    assert estimate.value == pytest.approx(mid, rel=0.01)
    assert estimate.upper == pytest.approx(high, rel=0.01)


def test_plan_rules_round_trip_and_refuse_nonsense() -> None:
    rules = PlanRules()
    assert PlanRules.from_data(rules.to_data()) == rules
    assert PlanRules.from_data({}) == rules
    for bad in (
        {"coverage": {"min_reports": -1}},
        {"coverage": {"min_population_share": 1.5}},
        {"reporting_fractions": {"HR-1": {"value": 0.0, "source": "x"}}},
        {"reporting_fractions": {"HR-1": {"value": 0.2, "source": " "}}},
        {"reporting_fractions": {"PM-1": {"value": 0.2, "source": "x"}}},
        {"hurdle_confidence": 0.3},
        {"tiers": {"tier1_min_passes": 11}},
        {"coverage": {"unknown": 1}},
        {"response_window_days": 90.5},
    ):
        with pytest.raises(ValueError, match=r"\w"):
            PlanRules.from_data(bad)
