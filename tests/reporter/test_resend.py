"""A report sent twice is stored once and its sender still reaches the receipt (issue 13.5); the
receipt is a one-time view that history and Back cannot reopen (issue 16)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import Config
from portal.crypto import ReceiptCode
from portal.domain.models import Report, SentOnce
from portal.domain.models.base import today
from portal.jobs.retention import purge_expired
from portal.reporter import resends
from tests.conftest import form_token
from tests.reporter.conftest import (
    RECEIPT_GROUPS,
    compact_id,
    open_followup,
    report_fields,
    store_of,
)

NARRATIVE = "Soldiers at the river crossing took two phones and a motorbike."
GONE = "This receipt code is no longer shown"


def _reports(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def _receipt(page: str) -> str:
    found = RECEIPT_GROUPS.search(page)
    return "".join(re.findall(r"\d{4}", found.group(1))) if found else ""


def _filled_form(client: FlaskClient, session: Session) -> dict[str, Any]:
    return {**report_fields(session, narrative=NARRATIVE), **form_token(client, "/report/new")}


def test_the_receipt_is_shown_once_after_a_redirect_and_never_again(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = client.post("/report/new", data=_filled_form(client, session))
    assert sent.status_code == 303 and sent.headers["Location"] == "/report/receipt"
    assert 'class="receipt"' not in sent.get_data(as_text=True)
    cookie = next(c for c in sent.headers.getlist("Set-Cookie") if c.startswith("cw_sent="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/report" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie

    shown = client.get("/report/receipt")
    page = shown.get_data(as_text=True)
    receipt = _receipt(page)
    assert shown.status_code == 200 and len(receipt) == 16
    assert "This page cannot be opened again" in page
    assert any(c.startswith("cw_sent=;") for c in shown.headers.getlist("Set-Cookie"))
    assert shown.headers["Cache-Control"] == "no-store"

    # Reload, Back, the history: the page says the code is gone, and shows no digits.
    again = client.get("/report/receipt")
    assert again.status_code == 410
    assert GONE in again.get_data(as_text=True) and not _receipt(again.get_data(as_text=True))
    # Even with the cookie put back (a browser that kept it), the code was cleared on the server.
    client.set_cookie("cw_sent", cookie.split(";")[0].split("=", 1)[1], path="/report")
    assert client.get("/report/receipt").status_code == 410
    # The receipt itself works.
    assert open_followup(client, receipt).status_code == 302
    assert NARRATIVE in client.get("/report/followup").get_data(as_text=True)


def test_a_resend_after_a_lost_answer_stores_one_report_and_shows_its_receipt(
    demo: Flask, session: Session
) -> None:
    phone = demo.test_client()
    form = _filled_form(phone, session)
    first = phone.post("/report/new", data=form)
    assert first.status_code == 303
    # The answer never arrived: the phone has no cookie, and sends the same form again.
    phone.delete_cookie("cw_sent", path="/report")
    second = phone.post("/report/new", data=form, follow_redirects=True)
    receipt = _receipt(second.get_data(as_text=True))
    assert second.status_code == 200 and len(receipt) == 16
    assert _reports(session) == 1
    # A third press after the receipt was seen: still one report, and the page says why.
    third = phone.post("/report/new", data=form, follow_redirects=True)
    assert third.status_code == 410 and GONE in third.get_data(as_text=True)
    assert "does not create a second report" in third.get_data(as_text=True)
    assert _reports(session) == 1
    # The receipt shown is the one that opens the single report.
    assert open_followup(phone, receipt).status_code == 302
    assert NARRATIVE in phone.get("/report/followup").get_data(as_text=True)


def test_a_resend_with_files_is_one_report_and_is_not_counted_twice(
    demo: Flask, session: Session, config: Config
) -> None:
    from portal.limits.abuse import SubmissionLimits

    app = create_app(dataclasses.replace(config, submission_limits=SubmissionLimits(per_session=1)))
    phone = app.test_client()
    form = _filled_form(phone, session)
    for _ in range(3):
        response = phone.post(
            "/report/new",
            data={**form, "files": [(io.BytesIO(b""), "")]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303  # never 429: a resend is not a new report
    assert _reports(session) == 1


def test_what_is_kept_opens_nothing_without_the_token_and_expires_by_the_day(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    client.post("/report/new", data=_filled_form(client, session))
    (row,) = session.scalars(select(SentOnce)).all()
    assert row.expires_on == today() + dt.timedelta(days=resends.HOLD_DAYS)
    assert row.sealed_receipt is not None and row.sealed_digest is None
    report = session.scalars(select(Report)).one()
    stored = row.lookup + row.sealed_receipt
    assert report.public_id.encode() not in stored
    receipt = _receipt(client.get("/report/receipt").get_data(as_text=True))
    assert receipt.encode() not in stored
    session.expire_all()
    assert session.get(SentOnce, row.lookup).sealed_receipt is None  # type: ignore[union-attr]
    # A row past its day is treated as absent, and gone at the next daily purge.
    last_day = today() + dt.timedelta(days=resends.HOLD_DAYS)
    key = resends.SentKey(row.lookup, b"", b"")
    assert resends.find(session, key, last_day) is not None
    assert resends.find(session, key, last_day + dt.timedelta(days=1)) is None
    purge_expired(session, store_of(demo), last_day)
    assert session.scalar(select(func.count()).select_from(SentOnce)) == 1
    purge_expired(session, store_of(demo), last_day + dt.timedelta(days=1))
    assert session.scalar(select(func.count()).select_from(SentOnce)) == 0


def test_two_racing_commits_of_one_token_store_one_row(session: Session, app: Flask) -> None:
    key = resends.SentKey.derive(b"t" * 32, resends.Door.WEB)
    resends.record(session, key, ReceiptCode("1" * 16), today())
    session.commit()
    resends.record(session, key, ReceiptCode("2" * 16), today())
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    row = resends.find(session, key, today())
    assert (
        row is not None and key.open(row.sealed_receipt or b"") == ReceiptCode("1" * 16).display()
    )
    # The API's key space is another: the same bytes find nothing there.
    assert (
        resends.find(session, resends.SentKey.derive(b"t" * 32, resends.Door.API), today()) is None
    )


# The API: Idempotency-Key.


def _api_report(session: Session, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "compact": compact_id(session),
        "happened": ["IC-1.checkpoint-money"],
        "incident_month": f"{today().year:04d}-01",
        "region": "IQ-BG",
        "force": "police",
        "narrative": NARRATIVE,
    }
    body.update(overrides)
    return body


def _post(client: FlaskClient, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        "/api/v1/reports", data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_an_api_retry_with_the_same_key_gets_the_same_receipt_and_stores_nothing_new(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    key = str(uuid.uuid4())
    body = _api_report(session)
    first = _post(client, body, key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # Same report, members in another order: still the same request.
    retried = _post(client, dict(reversed(list(body.items()))), key)
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.headers["Cache-Control"] == "no-store"
    assert retried.get_json() == first.get_json()
    assert _reports(session) == 1
    # Kept for the API (a client cannot tell whether an answer arrived): a third try works too.
    assert _post(client, body, key).get_json()["receipt"] == first.get_json()["receipt"]
    # Without a key, or with a new one, a new report.
    assert _post(client, body, None).status_code == 201
    assert _post(client, body, str(uuid.uuid4())).status_code == 201
    assert _reports(session) == 3


def test_an_api_key_reused_for_another_report_or_malformed_is_refused(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    key = uuid.uuid4().hex
    assert _post(client, _api_report(session), key).status_code == 201
    other = _post(client, _api_report(session, narrative="Something else entirely."), key)
    assert other.status_code == 422
    assert "used for another report" in other.get_json()["error"]["title"]
    assert NARRATIVE not in other.get_data(as_text=True)
    for bad in ("short", "x" * 256, "has spaces in it, twenty-two+", "ünïcode-key-0123456789ab"):
        refused = _post(client, _api_report(session), bad)
        assert refused.status_code == 400, bad
        assert "Idempotency-Key" in refused.get_json()["error"]["title"]
    assert _reports(session) == 1


def test_the_openapi_document_describes_the_idempotency_key(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reports"]["post"]
    (parameter,) = [p for p in operation["parameters"] if p.get("name") == "Idempotency-Key"]
    assert parameter["in"] == "header" and not parameter["required"]
    assert parameter["schema"]["pattern"] == resends.IDEMPOTENCY_KEY_PATTERN
    assert "24 hours" in parameter["description"]
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
