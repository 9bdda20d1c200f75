"""One-time setup links: a person chooses their own password, for a new account or after a reset.

An admin never chooses, sees or types anyone's password. Inviting someone or resetting their
password issues a link that works once, for `PORTAL_SETUP_LINK_HOURS`; the admin passes it on
over a channel they trust. Whoever opens it first sets the password and receives a new recovery
key, so a link used by someone else is noticed: the person's own link no longer works, and the
audit log says when it was used.

After a reset the person keeps their personal key (and so their desk access and their own
reports) if they bring their recovery key; otherwise they get a new personal key, their desk
access waits until someone holding each desk key grants it again, and nothing sealed to the old
key opens for them. Either way the old recovery key no longer opens anything. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth.account_service import PasswordRefused
from portal.auth.passwords import PasswordHashParams, check_password, hash_password
from portal.auth.staff_sessions import end_all_sessions
from portal.crypto import (
    Argon2Limiter,
    PersonalKeys,
    PrivateKey,
    RecoveryKey,
    issue_recovery_key,
    unlock_with_recovery_key,
)
from portal.domain.models import DeskKeyWrap, DeskMembership, SetupLink, SetupPurpose, User
from portal.domain.models.base import today, utcnow


class SetupLinkInvalid(Exception):
    """Unknown, already used, replaced by a newer link, or expired: the answer is the same."""


@dataclass(frozen=True)
class IssuedLink:
    # Shown once, to the admin who passes it on; only its SHA-256 is stored.
    token: str
    purpose: SetupPurpose
    expires_at: dt.datetime


@dataclass(frozen=True)
class SetupDone:
    user: User
    # Shown once to the person; never stored.
    recovery_key: RecoveryKey
    kept_personal_key: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unusable_password_hash(params: PasswordHashParams) -> str:
    """A hash nothing matches: of 256 random bits nobody keeps. An account waiting for its setup
    link answers a sign-in exactly like a wrong password, in the same time."""
    return hash_password(secrets.token_urlsafe(32), params)


def issue_link(
    session: Session,
    user: User,
    purpose: SetupPurpose,
    *,
    issued_by: User | None,
    hours: int,
    now: dt.datetime | None = None,
) -> IssuedLink:
    """A new link for `user`; any earlier link of theirs stops working."""
    now = now or utcnow()
    session.execute(delete(SetupLink).where(SetupLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(hours=hours)
    session.add(
        SetupLink(
            user_id=user.id,
            token_hash=_digest(token),
            purpose=purpose,
            issued_by_id=issued_by.id if issued_by is not None else None,
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedLink(token, purpose, expires_at)


def find_link(session: Session, token: str, *, now: dt.datetime | None = None) -> SetupLink:
    now = now or utcnow()
    # Expired links of everyone go on every look-up: they must not pile up as a history.
    session.execute(delete(SetupLink).where(SetupLink.expires_at <= now))
    if not token or len(token) > 64:
        raise SetupLinkInvalid()
    link = session.scalar(select(SetupLink).where(SetupLink.token_hash == _digest(token)))
    if link is None:
        raise SetupLinkInvalid()
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        raise SetupLinkInvalid()
    return link


def live_link(session: Session, user: User, *, now: dt.datetime | None = None) -> SetupLink | None:
    """The user's unexpired link, if one is waiting (for the admin's account page)."""
    return session.scalar(
        select(SetupLink).where(
            SetupLink.user_id == user.id, SetupLink.expires_at > (now or utcnow())
        )
    )


def complete_setup(
    session: Session,
    token: str,
    new_password: str,
    *,
    recovery_key: RecoveryKey | None,
    params: PasswordHashParams,
    personal: PersonalKeys,
    limiter: Argon2Limiter,
    now: dt.datetime | None = None,
) -> SetupDone:
    """Set the person's password through their link, once.

    Raises `SetupLinkInvalid`, `PasswordRefused`, or `WrongRecoveryKey` when a recovery key was
    given and does not open this account's key (nothing is changed then, and the link still
    works: the person may try again or go on without it).
    """
    link = find_link(session, token, now=now)
    user = session.get(User, link.user_id)
    assert user is not None  # find_link checked it
    violations = check_password(new_password, email=user.email)
    if violations:
        raise PasswordRefused(violations)
    kept = recovery_key is not None and user.private_key_by_recovery is not None
    if kept:
        assert recovery_key is not None and user.private_key_by_recovery is not None
        private = unlock_with_recovery_key(user.private_key_by_recovery, recovery_key)
    else:
        private = PrivateKey.generate()
        if user.public_key is not None:
            _give_up_old_key(session, user)
    fresh_recovery, by_recovery = issue_recovery_key(private)
    user.public_key = private.public_key().to_bytes()
    user.private_key_by_password = personal.wrap_with_password(private, new_password)
    user.private_key_by_recovery = by_recovery
    with limiter.slot():
        user.password_hash = hash_password(new_password, params)
    user.password_changed_day = today()
    purpose = link.purpose
    session.delete(link)
    end_all_sessions(session, user.id)
    audit.record(
        session,
        actor_id=user.id,
        action="account.setup_completed",
        object_type="user",
        object_id=str(user.id),
        detail={"purpose": purpose.value, "personal_key": "kept" if kept else "new"},
    )
    session.flush()
    return SetupDone(user, fresh_recovery, kept)


def _give_up_old_key(session: Session, user: User) -> None:
    """A new personal key replaces one nobody can open any more: the desk keys wrapped to the
    old one are useless, and the person's desk access waits for a key holder again."""
    session.execute(delete(DeskKeyWrap).where(DeskKeyWrap.user_id == user.id))
    for membership in session.scalars(
        select(DeskMembership).where(DeskMembership.user_id == user.id)
    ):
        membership.granted_day = None
