"""A forgotten password is reset by an admin with the person's recovery key, never without it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.passwords import PasswordHashParams
from portal.domain.models import Role, User
from portal.provision.accounts import NewAccount, create_account
from portal.web.services import EXTENSION
from tests.conftest import csrf_token, sign_in

NEW = "seven green lanterns over the river"


def test_reset_with_the_recovery_key_keeps_the_personal_key(
    app: Flask, session: Session, make_user  # type: ignore[no-untyped-def]
) -> None:
    personal = app.extensions[EXTENSION].keyring.personal
    created = create_account(
        session,
        NewAccount("forgetful@example.org", "F", "an old password nobody remembers",
                   frozenset({Role.VERIFIER})),
        PasswordHashParams(8192, 1, 1),
        personal,
    )
    session.commit()
    make_user("admin@example.org", roles=(Role.ADMIN,))
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = f"/admin/users/{created.user.id}/reset"

    wrong = admin.post(page, data={"csrf_token": csrf_token(admin, page),
                                   "recovery_key": "0" * 32, "new": NEW, "confirm": NEW})
    assert wrong.status_code == 400
    done = admin.post(page, data={"csrf_token": csrf_token(admin, page),
                                  "recovery_key": created.recovery_key.display(),
                                  "new": NEW, "confirm": NEW})
    assert done.status_code == 302

    session.expire_all()
    user = session.scalar(select(User).where(User.email == "forgetful@example.org"))
    assert user is not None and user.private_key_by_password is not None
    private = personal.unlock_with_password(user.private_key_by_password, NEW)
    assert private.public_key().to_bytes() == user.public_key
    assert user.totp_secret_sealed is None  # a new phone is enrolled at next sign-in
    sign_in(app.test_client(), "forgetful@example.org", NEW)


def test_only_admins_reach_the_reset_page(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("v@example.org", roles=(Role.VERIFIER,))
    client = app.test_client()
    sign_in(client, "v@example.org")
    assert client.get("/admin/users").status_code == 403
