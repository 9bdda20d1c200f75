"""The second factor at sign-in: enrolment, TOTP codes with replay refusal, recovery codes.

No Flask here: views call these with the session record, the server key and a clock.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal.auth import recovery_codes, totp
from portal.auth.recovery_codes import RecoveryCodeSet
from portal.crypto import ServerKey
from portal.domain.models import StaffSession, User
from portal.limits import Counters, counter_key

# Ten wrong codes per account per 15 minutes: with ±1 step a guess succeeds with probability
# 3e-6, so an attacker holding the password gets ~0.003 % a day instead of certainty.
ATTEMPTS = 10
WINDOW_SECONDS = 15 * 60


class SecondFactorError(Exception):
    """The code was not accepted."""


class SecondFactorThrottled(SecondFactorError):
    pass


def _purpose(user: User) -> str:
    return f"totp:{user.id}"


def is_enrolled(user: User) -> bool:
    return user.totp_secret_sealed is not None


def begin_enrolment(record: StaffSession, user: User, server_key: ServerKey) -> bytes:
    """The secret to show (QR and text); kept sealed in the session until confirmed."""
    if record.pending_totp_sealed is not None:
        return server_key.open(record.pending_totp_sealed, _purpose(user))
    secret = totp.new_secret()
    record.pending_totp_sealed = server_key.seal(secret, _purpose(user))
    return secret


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record `step` as used, only if no later or equal step was used (race-safe)."""
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def confirm_enrolment(
    session: Session,
    user: User,
    record: StaffSession,
    code: str,
    server_key: ServerKey,
    now: dt.datetime,
) -> RecoveryCodeSet:
    if record.pending_totp_sealed is None:
        raise SecondFactorError("no enrolment under way")
    secret = server_key.open(record.pending_totp_sealed, _purpose(user))
    try:
        step = totp.verify(secret, code, None, now)
    except totp.InvalidCode as error:
        raise SecondFactorError("wrong code") from error
    codes = recovery_codes.generate_recovery_codes()
    user.totp_secret_sealed = record.pending_totp_sealed
    user.totp_last_step = step
    user.recovery_code_hashes = list(codes.hashes)
    record.pending_totp_sealed = None
    return codes


_LOOKS_LIKE_TOTP = re.compile(r"^[\s\d\u0660-\u0669\u06f0-\u06f9-]+$")


def _attempts_key(secret: bytes, user: User) -> str:
    return counter_key(secret, "second-factor", str(user.id))


def throttled(counters: Counters, secret: bytes, user: User) -> bool:
    return counters.peek(
        _attempts_key(secret, user), limit=ATTEMPTS, window_seconds=WINDOW_SECONDS
    ).blocked


def note_failure(counters: Counters, secret: bytes, user: User) -> None:
    counters.hit(_attempts_key(secret, user), limit=ATTEMPTS, window_seconds=WINDOW_SECONDS)


def clear_failures(counters: Counters, secret: bytes, user: User) -> None:
    counters.reset(_attempts_key(secret, user))


def verify_second_factor(
    session: Session, user: User, code: str, *, server_key: ServerKey, now: dt.datetime
) -> str:
    """Accept a TOTP code or a one-time recovery code; returns "totp" or "recovery".

    The caller checks `throttled` first and records the outcome with `note_failure` or
    `clear_failures` after its own transaction ended: counters kept in the database use their own
    transaction, which must not wait on the request's open write (SQLite allows one writer).
    """
    return _check(session, user, code, server_key, now)


def _check(session: Session, user: User, code: str, server_key: ServerKey, now: dt.datetime) -> str:
    if user.totp_secret_sealed is None:
        raise SecondFactorError("not enrolled")
    if _LOOKS_LIKE_TOTP.match(code):
        secret = server_key.open(user.totp_secret_sealed, _purpose(user))
        try:
            step = totp.verify(secret, code, user.totp_last_step, now)
        except totp.InvalidCode as error:
            raise SecondFactorError(type(error).__name__) from error
        if not _claim_step(session, user, step):
            raise SecondFactorError("code already used")
        session.refresh(user)
        return "totp"
    # Lock the row while spending: two requests racing with one code cannot both succeed.
    locked = session.execute(
        select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    try:
        remaining = recovery_codes.consume(code, list(locked.recovery_code_hashes or []))
    except recovery_codes.RecoveryCodeError as error:
        raise SecondFactorError("wrong recovery code") from error
    locked.recovery_code_hashes = list(remaining)
    session.flush()
    return "recovery"
