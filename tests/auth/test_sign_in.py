"""Staff sign in and out; wrong passwords are refused in the visitor's language; throttling."""

from __future__ import annotations

import html

import pytest
from babel.support import Translations
from flask.testing import FlaskClient

from portal.config import LOCALES
from portal.domain.models import Role
from portal.paths import TRANSLATIONS
from tests.conftest import PASSWORD, csrf_token, sign_in

WRONG = "The email or password is not right. Check both and try again."
THROTTLED_START = "Too many failed sign-in attempts for this account."


def _translated(message: str, locale: str) -> str:
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(message)


def _post_login(client: FlaskClient, email: str, password: str, lang: str = "en") -> str:
    response = client.post(
        f"/auth/login?lang={lang}",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    return html.unescape(response.get_data(as_text=True))


def test_staff_sign_in_and_out(client: FlaskClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("verifier@example.org", roles=(Role.VERIFIER,))
    assert client.get("/auth/account").status_code == 302
    sign_in(client, "verifier@example.org")
    page = client.get("/auth/account")
    assert page.status_code == 200
    assert "verifier@example.org" in page.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    assert client.get("/auth/account").status_code == 302


def test_session_cookie_is_http_only_and_strict(client: FlaskClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("a@example.org")
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": "a@example.org", "password": PASSWORD},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("cw_staff="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_wrong_password_error_is_translated(
    client: FlaskClient, make_user, locale: str  # type: ignore[no-untyped-def]
) -> None:
    make_user("a@example.org")
    expected = _translated(WRONG, locale)
    assert expected and expected != WRONG, f"{locale} has no translation of the sign-in error"
    page = _post_login(client, "a@example.org", "not the password", lang=locale)
    assert expected in page


def test_unknown_email_gets_the_same_answer(client: FlaskClient) -> None:
    assert WRONG in _post_login(client, "nobody@example.org", "whatever it is")


def test_repeated_failures_throttle_the_account_not_others(
    client: FlaskClient, make_user, config  # type: ignore[no-untyped-def]
) -> None:
    make_user("target@example.org")
    make_user("other@example.org")
    limit = config.login_throttle.max_failures
    for _ in range(limit - 1):
        assert WRONG in _post_login(client, "target@example.org", "guess")
    assert THROTTLED_START in _post_login(client, "target@example.org", "guess")
    # While throttled even the right password is refused: a guess must never be confirmed.
    assert THROTTLED_START in _post_login(client, "target@example.org", PASSWORD)
    assert client.get("/auth/account").status_code == 302
    # Another account is not affected.
    sign_in(client, "other@example.org")


def test_throttle_message_is_translated(client: FlaskClient, make_user, config) -> None:  # type: ignore[no-untyped-def]
    make_user("target@example.org")
    for _ in range(config.login_throttle.max_failures):
        _post_login(client, "target@example.org", "guess")
    expected = _translated(
        "Too many failed sign-in attempts for this account. Wait %(wait)s, then try again.", "ar"
    )
    assert expected.split("%(wait)s")[0].strip() in _post_login(
        client, "target@example.org", "guess", lang="ar"
    )


def test_throttle_survives_a_new_app_process(config, make_user) -> None:  # type: ignore[no-untyped-def]
    from portal import create_app

    make_user("target@example.org")
    first = create_app(config).test_client()
    for _ in range(config.login_throttle.max_failures):
        _post_login(first, "target@example.org", "guess")
    # A fresh app (as after a restart of the web processes) reads the same counters.
    second = create_app(config).test_client()
    assert THROTTLED_START in _post_login(second, "target@example.org", PASSWORD)


def test_a_thousand_rapid_attempts_are_throttled_and_none_succeeds(
    client: FlaskClient, make_user  # type: ignore[no-untyped-def]
) -> None:
    make_user("target@example.org")
    token = csrf_token(client)
    outcomes = {"wrong": 0, "throttled": 0, "signed_in": 0}
    for attempt in range(1000):
        # A script that also knows the password now and then must still never get in.
        password = PASSWORD if attempt % 97 == 96 else f"guess-{attempt}"
        response = client.post(
            "/auth/login",
            data={"csrf_token": token, "email": "target@example.org", "password": password},
        )
        page = html.unescape(response.get_data(as_text=True))
        if response.status_code == 302:
            outcomes["signed_in"] += 1
        elif THROTTLED_START in page:
            outcomes["throttled"] += 1
        else:
            assert WRONG in page
            outcomes["wrong"] += 1
    assert outcomes["signed_in"] == 0
    assert outcomes["wrong"] < 10 and outcomes["throttled"] > 990
    assert client.get("/auth/account").status_code == 302
