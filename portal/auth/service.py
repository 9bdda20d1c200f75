"""Signing staff in: password check and throttling (no Flask here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth import devices
from portal.auth.passwords import (
    PasswordHashParams,
    verify_password,
    verify_password_for_unknown_user,
)
from portal.auth.throttle import AccountHeld, Attempt, SignInThrottle, Throttled, normalise_email
from portal.crypto import Argon2Limiter
from portal.domain.models import User

__all__ = [
    "AccountHeld",
    "InvalidCredentials",
    "SignInError",
    "Throttled",
    "attempt_for",
    "authenticate",
    "find_user",
]


class SignInError(Exception):
    """Base of what can go wrong signing in; each maps to one translated message."""


class InvalidCredentials(SignInError):
    """Wrong email or password; deliberately not saying which."""


def find_user(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def attempt_for(
    session: Session, email: str, user: User | None, address: str, device: str | None
) -> Attempt:
    """Describe a try at `email`'s password from `address`, on the browser holding `device`."""
    known = user is not None and devices.is_known(session, user, device)
    return Attempt(
        email=email,
        address=address,
        device_hash=devices.device_hash(user.id, device) if known and user and device else None,
        epoch=user.sign_in_epoch if user is not None else 0,
    )


def authenticate(
    session: Session,
    throttle: SignInThrottle,
    *,
    email: str,
    password: str,
    address: str,
    device: str | None,
    params: PasswordHashParams,
    limiter: Argon2Limiter,
) -> User:
    """Return the user whose email and password match, or raise `SignInError`, `Throttled` or
    `AccountHeld`.

    The throttle is checked *before* the password, so that while it holds even the right
    password is refused: an attacker cannot learn that a guess was right. An unknown email is
    counted like a known one, so the answers do not tell which addresses belong to staff.
    """
    user = find_user(session, email)
    attempt = attempt_for(session, email, user, address, device)
    throttle.check(attempt)
    # Through the process-wide Argon2 limiter: a burst of sign-ins must not exhaust memory. An
    # unknown email costs as long as a known one, so timing does not reveal staff addresses.
    with limiter.slot():
        if user is None:
            matches = verify_password_for_unknown_user(password, params)
        else:
            matches = verify_password(password, user.password_hash)
    if not matches or user is None or not user.active:
        outcome = throttle.failed(attempt)
        if outcome.account_held_now and user is not None:
            audit.record(
                session,
                actor_id=None,
                action="auth.sign_in_held",
                object_type="user",
                object_id=str(user.id),
                detail={"failures": outcome.account.count if outcome.account else 0},
            )
        outcome.raise_if_blocked()
        raise InvalidCredentials()
    throttle.succeeded(attempt)
    return user
