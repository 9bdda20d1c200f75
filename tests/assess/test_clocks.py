"""Issue 10 point 6: OA-1 and CH-2 run on response clocks, and assessor counts add to them."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from portal.assess.coverage import awaiting_outcome
from portal.assess.periods import Period
from portal.assess.plans import current_plan, plan_rules
from portal.assess.scoring import compute_scorecard
from portal.domain.models import AssessorDatum, IncidentCluster, ScorecardEntry
from tests.assess import world

YEAR = Period(2026)


def _oa1(card_entries: list[ScorecardEntry]) -> ScorecardEntry:
    return next(e for e in card_entries if e.indicator_code == "OA-1")


def test_an_incident_30_days_old_is_pending_not_a_failure(app: Flask, session: Session) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    [incident] = world.grave_violations(session, compact, dt.date(2026, 5, 1), 1)
    thirty_days_on = dt.date(2026, 5, 31) + dt.timedelta(days=30)
    card = compute_scorecard(session, compact, YEAR, today=thirty_days_on)
    snapshot_oa1 = next(e for e in card.entries if e.indicator_code == "OA-1")
    assert snapshot_oa1.state == "NO_DATA"  # nothing decided yet: neither success nor failure
    assert snapshot_oa1.basis["pending"] == 1
    assert "unknown" not in snapshot_oa1.basis or snapshot_oa1.basis["unknown"] == 0

    # The window (90 days after the incident month ends) closes on 29 August: with nothing
    # recorded, the incident is a failure whose outcome is unknown, and it is listed.
    after = dt.date(2026, 9, 1)
    card = compute_scorecard(session, compact, YEAR, today=after)
    oa1 = _oa1(card.entries)
    assert oa1.basis["unknown"] == 1 and oa1.basis.get("pending", 0) == 0
    assert oa1.estimate is not None and oa1.estimate < 0.25  # 0 of 1 in time
    assert oa1.state == "INDETERMINATE"  # one incident cannot prove a failure: CP upper 0.95
    rules = plan_rules(current_plan(session, compact))
    ids, total = awaiting_outcome(session, compact, YEAR, rules, after)
    assert (ids, total) == ([incident.public_id], 1)

    # Investigation opened within the window: a success. CH-2 waits only for civilian harm.
    incident.investigation_opened_day = dt.date(2026, 7, 1)
    session.flush()
    card = compute_scorecard(session, compact, YEAR, today=after)
    oa1 = _oa1(card.entries)
    assert oa1.estimate is not None and oa1.basis.get("unknown", 0) == 0
    assert awaiting_outcome(session, compact, YEAR, rules, after) == ([], 0)
    assert next(e for e in card.entries if e.indicator_code == "CH-2").state == "NO_DATA"

    # Opened after the window: late, a failure, but not an unknown outcome.
    incident.investigation_opened_day = dt.date(2026, 8, 30)
    session.flush()
    oa1 = _oa1(compute_scorecard(session, compact, YEAR, today=after).entries)
    assert oa1.estimate is not None and oa1.estimate < 0.25
    assert oa1.basis.get("unknown", 0) == 0


def test_the_window_closes_in_the_period_the_incident_is_counted_in(
    app: Flask, session: Session
) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    cluster = IncidentCluster(
        desk_id=compact.desks[0].desk_id, compact_id=compact.id, indicator_code="CH-1",
        incident_month=dt.date(2026, 3, 1), state="verified", weight=0.8,
        harm_acknowledged_day=dt.date(2026, 6, 1),
    )
    session.add(cluster)
    session.flush()
    today = dt.date(2026, 12, 31)
    q1 = compute_scorecard(session, compact, Period(2026, 1), today=today)
    q2 = compute_scorecard(session, compact, Period(2026, 2), today=today)
    # March ends on the 31st; 90 days on is 29 June: the clock closes in Q2.
    assert _oa1(q1.entries).state == "NO_DATA"
    ch2 = next(e for e in q2.entries if e.indicator_code == "CH-2")
    oa1 = _oa1(q2.entries)
    assert ch2.estimate is not None  # acknowledged in time: a CH-2 success
    assert oa1.basis["unknown"] == 1  # but never investigated: an OA-1 failure


def test_an_assessor_count_adds_to_the_incident_tally_never_replaces_it(
    app: Flask, session: Session
) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    world.grave_violations(session, compact, dt.date(2026, 2, 1), 4)  # no response recorded
    session.add(AssessorDatum(
        compact_id=compact.id, indicator_code="OA-1", period="2026",
        values={"kind": "proportion", "successes": 6.0, "failures": 0.0},
        provenance="Prosecutor's office case list, checked by the assessor",
    ))
    session.flush()
    card = compute_scorecard(session, compact, YEAR, today=dt.date(2026, 12, 1))
    oa1 = _oa1(card.entries)
    assert oa1.basis["assessor"] == {"successes": 6.0, "failures": 0.0}
    assert oa1.basis["unknown"] == 4
    # 6 in time out of 10: the estimate is a Jeffreys Beta(6.5, 4.5) median, not 6 of 6.
    assert oa1.estimate is not None and 0.55 < oa1.estimate < 0.65
