"""Issue 10 points 3 and 4 end to end: a late verification reaches every later period, the
re-check covers the chain, and the tier in force is the one decided then."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.chain import decisions, tier_in_force
from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecards, recheck
from portal.assess.scoring_job import mark_scorecards_stale
from portal.domain.models import Compact, Role, Scorecard, User
from tests.assess import world

# The compact's first three quarters: Q4 here is the quarter before the late verification's.
Q4, Q1, Q2 = Period(2026, 1), Period(2026, 2), Period(2026, 3)
TODAY = dt.date(2026, 11, 1)


def _strong_compact(app: Flask, session: Session, make_user) -> Compact:  # type: ignore[no-untyped-def]
    """Tier 2 decided before the compact began; three well-monitored quarters of strong evidence.
    In the third, 8 verified grave violations leave HR-1 unclear (exact bounds 0.35–1.25 per
    100,000 a year, against 1.0)."""
    compact = world.demo_iraq(app, session)
    # A long response window keeps the late incidents' OA-1 clocks out of the next quarter, so
    # that quarter's own evidence stays the same and only its chain changes.
    world.board_plan(session, compact, response_window_days=200)
    orgs = world.partners(session)
    for period in (Q4, Q1, Q2):
        world.monitored(session, compact, period, orgs)
    world.audits(session, compact, 2026)
    world.grave_violations(session, compact, dt.date(2026, 8, 1), 8)
    assessor = make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    world.decide(session, compact, assessor, "2025-Q4", 2)
    session.commit()
    return compact


def _states(card: Scorecard) -> dict[str, str]:
    return {e.indicator_code: e.state for e in card.entries}


def test_a_late_verification_in_q1_reaches_q2_and_the_recheck_flags_the_stored_q2(
    app: Flask, session: Session, make_user,  # type: ignore[no-untyped-def]
) -> None:
    compact = _strong_compact(app, session, make_user)
    cards = compute_scorecards(session, compact, [Q4, Q1, Q2], today=TODAY)
    session.commit()
    q1, q2 = cards[str(Q1)], cards[str(Q2)]
    assert all(c.coverage_met for c in cards.values())
    assert _states(q1)["HR-1"] == "PASS" and q1.recommended_tier == 2
    assert _states(q2)["HR-1"] == "INDETERMINATE"
    assert q2.assessment["evidence_tier"] == 1
    assert q2.recommended_tier == 2  # HR-1 unclear once, after a pass: tier 2 is kept
    assert recheck(session, q2, thorough=True, today=TODAY).ok

    # A late verification: eight grave violations of May 2026 (Q1 here), verified now.
    world.grave_violations(session, compact, dt.date(2026, 5, 1), 8)
    session.commit()
    stored_q2 = session.get(Scorecard, q2.id)
    assert stored_q2 is not None
    check = recheck(session, stored_q2, thorough=True, today=TODAY)
    assert check.reproduces, "Q2's own numbers still reproduce from its inputs ..."
    assert check.current is False, "... but the chain says Q2 must change"
    assert not check.ok

    mark_scorecards_stale(session, compact.id)  # what verifying queued; idempotent
    session.commit()
    latest = {
        p: session.scalar(
            select(Scorecard).where(Scorecard.compact_id == compact.id, Scorecard.period == p)
            .order_by(Scorecard.id.desc()).limit(1)
        )
        for p in (str(Q1), str(Q2))
    }
    new_q1, new_q2 = latest[str(Q1)], latest[str(Q2)]
    assert new_q1 is not None and new_q2 is not None
    assert _states(new_q1)["HR-1"] == "INDETERMINATE"
    assert new_q1.recommended_tier == 2  # unclear once in Q1: kept
    assert new_q2.snapshot_id == q2.snapshot_id, "Q2's own evidence did not change ..."
    assert new_q2.id != q2.id and new_q2.recommended_tier == 1  # ... but HR-1 is unclear twice
    assert "hold.tier2.pass.HR-1" in {r["rule"] for r in new_q2.reasons if not r["passed"]}
    session.refresh(stored_q2)
    assert stored_q2.stale
    assert not recheck(session, stored_q2).chain_holds  # the cheap check sees it now too
    assert recheck(session, new_q2, thorough=True, today=TODAY).ok


def test_computing_one_period_recomputes_the_later_ones_of_its_chain(
    app: Flask, session: Session, make_user,  # type: ignore[no-untyped-def]
) -> None:
    compact = _strong_compact(app, session, make_user)
    first = compute_scorecards(session, compact, [Q4, Q1, Q2], today=TODAY)
    session.commit()
    world.grave_violations(session, compact, dt.date(2026, 5, 1), 8)
    session.commit()
    compute_scorecards(session, compact, [Q1], today=TODAY)  # an assessor recomputes Q1 only
    session.commit()
    rows = session.scalars(
        select(Scorecard).where(Scorecard.compact_id == compact.id, Scorecard.period == str(Q2))
        .order_by(Scorecard.id)
    ).all()
    assert rows[0].id == first[str(Q2)].id and len(rows) == 2
    assert rows[0].stale and not rows[1].stale and rows[1].recommended_tier == 1


def test_the_tier_in_force_is_the_one_decided_then_not_today(
    app: Flask, session: Session, make_user,  # type: ignore[no-untyped-def]
) -> None:
    compact = _strong_compact(app, session, make_user)
    assessor = session.scalar(select(User))
    assert assessor is not None
    world.decide(session, compact, assessor, "2026-Q2", 1)
    world.decide(session, compact, assessor, "2026-Q3", 0)
    compact.current_tier = 0  # today's tier
    session.commit()
    decided = decisions(session, compact)
    assert tier_in_force(decided, Q1) == 2  # decided for 2025-Q4, nothing since
    assert tier_in_force(decided, Q2) == 1  # decided for 2026-Q2
    assert tier_in_force(decided, Period(2026, 4)) == 0
    assert tier_in_force(decided, Period(2025, 1)) == 0  # nothing decided before
    cards = compute_scorecards(session, compact, [Q1, Q2], today=TODAY)
    assert cards[str(Q1)].assessment["tier_in_force"] == 2
    assert cards[str(Q2)].assessment["tier_in_force"] == 1


def test_recording_a_decision_rescores_the_later_periods(
    app: Flask, session: Session, make_user,  # type: ignore[no-untyped-def]
) -> None:
    from portal.assess.scoring_job import mark_scorecards_stale as job
    from portal.assess.service import record_decision

    compact = _strong_compact(app, session, make_user)
    cards = compute_scorecards(session, compact, [Q4, Q1, Q2], today=TODAY)
    session.commit()
    assessor = session.scalar(select(User))
    assert assessor is not None
    _decision, queued = record_decision(
        session, assessor, compact, cards[str(Q1)], 0, "Suspended pending the review of Q1."
    )
    assert queued
    job(session, compact.id)
    session.commit()
    q2 = session.scalar(
        select(Scorecard).where(Scorecard.compact_id == compact.id, Scorecard.period == str(Q2))
        .order_by(Scorecard.id.desc()).limit(1)
    )
    assert q2 is not None and q2.assessment["tier_in_force"] == 0
    assert q2.recommended_tier == 1  # evidence alone supports tier 1; nothing to hold
