"""The receipt and the follow-up visit, as a reporter on a shared or watched phone lives them.

The receipt is shown once, in a form one can copy onto paper and type on any keypad; nothing of
the visit stays in the browser beyond a short, script-proof cookie scoped to the follow-up pages,
and "Leave" removes even that.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.models import Report
from portal.domain.workflow import ReportStatus
from tests.conftest import form_token
from tests.reporter.conftest import (
    only_report,
    open_as_verifier,
    open_followup,
    reply,
    report_fields,
    submit_ok,
)

NARRATIVE = "A gendarme at the market checkpoint kept the identity card of my brother."
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _followup_cookie(set_cookies: list[str]) -> str:
    (cookie,) = [c for c in set_cookies if c.startswith("cw_followup=")]
    return cookie


def test_the_receipt_is_sixteen_digits_in_four_groups_on_an_uncached_page(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = submit_ok(client, report_fields(session, narrative=NARRATIVE))
    assert len(sent.receipt_groups) == 4
    assert all(re.fullmatch(r"[0-9]{4}", group) for group in sent.receipt_groups)
    assert f"Receipt code: {' '.join(sent.receipt_groups)}" in sent.page
    assert "no-store" in sent.response.headers["Cache-Control"]
    # Nowhere but in the page body: not in a cookie, a header or an address.
    assert sent.receipt not in str(sent.response.headers)
    assert sent.receipt_groups[0] + sent.receipt_groups[1] not in str(sent.response.headers)
    assert open_followup(client, sent.receipt).status_code == 302
    page = client.get("/report/followup")
    assert NARRATIVE in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]


def test_two_reports_get_two_different_receipts(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    first = submit_ok(client, report_fields(session))
    second = submit_ok(client, report_fields(session))
    assert first.receipt != second.receipt


def test_a_receipt_typed_in_arabic_indic_or_persian_digits_opens_the_report(
    demo: Flask, app: Flask, session: Session
) -> None:
    sent = submit_ok(app.test_client(), report_fields(session, narrative=NARRATIVE))
    groups = sent.receipt_groups
    typed = [
        " ".join(groups).translate(ARABIC_INDIC),
        # As an RTL keyboard leaves it: direction marks around groups, dashes between them.
        "\u200f" + "-".join(g.translate(ARABIC_INDIC) for g in groups) + "\u200e",
        "".join(groups).translate(PERSIAN),
    ]
    for text in typed:
        client = app.test_client()
        response = open_followup(client, text)
        assert response.status_code == 302, text
        assert NARRATIVE in client.get("/report/followup").get_data(as_text=True), text


def test_the_followup_cookie_is_http_only_strict_scoped_and_gone_with_the_tab(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = submit_ok(client, report_fields(session, narrative=NARRATIVE))
    response = open_followup(client, sent.receipt)
    cookie = _followup_cookie(response.headers.getlist("Set-Cookie"))
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Strict" in attributes
    assert "Path=/report" in attributes
    assert not any(a.startswith(("Expires=", "Max-Age=")) for a in attributes)
    assert sent.receipt not in cookie and NARRATIVE not in cookie


def test_leave_deletes_the_followup_cookie_and_the_report_is_closed(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = submit_ok(client, report_fields(session, narrative=NARRATIVE))
    assert open_followup(client, sent.receipt).status_code == 302
    assert NARRATIVE in client.get("/report/followup").get_data(as_text=True)
    response = client.post(
        "/report/followup/leave", data={**form_token(client, "/report/followup")}
    )
    assert response.status_code == 302
    cookie = _followup_cookie(response.headers.getlist("Set-Cookie"))
    assert cookie.startswith("cw_followup=;")
    assert "Path=/report" in cookie
    assert "Expires=Thu, 01 Jan 1970" in cookie or "Max-Age=0" in cookie
    assert client.get_cookie("cw_followup", path="/report") is None
    page = client.get("/report/followup").get_data(as_text=True)
    assert NARRATIVE not in page and 'name="receipt"' in page


def _set_status(session: Session, report: Report, status: ReportStatus) -> None:
    session.execute(update(Report).where(Report.id == report.id).values(status=status))
    session.commit()


def test_an_answer_to_a_question_returns_the_report_to_review(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    sent = submit_ok(client, report_fields(session, narrative=NARRATIVE))
    report = only_report(session)
    _set_status(session, report, ReportStatus.NEEDS_INFO)
    assert open_followup(client, sent.receipt).status_code == 302
    response = reply(client, "It was on the 12th, around noon, near the grain store.")
    assert response.status_code == 302
    report = only_report(session)
    assert report.status == ReportStatus.IN_REVIEW
    assert report.last_activity_day == dt.datetime.now(dt.UTC).date()
    (message,) = open_as_verifier(session, demo, config, report).messages
    assert message.body == "It was on the 12th, around noon, near the grain store."
    followup = client.get("/report/followup").get_data(as_text=True)
    assert "It was on the 12th, around noon, near the grain store." in followup


def test_an_answer_moves_no_report_that_asked_no_question(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = submit_ok(client, report_fields(session, narrative=NARRATIVE))
    assert open_followup(client, sent.receipt).status_code == 302
    assert reply(client, "One more detail.").status_code == 302
    assert only_report(session).status == ReportStatus.RECEIVED
