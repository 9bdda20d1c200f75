"""Which assistance tier the evidence supports, and why.

`tier_for` reads a scorecard against the tier table of indicators.md. Tiers are cumulative: tier 3
also needs every rule of tiers 1 and 2, because "sophisticated systems" for a partner that would not
qualify for light lethal assistance is not what any co-designer meant.

Hysteresis keeps assistance from flapping on noise, without letting silence hold a tier forever.
*Reaching* a tier needs PASS where the table says PASS. *Keeping* the tier in force reads it with
one period of grace and no more (indicators.md, Tiers):

- an indicator still counts if it passes now, or is unclear (INDETERMINATE or NO_DATA) now but
  passed at the previous assessment; a FAIL, or unclear twice in a row, ends it. So a hard
  hurdle unclear twice moves the compact down, and one indicator slipping from PASS to unclear
  once does not;
- a pass count (the 8/10/12 and the two of IC-1..3) also breaks when the real PASS count is below
  the rule two assessments in a row, however the indicators took turns: NO_DATA is not a pass
  and cannot hold a tier up.

The previous assessment is the newest scorecard of the period before, and the tier in force is
the tier an assessor *decided* for an earlier period, not a recommendation: the service reads
both from its chain of scorecards and decisions (`History`).

The result recommends; an assessor records the decision.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from portal.domain.catalogue import INDICATORS, hard_hurdles_at
from portal.domain.scoring.errors import ScoringInputError
from portal.domain.scoring.plan import DEFAULT_PLAN, ScoringPlan
from portal.domain.scoring.reasons import Reason, reason
from portal.domain.scoring.scorecard import Scorecard
from portal.domain.scoring.states import State
from portal.i18n.markers import N_

TOP_TIER = 3
INTEGRITY_CODES = ("IC-1", "IC-2", "IC-3")


@dataclass(frozen=True)
class History:
    """What was decided and assessed before this scorecard.

    `tier_in_force`: the tier decided for an earlier period and in force for this one.
    `previous_states`: the immediately preceding assessment (empty when there is none).
    `previous_band_states`: its states against tier-specific thresholds (AD-2 at tier 3).
    `previous_annual_states`: the last annual assessment before this one (for tier 3's "two
    consecutive annual assessments"); None when there is none.
    """

    tier_in_force: int = 0
    previous_states: Mapping[str, State] = field(default_factory=lambda: MappingProxyType({}))
    previous_band_states: Mapping[str, Mapping[int, State]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    previous_annual_states: Mapping[str, State] | None = None

    def previous(self, code: str, tier: int | None = None) -> State | None:
        if tier is not None:
            banded = self.previous_band_states.get(code, {}).get(tier)
            if banded is not None:
                return banded
        return self.previous_states.get(code)

    def previous_passes(self, codes: tuple[str, ...]) -> int | None:
        """How many of `codes` passed at the previous assessment; None if there was none."""
        if not self.previous_states:
            return None
        return sum(self.previous_states.get(code) is State.PASS for code in codes)


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    passed: bool
    reason: Reason


@dataclass(frozen=True)
class TierAssessment:
    recommended_tier: int
    evidence_tier: int  # what this scorecard alone supports, before hysteresis and suspension
    tier_in_force: int
    pass_count: int
    reform_track: bool
    review_required: bool  # a suspension trigger fired: out-of-cycle review
    flagged_units: tuple[str, ...]
    rules: tuple[RuleOutcome, ...]
    counted: tuple[str, ...]  # indicators that count for keeping a tier (pass, or unclear once)

    def failed_rules(self) -> tuple[RuleOutcome, ...]:
        return tuple(outcome for outcome in self.rules if not outcome.passed)


def _holds(state: State, previous: State | None) -> bool:
    """Counts for keeping a tier: passing, or unclear now after a pass (one period of grace)."""
    return state is State.PASS or (state.is_uninformative and previous is State.PASS)


def still_counting(card: Scorecard, history: History) -> frozenset[str]:
    """Indicators that count towards keeping a tier."""
    return frozenset(
        s.code for s in card.scores if _holds(s.state, history.previous(s.code))
    )


@dataclass(frozen=True)
class _Reading:
    """How strictly "needs PASS" is read: to reach a tier, or to keep the one in force."""

    card: Scorecard
    keeping: bool
    history: History

    def counts(self, code: str, tier: int, *, banded: bool = False) -> bool:
        score = self.card.score(code)
        state = score.state_at_tier(tier) if banded else score.state
        if not self.keeping:
            return state is State.PASS
        return _holds(state, self.history.previous(code, tier if banded else None))

    def below_twice(self, codes: tuple[str, ...], needed: int) -> bool:
        """The real PASS count of `codes` is below `needed` now and at the previous assessment."""
        now = sum(self.card.score(code).state is State.PASS for code in codes)
        before = self.history.previous_passes(codes)
        return now < needed and before is not None and before < needed


def _not_fail(card: Scorecard, code: str, tier: int, prefix: str) -> RuleOutcome:
    state = card.score(code).state
    return RuleOutcome(
        f"{prefix}.not_fail.{code}",
        state is not State.FAIL,
        reason(N_("%(code)s is %(state)s; tier %(tier)s needs it not to fail."),
               code=code, state=state.value, tier=tier),
    )


def _must_pass(reading: _Reading, code: str, tier: int, prefix: str) -> RuleOutcome:
    state = reading.card.score(code).state
    message = (
        N_("%(code)s is %(state)s; keeping tier %(tier)s needs it to pass, or to be unclear "
           "only once after passing.")
        if reading.keeping
        else N_("%(code)s is %(state)s; tier %(tier)s needs it to pass.")
    )
    return RuleOutcome(
        f"{prefix}.pass.{code}",
        reading.counts(code, tier),
        reason(message, code=code, state=state.value, tier=tier),
    )


_ALL_CODES = tuple(item.code for item in INDICATORS)


def _pass_count(reading: _Reading, tier: int, prefix: str, plan: ScoringPlan) -> RuleOutcome:
    count = sum(reading.counts(code, tier) for code in _ALL_CODES)
    needed = plan.tier_rules.min_passes(tier)
    if not reading.keeping:
        message = N_("%(count)s of 16 indicators pass; tier %(tier)s needs at least %(needed)s.")
        return RuleOutcome(
            f"{prefix}.passes", count >= needed,
            reason(message, count=count, tier=tier, needed=needed),
        )
    twice = reading.below_twice(_ALL_CODES, needed)
    message = (
        N_("Fewer than %(needed)s indicators passed at this and the previous assessment; "
           "tier %(tier)s is not kept on indicators without data.")
        if twice
        else N_("%(count)s of 16 indicators count (passing, or unclear once after passing); "
                "keeping tier %(tier)s needs at least %(needed)s.")
    )
    return RuleOutcome(
        f"{prefix}.passes", count >= needed and not twice,
        reason(message, count=count, tier=tier, needed=needed),
    )


def _stockpile(reading: _Reading, tier: int, prefix: str, plan: ScoringPlan) -> RuleOutcome:
    state = reading.card.score("AD-2").state_at_tier(tier)
    threshold = plan.pass_rule("AD-2").value_for(tier)
    message = (
        N_("AD-2 is %(state)s against %(threshold)s; keeping tier %(tier)s needs it to pass, or "
           "to be unclear only once after passing.")
        if reading.keeping
        else N_("AD-2 is %(state)s against %(threshold)s; tier %(tier)s needs it to pass.")
    )
    return RuleOutcome(
        f"{prefix}.stockpile",
        reading.counts("AD-2", tier, banded=True),
        reason(message, state=state.value, threshold=threshold or 0.0, tier=tier),
    )


def _integrity(reading: _Reading, prefix: str, plan: ScoringPlan) -> RuleOutcome:
    count = sum(reading.counts(code, 2) for code in INTEGRITY_CODES)
    needed = plan.tier_rules.integrity_min_passes
    twice = reading.keeping and reading.below_twice(INTEGRITY_CODES, needed)
    if twice:
        message = N_("Fewer than %(needed)s of IC-1, IC-2 and IC-3 passed at this and the "
                     "previous assessment; keeping tier 2 needs them.")
    elif reading.keeping:
        message = N_("%(count)s of IC-1, IC-2 and IC-3 count (passing, or unclear once after "
                     "passing); keeping tier 2 needs at least %(needed)s.")
    else:
        message = N_("%(count)s of IC-1, IC-2 and IC-3 pass; tier 2 needs at least %(needed)s.")
    return RuleOutcome(
        f"{prefix}.integrity", count >= needed and not twice,
        reason(message, count=count, needed=needed),
    )


def _hurdles_two_years(reading: _Reading, prefix: str) -> RuleOutcome:
    hurdles = hard_hurdles_at(TOP_TIER)
    missing = [code for code in hurdles if not reading.counts(code, TOP_TIER)]
    if reading.keeping:
        message = (
            N_("These hard hurdles no longer count (failed, or unclear twice in a row): "
               "%(missing)s.")
            if missing
            else N_("Every hard hurdle still counts: none failed or stayed unclear twice in a row.")
        )
    else:
        annual = reading.history.previous_annual_states
        missing += [
            code for code in hurdles
            if code not in missing and (annual is None or annual.get(code) is not State.PASS)
        ]
        message = (
            N_("Every hard hurdle must pass in this and the previous annual assessment; these did "
               "not: %(missing)s.")
            if missing
            else N_("Every hard hurdle passed in this and the previous annual assessment.")
        )
    return RuleOutcome(
        f"{prefix}.hurdles_two_years", not missing, reason(message, missing=", ".join(missing))
    )


def _tier_rules(reading: _Reading, tier: int, plan: ScoringPlan) -> list[RuleOutcome]:
    prefix = f"hold.tier{tier}" if reading.keeping else f"tier{tier}"
    card = reading.card
    outcomes = [_pass_count(reading, tier, prefix, plan)]
    if tier == 1:
        outcomes += [_not_fail(card, code, tier, prefix) for code in ("HR-1", "OA-3")]
    elif tier == 2:
        outcomes += [_must_pass(reading, code, tier, prefix) for code in ("HR-1", "OA-1", "OA-3")]
        outcomes += [_integrity(reading, prefix, plan), _stockpile(reading, tier, prefix, plan)]
        outcomes.append(_not_fail(card, "AD-1", tier, prefix))
    else:
        outcomes.append(_hurdles_two_years(reading, prefix))
        outcomes.append(_must_pass(reading, "AD-1", tier, prefix))
        outcomes.append(_stockpile(reading, tier, prefix, plan))
        outcomes += [_must_pass(reading, code, tier, prefix) for code in ("IN-1", "CH-2")]
    return outcomes


def _hysteresis(previous: int, evidence: int, kept: int) -> RuleOutcome:
    if evidence > previous:
        why = reason(N_("Moves up from tier %(previous)s to tier %(tier)s: every rule of tier "
                        "%(tier)s passes."), previous=previous, tier=evidence)
        return RuleOutcome("hysteresis", True, why)
    if kept == previous and evidence < previous:
        why = reason(N_("Keeps tier %(previous)s although this evidence alone supports tier "
                        "%(tier)s: moving down needs a fail, an indicator unclear twice in a row, "
                        "or too few passes twice in a row."), previous=previous, tier=evidence)
        return RuleOutcome("hysteresis", True, why)
    if kept < previous:
        why = reason(N_("Moves down from tier %(previous)s to tier %(tier)s: a rule of tier "
                        "%(previous)s is broken."), previous=previous, tier=kept)
        return RuleOutcome("hysteresis", False, why)
    return RuleOutcome("hysteresis", True, reason(N_("Stays at tier %(tier)s."), tier=previous))


def _overlays(card: Scorecard) -> list[RuleOutcome]:
    suspension = card.suspension
    if suspension.triggered:
        why = reason(
            N_("Verified mass-casualty incidents: %(mass_casualty)s; verified reprisals: "
               "%(reprisals)s. An out-of-cycle review is due, and until it is done the "
               "recommendation is tier 0."),
            mass_casualty=suspension.mass_casualty_incidents,
            reprisals=suspension.reprisal_incidents,
        )
    else:
        why = reason(N_("No verified mass-casualty incident or reprisal calls for an out-of-cycle "
                        "review."))
    units = (
        reason(N_("Units flagged for grave violations: %(units)s. They are excluded from "
                  "assistance whatever the tier."), units=len(card.flagged_units))
        if card.flagged_units
        else reason(N_("No unit is flagged for grave violations."))
    )
    return [
        RuleOutcome("suspension", not suspension.triggered, why),
        RuleOutcome("unit_flags", not card.flagged_units, units),
    ]


def _reform(card: Scorecard, plan: ScoringPlan) -> RuleOutcome:
    needed = plan.tier_rules.reform_min_passes
    hr1 = card.score("HR-1").state
    eligible = card.pass_count >= needed and hr1 is not State.FAIL
    message = (
        N_("Below tier 1 with %(count)s passes and no HR-1 fail: eligible for endowment reform "
           "grants.")
        if eligible
        else N_("Reform grants need at least %(needed)s passes and no HR-1 fail; there are "
                "%(count)s passes and HR-1 is %(state)s.")
    )
    return RuleOutcome(
        "reform_track", eligible,
        reason(message, count=card.pass_count, needed=needed, state=hr1.value),
    )


def _highest(reading: _Reading, tiers: range, plan: ScoringPlan, out: list[RuleOutcome]) -> int:
    """Highest tier in `tiers` (ascending) whose rules, and all before it, hold; logs each rule."""
    reached = tiers.start - 1
    for tier in tiers:
        outcomes = _tier_rules(reading, tier, plan)
        out += outcomes
        if reached == tier - 1 and all(o.passed for o in outcomes):
            reached = tier
    return reached


def tier_for(
    scorecard: Scorecard, history: History | None = None, plan: ScoringPlan = DEFAULT_PLAN
) -> TierAssessment:
    """Recommend a tier (0–3) from a scorecard, the decided tier in force and the states before."""
    history = history or History()
    if not 0 <= history.tier_in_force <= TOP_TIER:
        raise ScoringInputError("the tier in force must be between 0 and 3")
    rules: list[RuleOutcome] = []
    counting = still_counting(scorecard, history)
    reaching = _Reading(scorecard, False, history)
    evidence = _highest(reaching, range(1, TOP_TIER + 1), plan, rules)
    kept = evidence
    if evidence < history.tier_in_force:
        keeping = _Reading(scorecard, True, history)
        kept = _highest(keeping, range(evidence + 1, history.tier_in_force + 1), plan, rules)
    rules.append(_hysteresis(history.tier_in_force, evidence, kept))
    rules += _overlays(scorecard)
    recommended = 0 if scorecard.suspension.triggered else kept
    reform = False
    if recommended == 0:
        outcome = _reform(scorecard, plan)
        rules.append(outcome)
        reform = outcome.passed
    return TierAssessment(
        recommended_tier=recommended,
        evidence_tier=evidence,
        tier_in_force=history.tier_in_force,
        pass_count=scorecard.pass_count,
        reform_track=reform,
        review_required=scorecard.suspension.triggered,
        flagged_units=scorecard.flagged_units,
        rules=tuple(rules),
        counted=tuple(sorted(counting)),
    )
