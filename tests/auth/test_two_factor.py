"""Staff need a second factor: wrong codes fail, a code works once, recovery codes work once."""

from __future__ import annotations

import base64
import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient

from portal.auth import totp
from portal.domain.models import Role
from tests.conftest import PASSWORD, csrf_token, enrol_totp, totp_now


def _password_step(client: FlaskClient, email: str) -> str:
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302
    return str(response.headers["Location"])


def _code_step(client: FlaskClient, code: str) -> int:
    response = client.post(
        "/auth/two-factor",
        data={"csrf_token": csrf_token(client, "/auth/two-factor"), "code": code},
    )
    return response.status_code


def test_password_alone_does_not_sign_in(app: Flask, client: FlaskClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    enrol_totp(app, "v@example.org")
    assert _password_step(client, "v@example.org").endswith("/auth/two-factor")
    # Half signed in: no staff page opens.
    assert client.get("/auth/account").status_code == 302
    assert client.get("/desk/").status_code == 302
    assert _code_step(client, "000000") == 400
    assert client.get("/auth/account").status_code == 302


def test_a_code_works_once(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    enrol_totp(app, "v@example.org")
    code = totp_now()
    first, second = app.test_client(), app.test_client()
    _password_step(first, "v@example.org")
    assert _code_step(first, code) == 302
    assert first.get("/auth/account").status_code == 200
    _password_step(second, "v@example.org")
    assert _code_step(second, code) == 400  # replayed
    assert second.get("/auth/account").status_code == 302


def test_enrolment_shows_a_qr_code_and_recovery_codes_work_once(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("new@example.org", roles=(Role.ASSESSOR,))
    client = app.test_client()
    assert _password_step(client, "new@example.org").endswith("/auth/two-factor/setup")
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    secret_text = re.search(r'<code class="secret" dir="ltr">([^<]+)</code>', page)
    assert secret_text is not None
    raw = secret_text.group(1).replace(" ", "").upper()
    secret = base64.b32decode(raw + "=" * (-len(raw) % 8))
    code = totp.code_for_step(secret, totp.time_step(dt.datetime.now(dt.UTC)))
    done = client.post(
        "/auth/two-factor/setup",
        data={"csrf_token": csrf_token(client, "/auth/two-factor/setup"), "code": code},
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/auth/account").status_code == 200

    other = app.test_client()
    _password_step(other, "new@example.org")
    assert _code_step(other, codes[0]) == 302
    third = app.test_client()
    _password_step(third, "new@example.org")
    assert _code_step(third, codes[0]) == 400  # spent
    assert _code_step(third, codes[1]) == 302


def test_wrong_codes_are_throttled(app: Flask, client: FlaskClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    enrol_totp(app, "v@example.org")
    _password_step(client, "v@example.org")
    for _ in range(10):
        assert _code_step(client, "123456") == 400
    page = client.post(
        "/auth/two-factor",
        data={"csrf_token": csrf_token(client, "/auth/two-factor"), "code": totp_now()},
    )
    assert page.status_code == 400
    assert "Too many wrong codes" in page.get_data(as_text=True)

