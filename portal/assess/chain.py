"""A scorecard's chain: what it reads of earlier periods, and the digest that pins it.

Hysteresis makes a period's scorecard depend on the previous period's (its states, and its
states against tier-specific thresholds) and on the tier an assessor *decided* for an earlier
period: the tier in force then, not today's. Both are written into the scorecard ("history")
and hashed, with the snapshot and plan version, into its chain digest, so a stored scorecard is
reused only when everything it read is unchanged (indicators.md, Tiers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import BadPeriod, Period
from portal.domain.catalogue import CATALOGUE_VERSION
from portal.domain.models import Compact, MonitoringPlan, Scorecard, TierDecision
from portal.domain.scoring import History, State


def chain_order(period: Period) -> tuple[int, int]:
    """Quarters follow quarters and years follow years; any order that puts each period after
    the one before it in its own chain will do."""
    return (period.year, period.quarter or 5)


@dataclass(frozen=True)
class Decided:
    period: Period
    tier: int
    row_id: int


def decisions(session: Session, compact: Compact) -> list[Decided]:
    found = []
    for period, tier, row_id in session.execute(
        select(TierDecision.period, TierDecision.tier, TierDecision.id).where(
            TierDecision.compact_id == compact.id
        )
    ):
        try:
            found.append(Decided(Period.parse(period), int(tier), int(row_id)))
        except BadPeriod:
            continue
    return found


def tier_in_force(decided: Iterable[Decided], period: Period) -> int:
    """The tier an assessor decided for the latest period that ended before `period` began
    (several decisions for it: the last one recorded); 0 when none was decided yet."""
    before = [d for d in decided if d.period.end_day < period.first_month]
    if not before:
        return 0
    latest = max(before, key=lambda d: (d.period.end_day, d.row_id))
    return latest.tier


@dataclass(frozen=True)
class Link:
    """What the next period reads of a period's current scorecard."""

    states: dict[str, State]
    bands: dict[str, dict[int, State]]
    chain_digest: str


def link_of(row: Scorecard) -> Link:
    states = {e.indicator_code: State(e.state) for e in row.entries}
    bands = {
        e.indicator_code: {
            int(t): State(s) for t, s in (e.basis or {}).get("tier_states", {}).items()
        }
        for e in row.entries
        if (e.basis or {}).get("tier_states")
    }
    return Link(states, bands, row.chain_digest)


def current_rows(session: Session, compact: Compact, periods: set[str]) -> dict[str, Scorecard]:
    """The newest scorecard of each period (highest id), with its entries."""
    if not periods:
        return {}
    newest = (
        select(func.max(Scorecard.id))
        .where(Scorecard.compact_id == compact.id, Scorecard.period.in_(periods))
        .group_by(Scorecard.period)
    )
    return {
        row.period: row
        for row in session.scalars(select(Scorecard).where(Scorecard.id.in_(newest)))
    }


def history_for(tier: int, period: Period, previous: Link | None) -> History:
    if previous is None:
        return History(tier_in_force=tier)
    states = MappingProxyType(dict(previous.states))
    return History(
        tier_in_force=tier,
        previous_states=states,
        previous_band_states=MappingProxyType(
            {code: MappingProxyType(dict(b)) for code, b in previous.bands.items()}
        ),
        previous_annual_states=states if period.is_annual else None,
    )


def history_data(history: History, previous: Link | None) -> dict[str, Any]:
    return {
        "tier_in_force": history.tier_in_force,
        "previous_states": {k: v.value for k, v in sorted(history.previous_states.items())},
        "previous_band_states": {
            code: {str(t): s.value for t, s in sorted(bands.items())}
            for code, bands in sorted(history.previous_band_states.items())
        },
        "previous_annual": {k: v.value for k, v in sorted(history.previous_annual_states.items())}
        if history.previous_annual_states is not None
        else None,
    }


def history_from_data(stored: Mapping[str, Any]) -> History:
    annual = stored.get("previous_annual")
    return History(
        tier_in_force=int(stored.get("tier_in_force", 0)),
        previous_states=MappingProxyType(
            {k: State(v) for k, v in (stored.get("previous_states") or {}).items()}
        ),
        previous_band_states=MappingProxyType(
            {
                code: MappingProxyType({int(t): State(s) for t, s in bands.items()})
                for code, bands in (stored.get("previous_band_states") or {}).items()
            }
        ),
        previous_annual_states=MappingProxyType({k: State(v) for k, v in annual.items()})
        if annual is not None
        else None,
    )


def chain_digest(snapshot_digest: str, plan: MonitoringPlan, history: Mapping[str, Any]) -> str:
    """Everything a scorecard's numbers depend on, hashed: its inputs, the plan version, the
    engine's catalogue, and what it read of earlier periods (the decided tier in force and the
    previous scorecard's states). An earlier change that alters what a later period reads
    changes its digest, and so on down the chain; one that does not leaves it reusable."""
    body = {
        "snapshot": snapshot_digest,
        "plan": [plan.compact_id, plan.version],
        "catalogue": CATALOGUE_VERSION,
        "history": dict(history),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def later_periods(session: Session, compact: Compact, periods: Sequence[Period]) -> list[Period]:
    """Periods of the compact that have scorecards and come after one of `periods` in its chain:
    their history reads what is about to change."""
    found = []
    for name in set(
        session.scalars(
            select(Scorecard.period).where(Scorecard.compact_id == compact.id).distinct()
        )
    ):
        try:
            stored = Period.parse(name)
        except BadPeriod:
            continue
        if any(
            stored.is_annual == p.is_annual and chain_order(stored) > chain_order(p)
            for p in periods
        ):
            found.append(stored)
    return found
