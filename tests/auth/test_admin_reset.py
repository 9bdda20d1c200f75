"""A forgotten password is reset through a one-time link: the admin never knows the new password,
the person gets a fresh recovery key, and the old recovery key opens nothing any more."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.crypto import RecoveryKey, WrongRecoveryKey, unlock_with_recovery_key
from portal.domain.models import DeskKeyWrap, Role, SetupLink, User
from portal.web.services import EXTENSION
from tests.conftest import PASSWORD, csrf_token, sign_in

NEW = "seven green lanterns over the river"
WRONG = "The email or password is not right. Check both and try again."


def one_time(page: str, element_id: str) -> str:
    found = re.search(rf'<p class="one-time" id="{element_id}">([^<]+)</p>', page)
    assert found, page[:1500]
    return html.unescape(found.group(1)).strip()


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def admin_client(app: Flask, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    make_user("admin@example.org", roles=(Role.ADMIN,))
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return client


def reset_link(admin: FlaskClient, user_id: int) -> str:
    page = f"/admin/users/{user_id}"
    shown = admin.get(page).get_data(as_text=True)
    assert 'type="password"' not in shown  # the admin is never asked for anyone's password
    made = admin.post(
        f"{page}/reset-password", data={"csrf_token": csrf_token(admin, page)}
    ).get_data(as_text=True)
    assert 'type="password"' not in made
    return path_of(one_time(made, "setup-link"))


def set_password(client: FlaskClient, link: str, password: str, recovery: str = "") -> str:
    data = {"csrf_token": csrf_token(client, link), "new": password, "confirm": password}
    if recovery:
        data["recovery_key"] = recovery
    response = client.post(link, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    return one_time(response.get_data(as_text=True), "recovery-key")


def _post_login(client: FlaskClient, email: str, password: str) -> str:
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    return html.unescape(response.get_data(as_text=True))


def _first_recovery_key(app: Flask, session: Session, user: User) -> RecoveryKey:
    """Re-issue the recovery wrap with a key the test knows (what creation showed the person)."""
    from portal.crypto import issue_recovery_key

    personal = app.extensions[EXTENSION].keyring.personal
    row = session.get(User, user.id)
    assert row is not None and row.private_key_by_password is not None
    private = personal.unlock_with_password(row.private_key_by_password, PASSWORD)
    key, wrap = issue_recovery_key(private)
    row.private_key_by_recovery = wrap
    session.commit()
    return key


def test_a_reset_password_is_never_known_to_the_admin_and_the_old_recovery_key_dies(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    user = make_user("forgetful@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    old_recovery = _first_recovery_key(app, session, user)
    old_public = user.public_key
    admin = admin_client(app, make_user)

    link = reset_link(admin, user.id)
    # The old password stopped working the moment the admin pressed the button.
    assert WRONG in _post_login(app.test_client(), "forgetful@example.org", PASSWORD)

    person = app.test_client()
    fresh = RecoveryKey.parse(set_password(person, link, NEW))
    assert fresh != old_recovery

    session.expire_all()
    row = session.scalar(select(User).where(User.email == "forgetful@example.org"))
    assert row is not None and row.private_key_by_recovery and row.private_key_by_password
    personal = app.extensions[EXTENSION].keyring.personal
    # Only the person's new password and new recovery key open the (new) personal key.
    opened = personal.unlock_with_password(row.private_key_by_password, NEW)
    assert opened.public_key().to_bytes() == row.public_key != old_public
    assert unlock_with_recovery_key(row.private_key_by_recovery, fresh).to_bytes() == (
        opened.to_bytes()
    )
    with pytest.raises(WrongRecoveryKey):
        unlock_with_recovery_key(row.private_key_by_recovery, old_recovery)
    # Without the old key, the desk key copies wrapped to it are gone and access waits again.
    assert session.scalars(select(DeskKeyWrap).where(DeskKeyWrap.user_id == row.id)).all() == []
    assert [m.granted_day for m in row.desks] == [None]
    # The link worked once.
    assert person.get(link).status_code == 404
    assert session.scalars(select(SetupLink)).all() == []
    # The new password signs in (with the second factor the person still has).
    sign_in(app.test_client(), "forgetful@example.org", NEW)


def test_with_the_recovery_key_the_person_keeps_their_key_and_desk_access(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    user = make_user("forgetful@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    old_recovery = _first_recovery_key(app, session, user)
    old_public = user.public_key
    admin = admin_client(app, make_user)
    link = reset_link(admin, user.id)
    person = app.test_client()

    refused = person.post(
        link,
        data={
            "csrf_token": csrf_token(person, link),
            "recovery_key": RecoveryKey.generate().display(),
            "new": NEW,
            "confirm": NEW,
        },
    )
    assert refused.status_code == 400
    assert "does not open your account" in html.unescape(refused.get_data(as_text=True))

    fresh = RecoveryKey.parse(set_password(person, link, NEW, old_recovery.display()))
    session.expire_all()
    row = session.get(User, user.id)
    assert row is not None and row.private_key_by_recovery is not None
    assert row.public_key == old_public
    assert [m.granted_day is not None for m in row.desks] == [True]
    with pytest.raises(WrongRecoveryKey):
        unlock_with_recovery_key(row.private_key_by_recovery, old_recovery)
    assert unlock_with_recovery_key(row.private_key_by_recovery, fresh).public_key().to_bytes() == (
        old_public
    )


def test_a_link_is_short_lived_and_a_new_one_replaces_it(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    user = make_user("forgetful@example.org", roles=(Role.VERIFIER,))
    admin = admin_client(app, make_user)
    first = reset_link(admin, user.id)
    second = reset_link(admin, user.id)
    person = app.test_client()
    assert person.get(first).status_code == 404
    assert person.get(second).status_code == 200
    for link in session.scalars(select(SetupLink)):
        assert link.expires_at - dt.datetime.now(dt.UTC).replace(tzinfo=None) <= dt.timedelta(
            hours=24
        )
        link.expires_at = dt.datetime(2000, 1, 1)
    session.commit()
    expired = person.get(second)
    assert expired.status_code == 404
    assert "does not work" in expired.get_data(as_text=True)


def test_admins_do_not_reset_or_disable_themselves_here(
    app: Flask, make_user, session: Session
) -> None:  # type: ignore[no-untyped-def]
    admin = admin_client(app, make_user)
    me = session.scalar(select(User).where(User.email == "admin@example.org"))
    assert me is not None
    page = f"/admin/users/{me.id}"
    for action in ("reset-password", "disable"):
        admin.post(f"{page}/{action}", data={"csrf_token": csrf_token(admin, page)})
    session.expire_all()
    assert me.active and me.private_key_by_password is not None
    assert "own account" in html.unescape(admin.get(page).get_data(as_text=True))


def test_only_admins_reach_the_account_pages(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    client = app.test_client()
    sign_in(client, "v@example.org")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/invite").status_code == 403
