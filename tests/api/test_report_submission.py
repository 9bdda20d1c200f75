"""Reports sent to the API are sealed like the form's, and their receipt opens the follow-up."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

import flask_login
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.api import views
from portal.config import Config
from portal.crypto import KdfBusy
from portal.desk.sealed import open_attachment_content, open_report
from portal.domain.models import Channel, Report, User
from portal.keys.desks import DeskNotReady, unlock_desk_keys
from portal.web.services import EXTENSION
from tests.api.conftest import ApiClient, photo_with_location
from tests.conftest import form_token


def open_followup(client: FlaskClient, receipt: str) -> str:
    """The follow-up page a reporter sees after typing the receipt, as text."""
    response = client.post(
        "/report/followup",
        data={**form_token(client, "/report/followup"), "receipt": receipt},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get("/report/followup")
    assert page.status_code == 200
    return html.unescape(page.get_data(as_text=True))


def only_report(session: Session) -> Report:
    session.expire_all()
    reports = session.scalars(select(Report)).all()
    assert len(reports) == 1
    return reports[0]


def test_json_submission_returns_a_receipt_that_opens_the_report(
    app: Flask, api: ApiClient, report: dict[str, Any], session: Session
) -> None:
    sent = {
        **report,
        "exact_date": "2026-01-14",
        "place": "Al-Jumhuriya bridge",
        "unit": "Checkpoint 7",
        "files": [
            {
                "filename": "IMG_0042.jpg",
                "content_base64": base64.b64encode(photo_with_location()).decode(),
            }
        ],
    }
    response = api.post("/api/v1/reports", json=sent)

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "received"
    assert answer["report"] == {"month": "2026-01", "region": "IQ-BG"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers

    page = open_followup(app.test_client(), answer["receipt"])
    assert sent["narrative"] in page
    assert "Al-Jumhuriya bridge" in page
    assert "Checkpoint 7" in page
    assert "Files" in page

    stored = only_report(session)
    assert stored.channel == Channel.API
    assert stored.language == "en"
    assert stored.region == "IQ-BG"
    assert stored.organisation_id is None
    assert len(stored.attachments) == 1


def test_multipart_submission_returns_a_receipt_that_opens_the_report(
    app: Flask, api: ApiClient, report: dict[str, Any], session: Session
) -> None:
    response = api.post(
        "/api/v1/reports",
        data={
            "report": (io.BytesIO(json.dumps(report).encode()), "", "application/json"),
            "files": [
                (io.BytesIO(photo_with_location()), "one.jpg", "image/jpeg"),
                (io.BytesIO(photo_with_location((200, 100))), "two.jpg", "image/jpeg"),
            ],
        },
        content_type="multipart/form-data",
    )
    # A part with an empty filename is sent as a file part: the `report` may come either way.
    assert response.status_code == 201, response.get_json()
    page = open_followup(app.test_client(), response.get_json()["receipt"])
    assert report["narrative"] in page
    assert len(only_report(session).attachments) == 2


def test_multipart_report_may_be_a_plain_text_part(
    api: ApiClient, report: dict[str, Any], session: Session
) -> None:
    response = api.post(
        "/api/v1/reports",
        data={"report": json.dumps(report)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert only_report(session).attachments == []


def test_the_desk_opens_what_the_api_sealed_without_the_photo_location(
    app: Flask, api: ApiClient, report: dict[str, Any], session: Session, config: Config
) -> None:
    photo = photo_with_location()
    files = [{"filename": "IMG_0042.jpg", "content_base64": base64.b64encode(photo).decode()}]
    assert api.post("/api/v1/reports", json={**report, "files": files}).status_code == 201

    stored = only_report(session)
    verifier = session.scalar(select(User).where(User.email == "verifier@demo.test"))
    assert verifier is not None and verifier.private_key_by_password is not None
    services = app.extensions[EXTENSION]
    personal = services.keyring.personal.unlock_with_password(
        verifier.private_key_by_password, config.demo_password
    )
    opened = open_report(session, stored, unlock_desk_keys(session, verifier, personal))
    assert opened.payload["narrative"] == report["narrative"]
    assert opened.payload["choices"] == report["happened"]
    [attachment] = opened.attachments
    assert attachment.filename == "IMG_0042.jpg"
    content = open_attachment_content(
        session, services.store, stored, attachment.attachment, opened.data_key
    )
    assert content.startswith(b"\xff\xd8")
    assert b"SecretMake" not in content
    assert b"SecretMake" in photo


@pytest.mark.parametrize(
    ("headers", "query", "sent_language", "stored_language"),
    [
        ({"Accept-Language": "fr-NE,fr;q=0.9"}, "", None, "fr"),
        ({"Accept-Language": "de, ckb-IQ;q=0.5"}, "", None, "ckb"),
        ({"Accept-Language": "fr"}, "?lang=ar", None, "ar"),
        ({"Accept-Language": "fr"}, "", "so", "so"),
        ({}, "", None, "en"),
    ],
)
def test_the_report_language_defaults_to_the_request_language(
    api: ApiClient,
    report: dict[str, Any],
    session: Session,
    headers: dict[str, str],
    query: str,
    sent_language: str | None,
    stored_language: str,
) -> None:
    body = {**report, "language": sent_language}
    response = api.post("/api/v1/reports" + query, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert only_report(session).language == stored_language


def test_each_submission_gets_its_own_receipt(
    api: ApiClient, report: dict[str, Any], session: Session
) -> None:
    receipts = {api.post("/api/v1/reports", json=report).get_json()["receipt"] for _ in range(3)}
    assert len(receipts) == 3
    assert session.scalar(select(func.count(Report.id))) == 3


def test_a_signed_in_member_still_submits_anonymously(
    api: ApiClient,
    report: dict[str, Any],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CSRF is off for the API, so a member's cookie riding on a cross-site post must not put
    # their name on a report: the API never asks who is signed in.
    member = session.scalar(select(User).where(User.email == "member@demo.test"))
    assert member is not None and member.organisation_id is not None
    monkeypatch.setattr(flask_login.utils, "_get_user", lambda: member)
    assert flask_login.current_user.email == "member@demo.test"

    assert api.post("/api/v1/reports", json=report).status_code == 201
    stored = only_report(session)
    assert stored.organisation_id is None
    assert {wrap.holder.value for wrap in stored.key_wraps} == {"desk", "receipt"}


@pytest.mark.parametrize("busy", [KdfBusy("all Argon2 slots taken"), DeskNotReady("no key yet")])
def test_a_busy_server_asks_to_send_again_later(
    api: ApiClient,
    report: dict[str, Any],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    busy: Exception,
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise busy

    monkeypatch.setattr(views, "submit_report", refuse)
    response = api.post("/api/v1/reports", json=report, headers={"Accept-Language": "fr"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Content-Language"] == "fr"
    assert session.scalar(select(func.count(Report.id))) == 0
