"""Scoring jobs: evidence behind a compact changed, so its scorecards are stale."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.domain.models import Scorecard


def mark_scorecards_stale(session: Session, compact_id: int) -> None:
    """Idempotent: marking twice is marking once. Recomputation reads `stale` (assessment)."""
    session.execute(update(Scorecard).where(Scorecard.compact_id == compact_id).values(stale=True))
