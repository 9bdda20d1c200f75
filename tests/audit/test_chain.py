"""The audit chain detects any edited, deleted or reordered event and names it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from portal.audit import record, verify_chain
from portal.domain.models import AuditEvent


def _append(session: Session, n: int) -> list[AuditEvent]:
    events = [
        record(session, actor_id=None, action="report.open", object_type="report",
               object_id=f"r{i}", detail={"n": i})
        for i in range(n)
    ]
    session.commit()
    return events


def test_intact_chain_verifies(session: Session) -> None:
    _append(session, 5)
    assert verify_chain(session) is None


def test_edited_event_is_named(session: Session) -> None:
    events = _append(session, 5)
    session.execute(
        update(AuditEvent).where(AuditEvent.id == events[2].id).values(action="report.close")
    )
    session.commit()
    broken = verify_chain(session)
    assert broken is not None and broken.event_id == events[2].id


def test_deleted_event_breaks_the_next_link(session: Session) -> None:
    events = _append(session, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    session.commit()
    broken = verify_chain(session)
    assert broken is not None and broken.event_id == events[2].id


def test_cli_fails_naming_the_tampered_row(app: Flask, session: Session) -> None:
    events = _append(session, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["portal", "audit", "verify"])
    assert ok.exit_code == 0 and "3 events" in ok.output
    session.execute(
        update(AuditEvent).where(AuditEvent.id == events[1].id).values(detail={"n": 99})
    )
    session.commit()
    bad = runner.invoke(args=["portal", "audit", "verify"])
    assert bad.exit_code == 1
    assert f"event {events[1].id}" in bad.output
