"""`flask --app portal portal retention …`: dry run, purge, show and set, as an admin types them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import AuditEvent, Desk
from tests.retention.conftest import S, age, file_report, move, report_of, store_of


def _run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["portal", "retention", *args])
    return result.exit_code, result.output


def _actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_dry_run_counts_per_desk_and_changes_nothing(demo: Flask, session: Session) -> None:
    expired = file_report(demo, session)
    move(session, expired, S.REJECTED)
    age(session, expired, 180)
    recent = file_report(demo, session)
    move(session, recent, S.REJECTED)
    age(session, recent, 179)

    code, output = _run(demo, "purge", "--dry-run")

    assert code == 0, output
    assert "desk IQ: 1 report(s) due for shredding" in output
    assert "desk SO: 0 report(s) due for shredding" in output
    assert "1 report(s) and 1 attachment(s) due for shredding" in output
    assert not report_of(session, expired).shredded
    assert store_of(demo).exists(expired.blob_keys[0])
    assert "retention.purge" not in _actions(session)


def test_purge_shreds_what_is_due_and_prints_it(demo: Flask, session: Session) -> None:
    expired = file_report(demo, session)
    move(session, expired, S.CLOSED)
    age(session, expired, 730)

    code, output = _run(demo, "purge")

    assert code == 0, output
    assert "desk IQ: 1 report(s) shredded" in output
    assert report_of(session, expired).shredded
    assert not store_of(demo).exists(expired.blob_keys[0])
    assert _actions(session).count("retention.purge") == 1
    assert "desk IQ: 0 report(s) shredded" in _run(demo, "purge")[1]


def test_set_changes_one_desk_and_is_audited(demo: Flask, session: Session) -> None:
    code, output = _run(demo, "set", "--desk", "iq", "--rejected-days", "30")
    assert code == 0, output
    assert "desk IQ: rejected reports kept 30 days, closed reports 730 days" in output
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None and desk.retention_rejected_days == 30
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.set")).one()
    assert event.object_id == "IQ"
    assert event.detail["before"]["rejected_days"] == 180
    assert event.detail["after"]["rejected_days"] == 30
    assert "desk SO: rejected reports kept 180 days" in _run(demo, "show")[1]


def test_set_refuses_nonsense(demo: Flask, session: Session) -> None:
    assert _run(demo, "set", "--desk", "IQ", "--rejected-days", "0")[0] == 2
    assert _run(demo, "set", "--desk", "IQ")[0] == 2
    code, output = _run(demo, "set", "--desk", "XX", "--closed-days", "10")
    assert code == 1 and "no desk XX" in output
    assert "retention.set" not in _actions(session)
