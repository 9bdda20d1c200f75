"""Moving a report through the desk: legal edges are audit-logged once, illegal ones change nothing,
and an edited audit row is caught by `portal audit verify`."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.desk import service
from portal.domain.models import AuditEvent, Report, User
from portal.domain.workflow import TRANSITIONS, IllegalTransition, ReportStatus
from tests.desk.conftest import DEMO_VERIFIER, FileReport, SignedIn
from tests.desk.pages import audit_events, follow, fresh, post_form

ALL_PAIRS = tuple(itertools.product(ReportStatus, ReportStatus))
LEGAL = sum(len(targets) for targets in TRANSITIONS.values())


def _demo_verifier(session: Session) -> User:
    user = session.scalar(select(User).where(User.email == DEMO_VERIFIER))
    assert user is not None
    return user


def _put_back(session: Session, report: Report, status: ReportStatus) -> Report:
    """The report reset to `status` in the database, as if it had just arrived there."""
    session.execute(update(Report).where(Report.id == report.id).values(status=status))
    session.expire_all()
    return fresh_in_transaction(session, report)


def fresh_in_transaction(session: Session, report: Report) -> Report:
    found = session.get(Report, report.id)
    assert found is not None
    return found


@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pairs=st.permutations(ALL_PAIRS))
def test_every_legal_edge_is_logged_once_and_every_illegal_one_changes_nothing(
    demo: Flask, session: Session, file_report: FileReport, pairs: list[tuple[ReportStatus, ...]]
) -> None:
    # Each example walks all 100 (current, target) pairs in an order Hypothesis picks, on a new
    # report whose status is reset in the database before every pair.
    verifier = _demo_verifier(session)
    report = file_report().report
    for current, target in pairs:
        row = _put_back(session, report, current)
        before = session.scalar(select(func.max(AuditEvent.id))) or 0
        if target in TRANSITIONS[current]:
            service.transition(session, verifier, row, target)
            session.flush()
            session.expire_all()
            assert fresh_in_transaction(session, report).status == target
            new = session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
            assert [(e.action, e.actor_id, e.object_id, e.detail) for e in new] == [
                (
                    "report.transition",
                    verifier.id,
                    report.public_id,
                    {"from": current.value, "to": target.value},
                )
            ]
        else:
            with pytest.raises(IllegalTransition):
                service.transition(session, verifier, row, target)
            # Refused before touching anything: nothing pending, nothing written.
            assert row.status == current and row not in session.dirty and not session.new
            session.flush()
            session.expire_all()
            assert fresh_in_transaction(session, report).status == current
            assert (session.scalar(select(func.max(AuditEvent.id))) or 0) == before
    session.commit()
    # No refused move left a gap or a fork in the chain.
    ok = demo.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert len(audit_events(session, "report.transition", report.public_id)) == LEGAL


TAMPERING = {
    "detail": {"detail": {"from": "triaged", "to": "rejected"}},
    "action": {"action": "report.grade"},
    "actor": {"actor_id": None},
}


def test_an_edited_transition_event_is_named_by_audit_verify(
    demo: Flask, session: Session, file_report: FileReport
) -> None:
    verifier = _demo_verifier(session)
    report = file_report().report
    for target in (ReportStatus.TRIAGED, ReportStatus.IN_REVIEW, ReportStatus.VERIFIED):
        service.transition(session, verifier, report, target)
        session.commit()
    runner = demo.test_cli_runner()
    intact = runner.invoke(args=["portal", "audit", "verify"])
    assert intact.exit_code == 0, intact.output

    middle = audit_events(session, "report.transition", report.public_id)[1]
    assert middle.detail == {"from": "triaged", "to": "in_review"}
    original = {"detail": middle.detail, "action": middle.action, "actor_id": middle.actor_id}
    for what, change in TAMPERING.items():
        session.execute(update(AuditEvent).where(AuditEvent.id == middle.id).values(**change))
        session.commit()
        broken = runner.invoke(args=["portal", "audit", "verify"])
        assert broken.exit_code == 1, what
        assert f"audit chain broken at event {middle.id}: its content was changed" in (
            broken.output
        ), what
        # Putting the row back as it was makes the chain whole again.
        session.execute(update(AuditEvent).where(AuditEvent.id == middle.id).values(**original))
        session.commit()
        assert runner.invoke(args=["portal", "audit", "verify"]).exit_code == 0, what


def test_the_status_form_refuses_an_illegal_target_and_changes_nothing(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    report = file_report().report
    browser = signed_in()
    page_path = f"/desk/reports/{report.public_id}"
    for target in ("verified", "closed", "needs_info", "received", "flying", ""):
        response = post_form(
            browser, f"{page_path}/status", {"status": target}, token_from=page_path
        )
        page = follow(browser, response)
        assert "This report cannot move to that status from where it is." in page, target
        assert "<dd>Received</dd>" in page, target
        assert fresh(session, report).status == ReportStatus.RECEIVED
    assert audit_events(session, "report.transition", report.public_id) == []


def test_the_status_form_moves_along_a_legal_edge(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    report = file_report().report
    browser = signed_in()
    page_path = f"/desk/reports/{report.public_id}"
    page = follow(
        browser,
        post_form(browser, f"{page_path}/status", {"status": "triaged"}, token_from=page_path),
    )
    assert "Status changed." in page and "<dd>Triaged</dd>" in page
    # The form offers only where the report can go next.
    assert 'value="in_review"' in page and 'value="verified"' not in page
    [event] = audit_events(session, "report.transition", report.public_id)
    assert event.detail == {"from": "received", "to": "triaged"}
    assert event.actor_id == _demo_verifier(session).id
