"""Changing a password re-wraps the personal key and ends every other session."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Role, User
from portal.web.services import EXTENSION
from tests.conftest import PASSWORD, csrf_token, sign_in

NEW = "a quiet river under seven bridges"


def _change(client, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/password",
        data={
            "csrf_token": csrf_token(client, "/auth/password"),
            "current": current,
            "new": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_change_rewraps_the_key_and_ends_other_sessions(
    app: Flask, session: Session, make_user  # type: ignore[no-untyped-def]
) -> None:
    make_user("v@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "v@example.org")
    sign_in(elsewhere, "v@example.org")
    response = _change(here, PASSWORD, NEW)
    assert response.status_code == 302
    assert here.get("/auth/account").status_code == 200
    assert elsewhere.get("/auth/account").status_code == 302  # signed out

    session.expire_all()
    user = session.scalar(select(User).where(User.email == "v@example.org"))
    assert user is not None and user.private_key_by_password is not None
    personal = app.extensions[EXTENSION].keyring.personal
    private = personal.unlock_with_password(user.private_key_by_password, NEW)
    assert private.public_key().to_bytes() == user.public_key


def test_weak_or_mismatched_passwords_are_refused_with_reasons(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    client = app.test_client()
    sign_in(client, "v@example.org")
    short = _change(client, PASSWORD, "short").get_data(as_text=True)
    assert "at least 12 characters" in short
    common = _change(client, PASSWORD, "password12345").get_data(as_text=True)
    assert "too common" in common
    wrong = _change(client, "not my password", NEW)
    assert wrong.status_code == 400
    assert "current password is not right" in wrong.get_data(as_text=True)
    mismatch = _change(client, PASSWORD, NEW, confirm=NEW + "x")
    assert mismatch.status_code == 400
    # Nothing changed: the old password still signs in.
    sign_in(app.test_client(), "v@example.org", PASSWORD)


def test_sign_out_everywhere(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    one, two = app.test_client(), app.test_client()
    sign_in(one, "v@example.org")
    sign_in(two, "v@example.org")
    one.post("/auth/logout-everywhere", data={"csrf_token": csrf_token(one, "/auth/account")})
    assert one.get("/auth/account").status_code == 302
    assert two.get("/auth/account").status_code == 302
