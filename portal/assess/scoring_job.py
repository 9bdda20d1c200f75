"""Scoring jobs: the evidence behind a compact changed, so its scorecards are recomputed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import BadPeriod, Period
from portal.assess.scoring import NoPlan, chain_order, compute_scorecards
from portal.domain.models import Compact, Scorecard


def mark_scorecards_stale(session: Session, compact_id: int) -> None:
    """Recompute every period of the compact that has a scorecard, in chain order.

    Idempotent: the same evidence and chain give the same snapshot and chain digests and reuse
    their scorecards. A period whose evidence or chain changed gets a new scorecard, and its
    older ones are flagged stale ("new evidence since"), which is what an assessor holding a
    decision on one of them sees.
    """
    compact = session.get(Compact, compact_id)
    if compact is None:
        return
    periods = []
    for name in set(
        session.scalars(select(Scorecard.period).where(Scorecard.compact_id == compact_id))
    ):
        try:
            periods.append(Period.parse(name))
        except BadPeriod:
            continue
    if not periods:
        return
    try:
        compute_scorecards(session, compact, sorted(periods, key=chain_order))
    except NoPlan:
        return
