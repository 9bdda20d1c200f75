"""Resolve `current_user` from the staff session cookie on each request."""

from __future__ import annotations

from flask import Flask, Request, g
from flask_login import LoginManager
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.auth.cookies import staff_token
from portal.auth.staff_sessions import (
    PersonalKeyLocked,
    SessionToken,
    personal_key,
    resume_session,
)
from portal.crypto import PrivateKey
from portal.domain.models import StaffSession, User
from portal.web.services import db, services

# Built once: every staff request runs it (SQLAlchemy builds and keys a statement with two eager
# loads in about as long as the database takes to answer it).
_USER_WITH_ACCESS = (
    select(User)
    .where(User.id == bindparam("id"))
    .options(joinedload(User.roles), joinedload(User.desks))
)


def install_staff_loader(app: Flask) -> LoginManager:
    manager = LoginManager()
    manager.init_app(app)
    # Never remember a user in Flask's readable cookie session; the server-side record decides.
    manager.session_protection = None

    @manager.user_loader  # type: ignore[untyped-decorator]
    def _no_cookie_session(_user_id: str) -> None:
        return None

    @manager.request_loader  # type: ignore[untyped-decorator]
    def _from_staff_cookie(request: Request) -> User | None:
        token = staff_token(request, services().config)
        if token is None:
            return None
        session = db()
        record = resume_session(session, token)
        if session.dirty or session.deleted:
            # A later idle expiry, or an expired session destroyed: kept whatever the view does.
            # Otherwise the read goes on in the view's transaction (one COMMIT and BEGIN fewer).
            session.commit()
        if record is None or record.auth_level != "full":
            return None  # half signed in: only the second-factor pages see this session
        # Its roles and desks in the same statement: every staff page reads them.
        user = session.scalars(_USER_WITH_ACCESS, {"id": record.user_id}).unique().one_or_none()
        if user is None or not user.active:
            return None
        g.staff_session = record
        g.staff_token = token
        return user

    return manager


def current_staff_session() -> StaffSession | None:
    found: StaffSession | None = g.get("staff_session")
    return found


def current_personal_key() -> PrivateKey:
    """The signed-in staff member's personal private key, opened from the session vault.

    Raises `PersonalKeyLocked` when the session holds none (signed in before keys existed, or the
    vault does not open): the person must sign in again to read sealed content.
    """
    record = current_staff_session()
    token: SessionToken | None = g.get("staff_token")
    if record is None or token is None:
        raise PersonalKeyLocked()
    return personal_key(record, token)
