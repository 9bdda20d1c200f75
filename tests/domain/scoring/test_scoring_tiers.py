"""Tier rules of indicators.md: pass counts, hard hurdles, hysteresis, overlays and reasons."""

from collections.abc import Iterable, Mapping

import pytest

from portal.domain.catalogue import CATALOGUE_VERSION, HARD_HURDLES, INDICATOR_CODES
from portal.domain.scoring import (
    History,
    IndicatorScore,
    Reason,
    Scorecard,
    State,
    SuspensionEvidence,
    TierAssessment,
    tier_for,
)

PASS, FAIL, UNCLEAR, NO_DATA = State.PASS, State.FAIL, State.INDETERMINATE, State.NO_DATA

TIER1_EIGHT = ("PM-1", "PM-2", "IN-1", "IN-2", "IC-1", "IC-2", "IC-3", "HR-2")
TIER2_TEN = ("HR-1", "OA-1", "OA-3", "IC-1", "IC-2", "AD-2", "PM-1", "PM-2", "IN-2", "HR-2")
TIER3_TWELVE = (
    "HR-1", "OA-1", "OA-3", "AD-1", "AD-2", "IN-1", "CH-2", "IC-1", "IC-2", "PM-1", "PM-2", "IN-2",
)
HURDLES_PASSED = {code: PASS for code in HARD_HURDLES}
NO_TRIGGER = SuspensionEvidence()


def card(
    passing: Iterable[str],
    rest: State = UNCLEAR,
    *,
    states: Mapping[str, State] | None = None,
    stockpile_at_tier3: State | None = None,
    flagged: tuple[str, ...] = (),
    suspension: SuspensionEvidence = NO_TRIGGER,
) -> Scorecard:
    passing, states = set(passing), states or {}
    scores = []
    for code in INDICATOR_CODES:
        state = states.get(code, PASS if code in passing else rest)
        banded = ((3, stockpile_at_tier3 or state),) if code == "AD-2" else ()
        scores.append(IndicatorScore(code, state, None, None, Reason("test"), banded))
    return Scorecard(CATALOGUE_VERSION, "test", tuple(scores), flagged, suspension)


def all_pass_but(**states: State) -> Scorecard:
    return card(INDICATOR_CODES, states={code.replace("_", "-"): s for code, s in states.items()})


def recommend(scorecard: Scorecard, **history: object) -> TierAssessment:
    return tier_for(scorecard, History(**history))  # type: ignore[arg-type]


@pytest.mark.parametrize(("passes", "tier"), [(7, 0), (8, 1)])
def test_tier1_boundary_at_eight_passes(passes: int, tier: int) -> None:
    assert recommend(card(TIER1_EIGHT[:passes])).recommended_tier == tier


@pytest.mark.parametrize(("passes", "tier"), [(9, 1), (10, 2)])
def test_tier2_boundary_at_ten_passes(passes: int, tier: int) -> None:
    assert recommend(card(TIER2_TEN[:passes])).recommended_tier == tier


@pytest.mark.parametrize(("passes", "tier"), [(11, 2), (12, 3)])
def test_tier3_boundary_at_twelve_passes(passes: int, tier: int) -> None:
    result = recommend(card(TIER3_TWELVE[:passes]), previous_annual_states=HURDLES_PASSED)
    assert result.recommended_tier == tier


@pytest.mark.parametrize(
    ("scorecard", "tier"),
    [
        (all_pass_but(HR_1=FAIL), 0),  # HR-1 blocks tier 1 with 15 passes
        (all_pass_but(OA_3=FAIL), 0),  # OA-3 blocks tier 1
        (all_pass_but(HR_1=UNCLEAR), 1),  # tier 2 needs HR-1 to pass, tier 1 only not to fail
        (all_pass_but(OA_3=UNCLEAR), 1),
        (all_pass_but(OA_1=UNCLEAR), 1),  # OA-1 is a hurdle from tier 2
        (all_pass_but(OA_1=FAIL), 1),
        (all_pass_but(AD_1=FAIL), 1),  # AD-1 is a hurdle from tier 2: "not FAIL"
        (all_pass_but(AD_1=UNCLEAR), 2),  # ... and must pass only for tier 3
        (all_pass_but(IN_1=UNCLEAR), 2),
        (all_pass_but(CH_2=FAIL), 2),
        (all_pass_but(IC_1=FAIL, IC_2=UNCLEAR), 1),  # only one of IC-1..3 passes
        (card(INDICATOR_CODES, stockpile_at_tier3=UNCLEAR), 2),  # AD-2 ≥ 0.98 but not ≥ 0.995
        (all_pass_but(AD_2=UNCLEAR), 1),  # AD-2 not even ≥ 0.98
    ],
)
def test_each_hard_hurdle_and_band_blocks_its_tier(scorecard: Scorecard, tier: int) -> None:
    result = recommend(scorecard, previous_annual_states=HURDLES_PASSED)
    assert result.recommended_tier == tier
    assert result.failed_rules()


@pytest.mark.parametrize(
    "previous_annual", [None, {**HURDLES_PASSED, "OA-1": UNCLEAR}, {**HURDLES_PASSED, "AD-1": FAIL}]
)
def test_tier3_needs_hurdles_passed_in_two_consecutive_annual_assessments(
    previous_annual: Mapping[str, State] | None,
) -> None:
    result = recommend(card(INDICATOR_CODES), previous_annual_states=previous_annual)
    assert result.recommended_tier == 2
    assert "tier3.hurdles_two_years" in {r.rule for r in result.failed_rules()}


def test_moving_up_needs_pass_not_unclear() -> None:
    # Tier 1 in force; everything tier 2 needs is there except OA-1, which is only unclear.
    result = recommend(all_pass_but(OA_1=UNCLEAR), tier_in_force=1)
    assert result.recommended_tier == 1
    result = recommend(card(TIER2_TEN), tier_in_force=1)
    assert result.recommended_tier == 2 and result.evidence_tier == 2


def test_unclear_evidence_does_not_move_a_compact_down() -> None:
    before = {code: PASS for code in TIER2_TEN}
    now = card(TIER2_TEN, states={"HR-2": UNCLEAR, "HR-1": UNCLEAR})
    result = recommend(now, tier_in_force=2, previous_states=before)
    assert result.evidence_tier == 1
    assert result.recommended_tier == 2
    assert next(r for r in result.rules if r.rule == "hysteresis").passed


def test_a_fail_moves_a_compact_down() -> None:
    before = {code: PASS for code in TIER2_TEN}
    result = recommend(card(TIER2_TEN, states={"HR-2": FAIL}), tier_in_force=2,
                       previous_states=before)
    assert result.recommended_tier == 1
    assert not next(r for r in result.rules if r.rule == "hysteresis").passed


@pytest.mark.parametrize("unclear", [UNCLEAR, NO_DATA])
def test_a_hard_hurdle_unclear_twice_in_a_row_moves_a_compact_down(unclear: State) -> None:
    before = {code: PASS for code in TIER2_TEN}
    once = recommend(card(TIER2_TEN, states={"OA-1": unclear}), tier_in_force=2,
                     previous_states=before)
    assert once.recommended_tier == 2
    twice = recommend(
        card(TIER2_TEN, states={"OA-1": unclear}), tier_in_force=2,
        previous_states={**before, "OA-1": unclear},
    )
    assert twice.recommended_tier == 1


def test_an_ordinary_indicator_slipping_to_unclear_once_keeps_the_tier() -> None:
    # Issue 10: a non-hurdle going from PASS to INDETERMINATE once must not drop a decided tier
    # (seen: tier 1 → 0).
    before = {code: PASS for code in TIER1_EIGHT}
    result = recommend(card(TIER1_EIGHT, states={"HR-2": UNCLEAR}), tier_in_force=1,
                       previous_states=before)
    assert result.evidence_tier == 0
    assert result.recommended_tier == 1
    assert "HR-2" in result.counted


@pytest.mark.parametrize("gap", [NO_DATA, UNCLEAR])
def test_too_few_passes_two_periods_in_a_row_moves_a_compact_down(gap: State) -> None:
    # Issue 10: four non-hurdle indicators NO_DATA for four periods kept tier 2 on 7 PASS.
    # Tier 2 was decided on 11 passes; then four of them have no data.
    eleven = (*TIER2_TEN, "IC-3")
    gaps = {code: gap for code in ("PM-1", "PM-2", "IN-2", "HR-2")}
    decided = {code: (PASS if code in eleven else UNCLEAR) for code in INDICATOR_CODES}
    first = recommend(card(eleven, states=gaps), tier_in_force=2, previous_states=decided)
    assert first.pass_count == 7
    assert first.recommended_tier == 2  # one period of grace
    after_first = {**decided, **gaps}
    second = recommend(card(eleven, states=gaps), tier_in_force=2, previous_states=after_first)
    assert second.recommended_tier == 0  # 7 < 8 twice in a row: tier 1 is not held either
    assert not next(r for r in second.rules if r.rule == "hysteresis").passed
    assert "hold.tier2.passes" in {r.rule for r in second.failed_rules()}


def test_indicators_taking_turns_cannot_hold_a_pass_count_below_the_rule() -> None:
    # Each period a different indicator is unclear once, but the real pass count is 9 < 10
    # twice in a row: the tier still moves down.
    before = {code: (PASS if code in TIER2_TEN else UNCLEAR) for code in INDICATOR_CODES}
    before["PM-1"] = UNCLEAR  # 9 passes at the previous assessment, PM-1 unclear once
    now = card(TIER2_TEN, states={"PM-2": UNCLEAR})  # PM-1 passes again, PM-2 unclear once
    result = recommend(now, tier_in_force=2, previous_states=before)
    assert result.pass_count == 9
    assert result.recommended_tier == 1


def test_indicators_that_never_passed_do_not_hold_a_tier() -> None:
    # Ten passes bought tier 2, the other six were never better than unclear. One pass now fails:
    # 9 still count, and the six never-passing ones do not make up the difference.
    before = {code: (PASS if code in TIER2_TEN else UNCLEAR) for code in INDICATOR_CODES}
    result = recommend(card(TIER2_TEN, states={"PM-1": FAIL}), tier_in_force=2,
                       previous_states=before)
    assert result.recommended_tier == 1


def test_dropping_from_tier3_stops_at_the_highest_tier_still_held() -> None:
    before = {code: PASS for code in INDICATOR_CODES}
    result = recommend(all_pass_but(IN_1=FAIL), tier_in_force=3, previous_states=before,
                       previous_annual_states=HURDLES_PASSED)
    assert (result.evidence_tier, result.recommended_tier) == (2, 2)


def test_verified_mass_casualty_or_reprisal_recommends_tier_0_pending_review() -> None:
    for trigger in (SuspensionEvidence(mass_casualty_incidents=1),
                    SuspensionEvidence(reprisal_incidents=1)):
        result = recommend(card(INDICATOR_CODES, suspension=trigger), tier_in_force=3,
                           previous_annual_states=HURDLES_PASSED)
        assert result.evidence_tier == 3
        assert result.recommended_tier == 0
        assert result.review_required


def test_flagged_units_are_reported_whatever_the_tier() -> None:
    result = recommend(card(TIER2_TEN, flagged=("c" * 64,)))
    assert result.flagged_units == ("c" * 64,)
    assert "unit_flags" in {r.rule for r in result.failed_rules()}


@pytest.mark.parametrize(
    ("passing", "states", "eligible"),
    [
        (TIER1_EIGHT[:6], {}, True),
        (TIER1_EIGHT[:5], {}, False),
        (TIER1_EIGHT[:7], {"HR-1": FAIL}, False),
    ],
)
def test_reform_track_below_tier1(
    passing: tuple[str, ...], states: dict[str, State], eligible: bool
) -> None:
    result = recommend(card(passing, states=states))
    assert result.recommended_tier == 0
    assert result.reform_track is eligible


def test_every_rule_explains_itself_in_a_translatable_sentence() -> None:
    result = recommend(all_pass_but(OA_1=UNCLEAR), tier_in_force=2,
                       previous_states={"OA-1": UNCLEAR}, previous_annual_states=None)
    rule_ids = [r.rule for r in result.rules]
    assert len(rule_ids) == len(set(rule_ids))
    assert "tier1.passes" in rule_ids and "hold.tier2.passes" in rule_ids
    for outcome in result.rules:
        text = outcome.reason.message % outcome.reason.as_dict()
        assert text and "%(" not in text
