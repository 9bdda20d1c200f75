"""A stranger's failed guesses never lock a named person out; the current-password check is
throttled like sign-in; CSRF tokens rotate at sign-in; cookies carry `__Host-` behind TLS."""

from __future__ import annotations

import dataclasses
import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.models import AuditEvent, Role
from tests.conftest import PASSWORD, csrf_token, sign_in

WRONG = "The email or password is not right. Check both and try again."
THROTTLED = "Too many failed sign-in attempts for this account."
HELD = "from other places"
OWNER = "owner@example.org"
HOME = {"REMOTE_ADDR": "192.0.2.10"}


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    return response.status_code, html.unescape(response.get_data(as_text=True))


def signed_in_owner(app: Flask) -> FlaskClient:
    """The owner's own browser: signed in fully once, so it is a known device."""
    owner = from_address(app, HOME["REMOTE_ADDR"])
    sign_in(owner, OWNER)
    owner.post("/auth/logout", data={"csrf_token": csrf_token(owner, "/auth/account")})
    assert owner.get("/auth/account").status_code == 302
    return owner


def test_fifty_failed_sign_ins_from_elsewhere_do_not_stop_the_owner(
    app: Flask,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    make_user(OWNER, roles=(Role.VERIFIER,))
    owner = signed_in_owner(app)
    # Fifty failures from one other address: that address is slowed after ten...
    stranger = from_address(app, "203.0.113.66")
    answers = [post_login(stranger, OWNER, f"guess {n}")[1] for n in range(50)]
    assert sum(THROTTLED in page for page in answers) >= 40
    assert THROTTLED in post_login(stranger, OWNER, PASSWORD)[1]
    # ...and another fifty from fifty addresses, as a small botnet would.
    for n in range(50):
        post_login(from_address(app, f"198.51.100.{n + 1}"), OWNER, f"spray {n}")

    # The owner gets in from their own browser, and from a new one at home.
    sign_in(owner, OWNER)
    assert owner.get("/auth/account").status_code == 200
    new_phone = from_address(app, HOME["REMOTE_ADDR"])
    sign_in(new_phone, OWNER)
    assert new_phone.get("/auth/account").status_code == 200


def test_past_the_account_limit_only_known_devices_get_in_until_an_admin_unlocks(
    app: Flask,
    config: Config,
    make_user,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    user = make_user(OWNER, roles=(Role.VERIFIER,))
    make_user("admin@example.org", roles=(Role.ADMIN,))
    owner = signed_in_owner(app)
    limit = config.login_throttle.account_max_failures
    for n in range(limit):
        post_login(from_address(app, f"10.{n // 250}.{n % 250}.1"), OWNER, f"spray {n}")

    status, page = post_login(from_address(app, "192.0.2.77"), OWNER, PASSWORD)
    assert status == 400 and HELD in page  # a new device waits, even with the right password
    sign_in(owner, OWNER)  # the owner's known device does not
    assert owner.get("/auth/account").status_code == 200
    held = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_held"))
    assert [e.object_id for e in held] == [str(user.id)]

    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page_url = f"/admin/users/{user.id}"
    assert "only known devices can sign in" in html.unescape(admin.get(page_url).get_data(True))
    admin.post(f"{page_url}/unlock", data={"csrf_token": csrf_token(admin, page_url)})
    sign_in(from_address(app, "192.0.2.77"), OWNER)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "account.sign_in_unlocked"))


def test_the_current_password_check_locks_after_the_same_count_as_sign_in(
    app: Flask,
    config: Config,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    make_user(OWNER, roles=(Role.VERIFIER,))
    make_user("twin@example.org", roles=(Role.VERIFIER,))
    # Sign-in: how many wrong passwords before even the right one is refused?
    probe = app.test_client()
    sign_in_count = 0
    while THROTTLED not in post_login(probe, "twin@example.org", "wrong password")[1]:
        sign_in_count += 1
        assert sign_in_count < 100
    # The same question for the current password, in a signed-in session.
    client = app.test_client()
    sign_in(client, OWNER)
    new = "a quiet river under seven bridges"

    def change(current: str) -> str:
        response = client.post(
            "/auth/password",
            data={
                "csrf_token": csrf_token(client, "/auth/password"),
                "current": current,
                "new": new,
                "confirm": new,
            },
        )
        return html.unescape(response.get_data(as_text=True))

    password_count = 0
    while THROTTLED not in change("wrong password"):
        password_count += 1
        assert password_count < 100
    assert password_count == sign_in_count == config.login_throttle.max_failures - 1
    # Locked: the right current password is refused too, and nothing changed.
    assert THROTTLED in change(PASSWORD)
    assert WRONG in post_login(app.test_client(), OWNER, new)[1]


def test_the_csrf_token_is_rotated_at_sign_in(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(OWNER, roles=(Role.VERIFIER,))
    client = app.test_client()
    before = csrf_token(client)
    sign_in(client, OWNER)
    after = csrf_token(client, "/auth/account")
    assert after != before
    stale = client.post("/auth/logout", data={"csrf_token": before})
    assert stale.status_code == 400  # a token from before sign-in is worthless
    assert client.get("/auth/account").status_code == 200
    fresh = client.post("/auth/logout", data={"csrf_token": after})
    assert fresh.status_code == 302


def test_cookies_carry_the_host_prefix_behind_tls(config: Config, make_user) -> None:  # type: ignore[no-untyped-def]
    from portal import create_app

    app = create_app(dataclasses.replace(config, behind_tls=True))
    make_user(OWNER, roles=(Role.VERIFIER,))
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    seen: list[str] = []
    login = client.get("/auth/login")
    seen += login.headers.getlist("Set-Cookie")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.get_data(True))
    assert token
    response = client.post(
        "/auth/login",
        data={"csrf_token": token.group(1), "email": OWNER, "password": PASSWORD},
    )
    seen += response.headers.getlist("Set-Cookie")
    sign_in(client, OWNER)
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert {"__Host-cw_csrf", "__Host-cw_staff"} <= names, names
    for cookie in seen:
        if cookie.startswith("__Host-"):
            attributes = [part.strip().lower() for part in cookie.split(";")]
            assert "secure" in attributes and "path=/" in attributes
            assert not any(a.startswith("domain=") for a in attributes)
    assert client.get("/auth/account").status_code == 200
    device = client.get_cookie("__Host-cw_device")
    assert device is not None and device.expires is not None  # staff: known for 180 days


def test_sign_in_lands_on_the_persons_work(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    cases = {
        "desk@example.org": ((Role.VERIFIER,), ("IQ",), "/desk/"),
        "assess@example.org": ((Role.ASSESSOR,), (), "/assess/"),
        "admin@example.org": ((Role.ADMIN,), (), "/admin/"),
    }
    for email, (roles, desks, landing) in cases.items():
        make_user(email, roles=roles, desks=desks)
        client = app.test_client()
        response = client.post(
            "/auth/login",
            data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD},
        )
        assert response.headers["Location"].startswith("/auth/two-factor")
        sign_in(client, email)
        assert client.get("/auth/login").headers["Location"] == landing, email
