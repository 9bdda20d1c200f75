"""A verifier's question reaches an anonymous reporter through their receipt and the answer comes
back to the desk, sealed both ways (DESIGN §6, §8)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.domain.models import MessageDirection
from portal.domain.workflow import ReportStatus
from tests.conftest import form_token
from tests.desk.conftest import FileReport, SignedIn
from tests.desk.filing import Filed
from tests.desk.pages import audit_events, follow, fresh, page_text, post_form

QUESTION = "Was it the checkpoint by the old bridge, or the one on the airport road?"
ANSWER = "The old bridge, around seven in the morning. The officer had a scar on his chin."


def _reporter_follows_up(app: Flask, receipt: str) -> FlaskClient:
    """A new browser (the reporter's phone) that opened the report with its receipt."""
    phone = app.test_client()
    response = phone.post(
        "/report/followup",
        data={**form_token(phone, "/report/followup"), "receipt": receipt},
    )
    assert response.status_code == 302, page_text(response)[:500]
    return phone


def _ask(verifier: FlaskClient, filed: Filed, question: str = QUESTION) -> str:
    path = f"/desk/reports/{filed.public_id}"
    return follow(
        verifier,
        post_form(verifier, f"{path}/messages", {"body": question}, token_from=path),
    )


def _answer(phone: FlaskClient, answer: str = ANSWER) -> str:
    return follow(
        phone,
        phone.post(
            "/report/followup/reply",
            data={**form_token(phone, "/report/followup"), "body": answer},
        ),
    )


def test_a_question_and_its_answer_travel_between_desk_and_reporter(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    filed = file_report(place="old bridge checkpoint")
    verifier = signed_in()

    desk_page = _ask(verifier, filed)
    assert "Question sent." in desk_page
    assert "<dd>Waiting for the reporter</dd>" in desk_page
    assert QUESTION in desk_page
    assert fresh(session, filed.report).status == ReportStatus.NEEDS_INFO
    # Asking walked the legal edges, each one audit-logged.
    moves = audit_events(session, "report.transition", filed.public_id)
    assert [(e.detail["from"], e.detail["to"]) for e in moves] == [
        ("received", "triaged"),
        ("triaged", "in_review"),
        ("in_review", "needs_info"),
    ]

    phone = _reporter_follows_up(demo, filed.receipt)
    followup = page_text(phone.get("/report/followup"))
    assert "A verifier has a question for you. Please read it below and answer." in followup
    assert "Question from the verification team" in followup and QUESTION in followup

    after_reply = _answer(phone)
    assert "Your answer was sent safely to the verification team." in after_reply
    assert "A verifier is checking your report." in after_reply
    assert after_reply.index(QUESTION) < after_reply.index(ANSWER)
    assert fresh(session, filed.report).status == ReportStatus.IN_REVIEW

    desk_page = page_text(verifier.get(f"/desk/reports/{filed.public_id}"))
    assert "<dd>In review</dd>" in desk_page
    thread = desk_page[desk_page.index("Messages with the reporter") :]
    assert thread.index(QUESTION) < thread.index(ANSWER)
    assert "Reporter ·" in thread

    # Both messages are sealed: neither text is anywhere in the messages table's bytes.
    stored = session.execute(text("SELECT * FROM messages ORDER BY id")).all()
    assert [MessageDirection(row.direction) for row in stored] == [
        MessageDirection.TO_REPORTER,
        MessageDirection.FROM_REPORTER,
    ]
    raw = b"".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for row in stored
        for value in row
    )
    for secret in (QUESTION, ANSWER, "old bridge", "scar on his chin"):
        assert secret.encode() not in raw, secret


def test_the_reporter_cannot_read_the_thread_without_the_right_receipt(
    demo: Flask, file_report: FileReport, signed_in: SignedIn
) -> None:
    filed = file_report()
    _ask(signed_in(), filed)
    stranger = demo.test_client()
    digits = filed.receipt.replace(" ", "")
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    response = stranger.post(
        "/report/followup",
        data={**form_token(stranger, "/report/followup"), "receipt": wrong},
    )
    assert response.status_code == 400
    assert "No report opens with this code." in page_text(response)
    assert QUESTION not in page_text(stranger.get("/report/followup"))


def test_a_second_question_while_waiting_keeps_the_report_waiting(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    filed = file_report()
    verifier = signed_in()
    _ask(verifier, filed)
    page = _ask(verifier, filed, "And what colour was their vehicle?")
    assert "Question sent." in page
    assert fresh(session, filed.report).status == ReportStatus.NEEDS_INFO
    assert len(audit_events(session, "report.transition", filed.public_id)) == 3
    assert len(audit_events(session, "report.message", filed.public_id)) == 2


def test_the_reporters_answer_returning_the_report_to_review_is_audit_logged(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    filed = file_report()
    _ask(signed_in(), filed)
    _answer(_reporter_follows_up(demo, filed.receipt))
    assert fresh(session, filed.report).status == ReportStatus.IN_REVIEW
    moves = audit_events(session, "report.transition", filed.public_id)
    assert (moves[-1].detail["from"], moves[-1].detail["to"]) == ("needs_info", "in_review")
    # The reporter is anonymous: no actor, nothing about them beyond the day.
    assert moves[-1].actor_id is None
