"""Scoring jobs: the evidence behind a compact changed, so its scorecards are recomputed."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.scoring import NoPlan, compute_scorecards
from portal.domain.models import Compact, Scorecard


def mark_scorecards_stale(session: Session, compact_id: int) -> None:
    """Mark the compact's scorecards stale, then recompute every period that has one, together.

    Idempotent: the same evidence gives the same snapshot digest and reuses its scorecard. The
    periods are recomputed in one batch (`compute_scorecards`), in the order of their names as
    before, so a quarter still reads the fresh scorecard of the quarter before it as history.
    """
    session.execute(
        update(Scorecard).where(Scorecard.compact_id == compact_id).values(stale=True)
    )
    compact = session.get(Compact, compact_id)
    if compact is None:
        return
    periods = sorted(
        set(session.scalars(select(Scorecard.period).where(Scorecard.compact_id == compact_id)))
    )
    try:
        compute_scorecards(session, compact, [Period.parse(period) for period in periods])
    except NoPlan:
        return
