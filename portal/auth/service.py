"""Signing staff in: password check and per-account throttling (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth.passwords import (
    PasswordHashParams,
    verify_password,
    verify_password_for_unknown_user,
)
from portal.config import LoginThrottle
from portal.crypto import Argon2Limiter
from portal.domain.models import User
from portal.limits import Counters, counter_key


class SignInError(Exception):
    """Base of what can go wrong signing in; each maps to one translated message."""


class InvalidCredentials(SignInError):
    """Wrong email or password; deliberately not saying which."""


@dataclass
class AccountThrottled(SignInError):
    retry_after_seconds: int


def find_user(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(
    session: Session,
    counters: Counters,
    *,
    email: str,
    password: str,
    throttle: LoginThrottle,
    secret: bytes,
    params: PasswordHashParams,
    limiter: Argon2Limiter,
) -> User:
    """Return the user whose email and password match, or raise a `SignInError`.

    The throttle is per account and checked *before* the password, so that during a lockout even
    the right password is refused: an attacker cannot learn that a guess was right.
    """
    key = counter_key(secret, "login", email.strip().lower())
    limits = {"limit": throttle.max_failures, "window_seconds": throttle.window_seconds}
    state = counters.peek(key, **limits)
    if state.blocked:
        raise AccountThrottled(state.retry_after_seconds)
    user = find_user(session, email)
    # Through the process-wide Argon2 limiter: a burst of sign-ins must not exhaust memory. An
    # unknown email costs as long as a known one, so timing does not reveal staff addresses.
    with limiter.slot():
        if user is None:
            matches = verify_password_for_unknown_user(password, params)
        else:
            matches = verify_password(password, user.password_hash)
    if not matches or user is None or not user.active:
        after = counters.hit(key, **limits)
        if after.blocked:
            raise AccountThrottled(after.retry_after_seconds)
        raise InvalidCredentials()
    counters.reset(key)
    return user
