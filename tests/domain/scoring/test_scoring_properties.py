"""Properties that must hold for any evidence and any history."""

import dataclasses
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.domain.catalogue import CATALOGUE_VERSION, INDICATOR_CODES, INDICATORS, EstimatorKind
from portal.domain.scoring import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
    CoverageFigures,
    Evidence,
    Exposure,
    GroupRate,
    GroupRateTally,
    GroupShare,
    History,
    IndicatorScore,
    ProportionTally,
    RateTally,
    Reason,
    Scorecard,
    ScoringInputs,
    State,
    SuspensionEvidence,
    UnitMonthTally,
    score_compact,
    tier_for,
)

UNITS = ("1" * 32, "2" * 32, "3" * 32)
states = st.sampled_from(list(State))
weights = st.floats(0.0, 40.0, allow_nan=False)
counts = st.integers(0, 300)


def evidence_for(kind: EstimatorKind) -> st.SearchStrategy[Evidence]:
    if kind is EstimatorKind.GAMMA_RATE:
        return st.builds(RateTally, weights, st.integers(0, 40))
    if kind is EstimatorKind.BETA_PROPORTION:
        return st.builds(ProportionTally, counts, counts)
    if kind is EstimatorKind.CHECKLIST:
        ratings = st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=3)
        return st.builds(ChecklistRatings, ratings.map(tuple))
    if kind is EstimatorKind.DISSIMILARITY:
        return st.tuples(counts, counts, st.integers(1, 300)).map(
            lambda n: CompositionTally((GroupShare("a", n[0], 0.5), GroupShare("b", n[1], 0.3),
                                        GroupShare("c", n[2], 0.2)))
        )
    if kind is EstimatorKind.RATE_RATIO:
        return st.tuples(weights, weights, weights).map(
            lambda w: GroupRateTally((GroupRate("a", w[0], 4e6), GroupRate("b", w[1], 2e6),
                                      GroupRate("c", w[2], 1e6)))
        )
    return st.builds(CountTally, st.integers(0, 2))


@st.composite
def scoring_inputs(draw: st.DrawFn) -> ScoringInputs:
    evidence = {}
    for item in INDICATORS:
        tally = draw(st.none() | evidence_for(item.estimator))
        if tally is not None:
            evidence[item.code] = tally
    peers = st.lists(st.floats(0.0, 20.0, allow_nan=False), max_size=5).map(tuple)
    tallies = draw(st.lists(st.builds(
        UnitMonthTally, st.sampled_from(UNITS),
        st.builds(date, st.integers(2024, 2025), st.integers(1, 12), st.just(1)),
        st.integers(0, 2),
    ), max_size=6))
    coverage = draw(st.none() | st.builds(
        CoverageFigures, st.integers(0, 60), st.integers(0, 5),
        st.none() | st.floats(0.0, 1.0), st.integers(0, 2), st.integers(0, 1), st.integers(0, 1),
    ))
    return ScoringInputs(
        evidence=evidence,
        coverage=coverage,
        reporting_open=draw(st.booleans()),
        exposure=Exposure(population=draw(st.sampled_from([2e5, 3e6, 4e7])), years=1.0,
                          operations=300, items_delivered=5_000),
        unit_tallies=tuple(tallies),
        peer_estimates={code: draw(peers) for code in ("IC-1", "HR-2", "CH-1")},
        bootstrap_seed=draw(st.integers(0, 2**32 - 1)),
    )


@st.composite
def histories(draw: st.DrawFn) -> History:
    previous = draw(st.just({}) | st.fixed_dictionaries({code: states for code in INDICATOR_CODES}))
    bands = {"AD-2": {3: draw(states)}} if previous else {}
    annual = draw(st.none() | st.fixed_dictionaries({code: states for code in INDICATOR_CODES}))
    return History(draw(st.integers(0, 3)), previous, bands, annual)


@settings(max_examples=150, deadline=None)
@given(scoring_inputs(), histories(), st.floats(0.01, 1.0), st.none() | st.sampled_from(UNITS))
def test_a_further_grave_violation_never_raises_the_tier(
    inputs: ScoringInputs, history: History, weight: float, unit: str | None
) -> None:
    # A verified incident arrives through reporting: closed reporting with no HR-1 row is not a
    # state this can start from (it would be NO_DATA turning into data, not more evidence).
    assume(inputs.reporting_open or "HR-1" in inputs.evidence)
    hr1 = inputs.evidence.get("HR-1")
    more = RateTally(weight, 1) if not isinstance(hr1, RateTally) else RateTally(
        hr1.weight_sum + weight, hr1.incidents + 1
    )
    tallies = inputs.unit_tallies
    if unit is not None:
        tallies = (*tallies, UnitMonthTally(unit, date(2025, 6, 1), 1))
    worse = dataclasses.replace(
        inputs, evidence={**inputs.evidence, "HR-1": more}, unit_tallies=tallies
    )
    before = tier_for(score_compact(inputs), history)
    after = tier_for(score_compact(worse), history)
    assert after.recommended_tier <= before.recommended_tier
    assert after.evidence_tier <= before.evidence_tier


def _card(states_by_code: dict[str, State], stockpile_at_tier3: State) -> Scorecard:
    scores = tuple(
        IndicatorScore(code, state, None, None, Reason("test"),
                       ((3, stockpile_at_tier3),) if code == "AD-2" else ())
        for code, state in states_by_code.items()
    )
    return Scorecard(CATALOGUE_VERSION, "test", scores, (), SuspensionEvidence())


ORDER = {State.PASS: 0, State.INDETERMINATE: 1, State.NO_DATA: 1, State.FAIL: 2}


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({code: states for code in INDICATOR_CODES}),
    states,
    histories(),
    st.sampled_from(INDICATOR_CODES),
    states,
)
def test_a_worse_state_or_no_data_never_raises_the_tier(
    current: dict[str, State], banded: State, history: History, code: str, replacement: State
) -> None:
    if ORDER[replacement] < ORDER[current[code]]:
        replacement = current[code]
    before = tier_for(_card(current, banded), history)
    after = tier_for(_card({**current, code: replacement}, banded), history)
    assert after.recommended_tier <= before.recommended_tier


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({code: states for code in INDICATOR_CODES}), states, histories())
def test_no_data_weighs_exactly_like_unclear_evidence_never_like_a_pass(
    current: dict[str, State], banded: State, history: History
) -> None:
    def unclear(state: State) -> State:
        return State.INDETERMINATE if state is State.NO_DATA else state

    with_gaps = tier_for(_card(current, banded), history)
    as_unclear = tier_for(_card({c: unclear(s) for c, s in current.items()}, unclear(banded)),
                          history)
    assert with_gaps.pass_count == sum(s is State.PASS for s in current.values())
    assert (with_gaps.evidence_tier, with_gaps.recommended_tier) == (
        as_unclear.evidence_tier, as_unclear.recommended_tier
    )
