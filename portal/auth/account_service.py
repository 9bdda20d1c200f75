"""Changing one's password and signing out everywhere (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal import audit
from portal.auth.passwords import (
    PasswordHashParams,
    PolicyViolation,
    check_password,
    hash_password,
    verify_password,
)
from portal.auth.staff_sessions import end_all_sessions
from portal.auth.throttle import Attempt, SignInThrottle
from portal.crypto import Argon2Limiter, PersonalKeys, WrongPassword
from portal.domain.models import User
from portal.domain.models.base import today


@dataclass
class PasswordRefused(Exception):
    violations: tuple[PolicyViolation, ...]


class CurrentPasswordWrong(Exception):
    pass


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    throttle: SignInThrottle,
    attempt: Attempt,
    params: PasswordHashParams,
    personal: PersonalKeys,
    limiter: Argon2Limiter,
) -> None:
    """Check the current password, apply the policy, re-hash, and re-wrap the personal key.

    The current password is the one that unwraps the personal key, so guessing it is throttled
    exactly like signing in, in the same counters (`Throttled` before it is even checked). Every
    session of the account ends (the caller starts a fresh one): whoever else had the old
    password and a session does not keep it.
    """
    throttle.check(attempt)
    with limiter.slot():
        matches = verify_password(current, user.password_hash)
    if not matches:
        throttle.failed(attempt).raise_if_blocked()
        raise CurrentPasswordWrong()
    throttle.succeeded(attempt)
    violations = check_password(new, email=user.email)
    if violations:
        raise PasswordRefused(violations)
    if user.private_key_by_password is not None:
        try:
            user.private_key_by_password = personal.change_password(
                user.private_key_by_password, current, new
            )
        except WrongPassword as error:
            raise CurrentPasswordWrong() from error
    with limiter.slot():
        user.password_hash = hash_password(new, params)
    user.password_changed_day = today()
    end_all_sessions(session, user.id)
    audit.record(
        session,
        actor_id=user.id,
        action="auth.password_changed",
        object_type="user",
        object_id=str(user.id),
    )


def sign_out_everywhere(session: Session, user: User) -> None:
    end_all_sessions(session, user.id)
    audit.record(
        session,
        actor_id=user.id,
        action="auth.logout_everywhere",
        object_type="user",
        object_id=str(user.id),
    )
