"""Desk scoping: a verifier sees and touches only their desks' reports; to anyone else a report of
another desk does not exist (DESIGN §8), and every read of sealed content is audit-logged."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.attachments import Upload
from portal.domain.models import Message, Report, Role, User, VerifierNote
from tests.desk.conftest import FileReport, MakeStaff, SignedIn
from tests.desk.filing import Filed, png_bytes
from tests.desk.pages import audit_count, audit_events, fresh, listed, page_text, post_form

NARRATIVE = "Men in police uniform took 20,000 dinars from each passenger at the river checkpoint."


@dataclass(frozen=True)
class TwoDesks:
    iq_report: Filed
    so_report: Filed
    iq_verifier: User
    so_verifier: User
    iq: FlaskClient
    so: FlaskClient


@pytest.fixture
def desks(
    demo: Flask, file_report: FileReport, make_staff: MakeStaff, signed_in: SignedIn
) -> TwoDesks:
    iq_verifier = make_staff("iq.verifier@example.org", ("IQ",))
    so_verifier = make_staff("so.verifier@example.org", ("SO",))
    iq_report = file_report(
        "IQ", narrative=NARRATIVE, uploads=(Upload("checkpoint.png", png_bytes()),)
    )
    so_report = file_report("SO", narrative="Soldiers took our goats at the market.")
    # Answer as production does (an error page), not by raising into the test.
    demo.config["PROPAGATE_EXCEPTIONS"] = False
    return TwoDesks(
        iq_report,
        so_report,
        iq_verifier,
        so_verifier,
        signed_in(iq_verifier.email),
        signed_in(so_verifier.email),
    )


def test_a_desk_verifier_sees_and_opens_their_desks_reports(
    session: Session, desks: TwoDesks
) -> None:
    assert listed(desks.iq) == [desks.iq_report.public_id]
    page = desks.iq.get(f"/desk/reports/{desks.iq_report.public_id}")
    assert page.status_code == 200
    assert NARRATIVE in page_text(page)

    attachment = desks.iq_report.report.attachments[0].public_id
    image = desks.iq.get(f"/desk/attachments/{attachment}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    [seen] = audit_events(session, "report.attachment", attachment)
    assert seen.actor_id == desks.iq_verifier.id


def test_every_open_is_audit_logged_with_who_opened_what(
    session: Session, desks: TwoDesks, signed_in: SignedIn
) -> None:
    path = f"/desk/reports/{desks.iq_report.public_id}"
    assert desks.iq.get(path).status_code == 200
    assert desks.iq.get(path).status_code == 200
    assert signed_in().get(path).status_code == 200  # the demo verifier is on every desk
    opens = audit_events(session, "report.open", desks.iq_report.public_id)
    demo_verifier = session.scalar(select(User.id).where(User.email == "verifier@demo.test"))
    assert [e.actor_id for e in opens] == [desks.iq_verifier.id] * 2 + [demo_verifier]
    assert all(e.object_type == "report" for e in opens)


def test_another_desk_never_sees_the_report_in_its_queue(desks: TwoDesks) -> None:
    assert listed(desks.so) == [desks.so_report.public_id]
    iq_desk = desks.iq_report.report.desk_id
    for query in (f"desk={iq_desk}", "region=IQ-BG", "status=received", "sort=newest"):
        assert desks.iq_report.public_id not in listed(desks.so, query), query


def _foreign_requests(desks: TwoDesks) -> list[tuple[str, str, dict[str, str]]]:
    rid = desks.iq_report.public_id
    attachment = desks.iq_report.report.attachments[0].public_id
    return [
        ("GET", f"/desk/reports/{rid}", {}),
        ("GET", f"/desk/attachments/{attachment}", {}),
        ("POST", f"/desk/reports/{rid}/grade", {"reliability": "A", "credibility": "1"}),
        ("POST", f"/desk/reports/{rid}/status", {"status": "triaged"}),
        ("POST", f"/desk/reports/{rid}/status", {"status": "rejected"}),
        ("POST", f"/desk/reports/{rid}/notes", {"body": "probably fake"}),
        ("POST", f"/desk/reports/{rid}/messages", {"body": "What is your name?"}),
        ("POST", f"/desk/reports/{rid}/claim", {}),
        ("POST", f"/desk/reports/{rid}/assign", {"assignee": str(desks.so_verifier.id)}),
        ("POST", f"/desk/reports/{rid}/priority", {"priority": "999"}),
        ("POST", f"/desk/reports/{rid}/cluster", {"cluster": "new"}),
        (
            "POST",
            f"/desk/reports/{desks.so_report.public_id}/cluster",
            {"cluster": "with", "with_report": rid},
        ),
        ("POST", "/desk/bulk", {"reports": [rid], "action": "status:triaged"}),
        (
            "POST",
            "/desk/bulk",
            {"reports": [desks.so_report.public_id, rid], "action": "assign:me"},
        ),
    ]


def _request(desks: TwoDesks, method: str, path: str, data: dict[str, object]) -> TestResponse:
    # POSTs carry a valid token from the verifier's own queue: a refusal is about the desk, not
    # about CSRF.
    return desks.so.get(path) if method == "GET" else post_form(desks.so, path, data)


def test_another_desk_is_refused_every_page_and_action_and_nothing_changes(
    session: Session, desks: TwoDesks
) -> None:
    before = _state(session, desks.iq_report.report)
    # The verifier's own queue, read for each CSRF token, logs its previews of their own desk's
    # reports; nothing else may be written.
    own_reads = ("report.preview",)
    events_before = audit_count(session, excluding=own_reads)
    for method, path, data in _foreign_requests(desks):
        response = _request(desks, method, path, data)
        assert response.status_code >= 400, (method, path, response.status_code)
        assert NARRATIVE not in page_text(response)
        assert not response.data.startswith(b"\x89PNG")
    assert _state(session, desks.iq_report.report) == before
    assert _state(session, desks.so_report.report)["cluster"] is None
    assert audit_count(session, excluding=own_reads) == events_before


def test_another_desk_gets_the_same_not_found_as_for_a_missing_report(desks: TwoDesks) -> None:
    missing = desks.so.get("/desk/reports/no-such-report")
    assert missing.status_code == 404
    for method, path, data in _foreign_requests(desks):
        response = _request(desks, method, path, data)
        assert response.status_code == 404, (method, path, response.status_code)
        # The same page as for a report that does not exist: nothing to probe ids with. (The
        # language links repeat the requested path, which the visitor typed anyway.)
        assert _without_links(page_text(response), path) == _without_links(
            page_text(missing), "/desk/reports/no-such-report"
        ), path


def _without_links(text: str, path: str) -> str:
    """The page without what legitimately differs between two requests: the language links,
    which repeat the requested path, and the sign-out form's CSRF token, whose signature carries
    the second it was issued in."""
    text = re.sub(r'href="[^"]*\?lang=', 'href="?lang=', text.replace(path, "<path>"))
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', text)


def _state(session: Session, report: Report) -> dict[str, object]:
    row = fresh(session, report)
    return {
        "status": row.status,
        "grade": (row.source_reliability, row.information_credibility),
        "priority": row.priority,
        "assigned": row.assigned_to_id,
        "cluster": row.cluster_id,
        "messages": session.scalar(select(func.count()).where(Message.report_id == row.id)),
        "notes": session.scalar(select(func.count()).where(VerifierNote.report_id == row.id)),
    }


def test_a_bulk_action_with_a_foreign_report_changes_nothing(
    session: Session, desks: TwoDesks
) -> None:
    own_before = _state(session, desks.so_report.report)
    foreign_before = _state(session, desks.iq_report.report)
    for action in ("status:triaged", "status:rejected", "assign:me"):
        response = post_form(
            desks.so,
            "/desk/bulk",
            {
                "reports": [desks.so_report.public_id, desks.iq_report.public_id],
                "action": action,
            },
        )
        assert response.status_code >= 400, action
        assert _state(session, desks.so_report.report) == own_before, action
        assert _state(session, desks.iq_report.report) == foreign_before, action
    assert audit_events(session, "report.transition") == []
    assert audit_events(session, "report.assign") == []


def test_a_report_cannot_be_assigned_to_someone_of_another_desk(
    session: Session, desks: TwoDesks
) -> None:
    path = f"/desk/reports/{desks.iq_report.public_id}"
    response = post_form(
        desks.iq, f"{path}/assign", {"assignee": str(desks.so_verifier.id)}, token_from=path
    )
    assert "Choose someone of this desk." in page_text(desks.iq.get(response.headers["Location"]))
    bulk = post_form(
        desks.iq,
        "/desk/bulk",
        {"reports": [desks.iq_report.public_id], "action": f"assign:{desks.so_verifier.id}"},
    )
    assert "Nothing was changed" in page_text(desks.iq.get(bulk.headers["Location"]))
    assert fresh(session, desks.iq_report.report).assigned_to_id is None


def test_an_assessor_is_refused_and_a_visitor_is_sent_to_sign_in(
    demo: Flask,
    session: Session,
    file_report: FileReport,
    make_staff: MakeStaff,
    signed_in: SignedIn,
) -> None:
    filed = file_report()
    assessor = make_staff("assessor@example.org", roles=(Role.ASSESSOR,))
    browser = signed_in(assessor.email)
    visitor = demo.test_client()
    for path in ("/desk/", f"/desk/reports/{filed.public_id}"):
        assert browser.get(path).status_code == 403, path
        visit = visitor.get(path)
        assert visit.status_code == 302, path
        assert visit.headers["Location"].endswith("/auth/login"), path
    assert visitor.post(f"/desk/reports/{filed.public_id}/claim").status_code in {302, 400}
    assert fresh(session, filed.report).assigned_to_id is None
    assert audit_events(session, "report.open") == []
