"""The unit vetting list: flagged from verified grave violations (counts only), identified as a
recipient unit, refused in disbursements, cleared only by a recorded remediation."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import (
    AuditEvent,
    ClusterState,
    Compact,
    Desk,
    IncidentCluster,
    UnitFlag,
    User,
)
from portal.ledger import service, vetting
from tests.conftest import csrf_token, sign_in
from tests.ledger.books import TODAY, tranche

UNIT = "a" * 64
OTHER = "b" * 64
REMEDIATION = "Commander relieved, 12 soldiers prosecuted; verified by the compact board visit."


def _incidents(session: Session, compact: Compact, unit: str, months: list[dt.date],
               state: ClusterState = ClusterState.VERIFIED) -> None:
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    if desk is None:
        desk = Desk(code="IQ", name="Iraq desk", country="IQ")
        session.add(desk)
        session.flush()
    for month in months:
        session.add(IncidentCluster(desk_id=desk.id, compact_id=compact.id, indicator_code="HR-1",
                                    incident_month=month, state=state, unit_key=unit))
    session.commit()


def test_flags_come_from_verified_grave_violations_in_the_window(
    session: Session, compact: Compact, assessor: User
) -> None:
    months = [dt.date(2026, 2, 1), dt.date(2026, 5, 1), dt.date(2026, 5, 1), dt.date(2026, 9, 1)]
    _incidents(session, compact, UNIT, months)
    _incidents(session, compact, OTHER, months[:2])  # two: under the threshold of three
    _incidents(session, compact, OTHER, months[2:], state=ClusterState.REJECTED)
    _incidents(session, compact, OTHER, [dt.date(2025, 6, 1)] * 3)  # outside 12 months
    assert vetting.refresh(session, assessor, compact, TODAY) == 1
    session.commit()
    flag = session.scalar(select(UnitFlag))
    assert flag is not None
    assert (flag.unit_key, flag.incidents, flag.since) == (UNIT, 4, dt.date(2026, 5, 1))
    assert vetting.refresh(session, assessor, compact, TODAY) == 0  # idempotent


def test_identified_flag_refuses_disbursements_until_cleared(
    session: Session, compact: Compact, assessor: User
) -> None:
    _incidents(session, compact, UNIT, [dt.date(2026, 3, 1)] * 3)
    vetting.refresh(session, assessor, compact, TODAY)
    flag = session.scalar(select(UnitFlag))
    assert flag is not None
    vetting.identify(session, assessor, compact, flag.public_id, "3rd Brigade")
    session.commit()
    with pytest.raises(service.DisbursementRefused):
        service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    session.rollback()
    with pytest.raises(service.LedgerError):
        vetting.clear(session, assessor, compact, flag.public_id, "done", today=TODAY)
    vetting.clear(session, assessor, compact, flag.public_id, REMEDIATION, today=TODAY)
    session.commit()
    service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"ledger.unit_flagged", "ledger.unit_identified", "ledger.unit_cleared"} <= set(actions)
    # The incidents before clearing do not flag it again; a new one after, with the old ones
    # still in the window, does not either (three needed after clearing)...
    assert vetting.refresh(session, assessor, compact, TODAY) == 0
    _incidents(session, compact, UNIT, [dt.date(2027, 1, 1)] * 3)
    # ...three new ones do, and the unit keeps its name.
    assert vetting.refresh(session, assessor, compact, dt.date(2027, 1, 20)) == 1
    newest = session.scalars(select(UnitFlag).order_by(UnitFlag.id.desc())).first()
    assert newest is not None and newest.unit_name == "3rd Brigade"


def test_only_assessors_change_the_list(
    session: Session, compact: Compact, assessor: User, admin: User
) -> None:
    _incidents(session, compact, UNIT, [dt.date(2026, 3, 1)] * 3)
    vetting.refresh(session, admin, compact, TODAY)
    flag = session.scalar(select(UnitFlag))
    assert flag is not None
    with pytest.raises(service.LedgerError):
        vetting.clear(session, admin, compact, flag.public_id, REMEDIATION, today=TODAY)
    with pytest.raises(service.LedgerError):
        vetting.identify(session, admin, compact, flag.public_id, "3rd Brigade")


def test_vetting_page_shows_counts_not_reports(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    _incidents(session, compact, UNIT, [dt.date(2026, 3, 1)] * 3)
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    path = f"/assess/compacts/{compact.slug}/vetting"
    assert client.post(f"{path}/refresh", data={"csrf_token": csrf_token(client, path)}
                       ).status_code == 302
    flag = session.scalar(select(UnitFlag))
    assert flag is not None
    ledger = client.get(f"/assess/compacts/{compact.slug}/assistance").get_data(as_text=True)
    assert "1 flagged unit(s) on the vetting list are not identified yet" in ledger
    client.post(f"{path}/{flag.public_id}/identify",
                data={"name": "3rd Brigade", "csrf_token": csrf_token(client, path)})
    page = client.get(path).get_data(as_text=True)
    assert "3rd Brigade" in page
    assert "3 verified grave violations within 12 months" in page
    assert UNIT not in page  # the keyed hash never leaves the server
    ledger = client.get(f"/assess/compacts/{compact.slug}/assistance").get_data(as_text=True)
    assert "not identified yet" not in ledger
    client.post(f"{path}/{flag.public_id}/clear",
                data={"remediation": REMEDIATION, "csrf_token": csrf_token(client, path)})
    session.refresh(flag)
    assert flag.cleared_day is not None and flag.remediation == REMEDIATION


def test_refresh_from_the_command_line(
    app: Flask, session: Session, compact: Compact
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    month = dt.date(today.year, today.month, 1)
    _incidents(session, compact, UNIT, [month] * 3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "ledger", "refresh-vetting", "--compact", "iq-test"])
    assert result.exit_code == 0, result.output
    assert "iq-test: 1 unit(s) newly flagged" in result.output
    again = runner.invoke(args=["portal", "ledger", "refresh-vetting"])
    assert "iq-test: 0 unit(s) newly flagged" in again.output
    assert runner.invoke(args=["portal", "ledger", "refresh-vetting", "--compact", "x"]
                         ).exit_code == 2
