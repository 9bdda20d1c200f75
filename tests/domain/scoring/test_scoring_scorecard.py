"""Scoring a compact: states from intervals, NO_DATA, peers, unit flags, reproducibility."""

import dataclasses
from datetime import date
from typing import Any

import pytest

from portal.domain.catalogue import CATALOGUE_VERSION, Direction, PassRule, ThresholdKind
from portal.domain.scoring import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
    CoverageFigures,
    Estimate,
    Evidence,
    Exposure,
    GroupRate,
    GroupRateTally,
    GroupShare,
    ProportionTally,
    RateTally,
    ScoringInputError,
    ScoringInputs,
    ScoringPlan,
    State,
    UnitMonthTally,
    default_pass_rules,
    flagged_units,
    judge,
    peer_median,
)
from portal.domain.scoring import score_compact as engine_score

UNIT_A = "a" * 64
UNIT_B = "b" * 64
COUNTRY = Exposure(population=10_000_000, years=1.0, operations=400, items_delivered=200_000)
# Monitoring that meets the default coverage minimum, so silence may count as a clean record.
COVERED = CoverageFigures(
    reports=120, partners=5, population_share=0.9, overdue_reports=0, disruptions=0, reprisals=0
)
# HR-1 has no catalogue threshold: every plan sets its own.
PLAN = ScoringPlan(
    version="test-plan",
    pass_rules={**default_pass_rules(), "HR-1": PassRule(ThresholdKind.ABSOLUTE, 1.0, False)},
    threshold_sources={"HR-1": "test plan"},
)


def score_compact(inputs: ScoringInputs, plan: ScoringPlan = PLAN) -> Any:
    return engine_score(inputs, plan)


def full_inputs(**changes: Any) -> ScoringInputs:
    evidence: dict[str, Evidence] = {
        "PM-1": ProportionTally(90, 5),
        "PM-2": ProportionTally(480, 10),
        "IN-1": CompositionTally((GroupShare("a", 520, 0.5), GroupShare("b", 480, 0.5))),
        "IN-2": GroupRateTally((GroupRate("a", 3.0, 5e6), GroupRate("b", 2.5, 5e6))),
        "IC-1": RateTally(4.2, 6),
        "IC-2": ProportionTally(950, 20),
        "IC-3": ChecklistRatings((70.0, 72.0, 74.0)),
        "HR-1": RateTally(2.0, 3),
        "HR-2": RateTally(1.5, 2),
        "OA-1": ProportionTally(40, 2),
        "OA-2": ChecklistRatings((80.0, 82.0)),
        "OA-3": CountTally(0),
        "AD-1": RateTally(0.0, 0),
        "AD-2": ProportionTally(9_990, 2),
        "CH-1": RateTally(1.0, 1),
        "CH-2": ProportionTally(30, 2),
    }
    base = ScoringInputs(
        evidence=evidence,
        exposure=COUNTRY,
        reporting_open=True,
        peer_estimates={
            "IC-1": (9.0, 12.0, 20.0), "HR-2": (8.0, 10.0, 30.0), "CH-1": (20.0, 40.0, 90.0)
        },
        bootstrap_seed=11,
        coverage=COVERED,
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("lower", "upper", "direction", "expected"),
    [
        (0.8, 0.9, Direction.HIGHER_IS_BETTER, State.PASS),
        (0.5, 0.7, Direction.HIGHER_IS_BETTER, State.FAIL),
        (0.7, 0.8, Direction.HIGHER_IS_BETTER, State.INDETERMINATE),
        (0.1, 0.2, Direction.LOWER_IS_BETTER, State.PASS),
        (0.8, 0.9, Direction.LOWER_IS_BETTER, State.FAIL),
    ],
)
def test_state_needs_the_whole_interval_on_one_side(
    lower: float, upper: float, direction: Direction, expected: State
) -> None:
    assert judge(Estimate((lower + upper) / 2, lower, upper), direction, 0.75, True) is expected


def test_strict_and_inclusive_thresholds_at_the_boundary() -> None:
    at_two = Estimate(2.0, 2.0, 2.0)
    assert judge(at_two, Direction.LOWER_IS_BETTER, 2.0, inclusive=False) is State.FAIL  # "< 2"
    assert judge(at_two, Direction.LOWER_IS_BETTER, 2.0, inclusive=True) is State.PASS  # "≤ 2"


def test_a_full_compact_scores_every_indicator() -> None:
    card = score_compact(full_inputs())
    assert [s.code for s in card.scores][:3] == ["PM-1", "PM-2", "IN-1"]
    assert card.catalogue_version == CATALOGUE_VERSION
    assert card.pass_count >= 12
    assert all(s.state is not State.NO_DATA for s in card.scores)


def test_no_data_never_passes() -> None:
    card = score_compact(
        ScoringInputs(evidence={}, exposure=COUNTRY, reporting_open=False, coverage=COVERED)
    )
    assert {s.state for s in card.scores} == {State.NO_DATA}
    assert card.pass_count == 0
    assert all(s.estimate is None and "never passes" in s.reason.message for s in card.scores)


def test_absence_is_no_data_but_a_zero_tally_is_evidence() -> None:
    closed = full_inputs(evidence={"HR-1": RateTally(0.0, 0)}, reporting_open=False)
    card = score_compact(closed)
    assert card.score("HR-1").state is State.PASS
    assert card.score("HR-2").state is State.NO_DATA
    assert card.score("OA-3").state is State.NO_DATA
    no_population = score_compact(dataclasses.replace(closed, exposure=Exposure()))
    assert no_population.score("HR-1").state is State.NO_DATA


def test_open_reporting_reads_a_missing_row_as_zero_incidents() -> None:
    # A GROUP BY returns no row for an indicator nobody reported on; with reporting open that is
    # zero verified incidents, never for indicators an assessor must also vouch for.
    card = score_compact(full_inputs(evidence={}, reporting_open=True))
    states = card.states()
    assert states["HR-1"] is State.PASS and states["OA-3"] is State.PASS
    assert card.score("HR-1").estimate is not None
    assert states["IC-1"] is State.PASS  # zero, divided by p = 0.1, is below the peers' median
    for code in ("AD-1", "OA-1", "CH-2", "IN-2", "PM-1", "IC-3"):
        assert states[code] is State.NO_DATA, code


def test_one_rater_is_no_data_and_says_why() -> None:
    card = score_compact(full_inputs(evidence={"IC-3": ChecklistRatings((90.0,))}))
    score = card.score("IC-3")
    assert score.state is State.NO_DATA
    assert score.reason.as_dict() == {"raters": 1}


def test_peer_median_thresholds_come_from_other_compacts() -> None:
    assert peer_median([3.0, 1.0, 2.0], minimum=3, decimals=6) == 2.0
    assert peer_median([3.0, 1.0], minimum=3, decimals=6) is None
    card = score_compact(full_inputs(peer_estimates={"IC-1": (5.0, 6.0, 7.0, 8.0)}))
    assert card.score("IC-1").threshold == 6.5
    assert card.score("IC-1").state is State.PASS
    thin = score_compact(full_inputs(peer_estimates={"IC-1": (50.0,)})).score("IC-1")
    assert thin.state is State.INDETERMINATE and thin.threshold is None


def test_plan_thresholds_override_the_catalogue() -> None:
    strict = ScoringPlan(
        version="compact-9/v2",
        pass_rules={**default_pass_rules(), "HR-1": PassRule(ThresholdKind.ABSOLUTE, 0.001, False)},
    )
    assert score_compact(full_inputs()).score("HR-1").state is State.PASS
    card = engine_score(full_inputs(), strict)
    assert card.score("HR-1").state is State.FAIL
    assert card.plan_version == "compact-9/v2"


def test_stockpile_is_judged_against_each_tier_threshold() -> None:
    # 990 of 1,000 accounted for: comfortably above 0.98, clearly below 0.995.
    card = score_compact(full_inputs(evidence={"AD-2": ProportionTally(990, 10)}))
    ad2 = card.score("AD-2")
    assert ad2.estimate is not None and 0.98 < ad2.estimate.lower < ad2.estimate.upper < 0.995
    assert ad2.state is State.PASS
    assert ad2.state_at_tier(2) is State.PASS
    assert ad2.state_at_tier(3) is State.FAIL


def test_a_unit_with_three_grave_violations_in_a_year_fails_hr1() -> None:
    tallies = (
        UnitMonthTally(UNIT_A, date(2025, 2, 1), 1),
        UnitMonthTally(UNIT_A, date(2025, 9, 1), 1),
        UnitMonthTally(UNIT_A, date(2026, 1, 1), 1),
        UnitMonthTally(UNIT_B, date(2025, 1, 1), 2),
        UnitMonthTally(UNIT_B, date(2026, 1, 1), 1),  # 13 months after the first: not within 12
    )
    assert flagged_units(tallies, min_incidents=3, window_months=12) == (UNIT_A,)
    card = score_compact(full_inputs(unit_tallies=tallies))
    assert card.flagged_units == (UNIT_A,)
    assert card.score("HR-1").state is State.FAIL
    assert card.score("HR-1").reason.as_dict()["units"] == 1


def test_units_are_never_named() -> None:
    with pytest.raises(ScoringInputError):
        UnitMonthTally("3rd Battalion", date(2026, 1, 1), 1)


def test_wrong_or_unknown_evidence_is_refused() -> None:
    with pytest.raises(ScoringInputError):
        score_compact(full_inputs(evidence={"HR-1": CountTally(3)}))
    with pytest.raises(ScoringInputError):
        score_compact(full_inputs(evidence={"XX-1": CountTally(3)}))


def test_same_inputs_give_an_identical_scorecard() -> None:
    first, second = score_compact(full_inputs()), score_compact(full_inputs())
    assert first == second
    assert repr(first) == repr(second)
    for score in first.scores:
        if score.estimate is not None:
            shown = score.estimate.rounded(6)
            for number in (shown.value, shown.lower, shown.upper):
                assert number == round(number, 6)


def test_sum_order_does_not_change_the_scorecard() -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit; the scorecard must not.
    one = score_compact(full_inputs(evidence={"HR-1": RateTally(0.1 + 0.2 + 0.3, 3)}))
    other = score_compact(full_inputs(evidence={"HR-1": RateTally(0.3 + 0.2 + 0.1, 3)}))
    assert one == other
