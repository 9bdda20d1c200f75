"""What the demo's assessors decide on each scorecard, and the reasons they write down.

The scorecard recommends and a person decides (indicators.md, Tiers). In the demo the assessor
follows the recommendation, in words that name what moved it; the reasons are in English, the
working language of the demo's assessment team.
"""

from __future__ import annotations

from portal.assess.periods import Period
from portal.domain.models import Scorecard
from portal.provision.demo_story.cast import Cast

_TIERS = {
    0: "institutional reform only",
    1: "non-lethal equipment and training",
    2: "light lethal assistance",
    3: "sophisticated systems",
}


def tier_to_decide(
    cast: Cast, period: Period, quarters: tuple[Period, ...], card: Scorecard
) -> int:
    """The recommendation, except while an out-of-cycle review after a verified reprisal runs
    (the quarter after it): the assessor keeps the compact at tier 0 until the review ends."""
    if _under_review(cast, period, quarters):
        return 0
    return card.recommended_tier


def _under_review(cast: Cast, period: Period, quarters: tuple[Period, ...]) -> bool:
    index = quarters.index(period) if period in quarters else -1
    return index - 1 in cast.arc.reprisal_quarters


def justification(
    cast: Cast, period: Period, quarters: tuple[Period, ...], card: Scorecard, tier: int
) -> str:
    del quarters
    states = {e.indicator_code: e.state for e in card.entries}
    passes = sum(1 for s in states.values() if s == "PASS")
    fails = sorted(code for code, s in states.items() if s == "FAIL")
    if tier == card.recommended_tier:
        decided = f"tier {tier} ({_TIERS[tier]}) as recommended."
    else:
        decided = (
            f"tier {tier} ({_TIERS[tier]}) instead of the recommended tier "
            f"{card.recommended_tier}: the out-of-cycle review opened after last quarter's "
            "verified reprisal has not concluded, and the tier stays at 0 until it does."
        )
    what = "Annual assessment" if period.is_annual else "Quarterly assessment"
    reasons = [f"{what} {period}: {passes} of {len(states)} indicators pass; {decided}"]
    if states.get("OA-3") == "FAIL":
        reasons.append(
            "A verified reprisal against a partner organisation fails the OA-3 hurdle; an "
            "out-of-cycle review is open and no assistance beyond reform is supported until "
            "the government answers for it."
        )
    if card.coverage_met is False:
        reasons.append(
            "Monitoring coverage is below the plan's minimum, so the absence of verified "
            "reports is not read as a clean record; the desk is recruiting partners."
        )
    if fails:
        reasons.append("Failing: " + ", ".join(fails) + ".")
    if cast.country == "PH" and tier >= 2:
        reasons.append(
            "Investigations of grave violations now open within the 90-day window, and the "
            "stockpile audit meets the tier 2 standard."
        )
    return " ".join(reasons)
