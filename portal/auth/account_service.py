"""Changing one's password, signing out everywhere, and an admin reset with the recovery key."""

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
from portal.crypto import Argon2Limiter, PersonalKeys, RecoveryKey, WrongPassword
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
    params: PasswordHashParams,
    personal: PersonalKeys,
    limiter: Argon2Limiter,
) -> None:
    """Check the current password, apply the policy, re-hash, and re-wrap the personal key.

    Every session of the account ends (the caller starts a fresh one): whoever else had the old
    password and a session does not keep it.
    """
    with limiter.slot():
        if not verify_password(current, user.password_hash):
            raise CurrentPasswordWrong()
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


def reset_with_recovery_key(
    session: Session,
    admin: User,
    user: User,
    recovery_key_text: str,
    new: str,
    *,
    params: PasswordHashParams,
    personal: PersonalKeys,
) -> None:
    """An admin resets a forgotten password, with the recovery key the person brings.

    Never by e-mail alone: without the recovery key nothing can unwrap the personal key, so a
    reset would only lock the person out of every report. The second factor is reset too, so the
    person enrols a new phone at next sign-in.
    """
    violations = check_password(new, email=user.email)
    if violations:
        raise PasswordRefused(violations)
    if user.private_key_by_recovery is None:
        raise CurrentPasswordWrong()
    recovery_key = RecoveryKey.parse(recovery_key_text)
    _private, wrapped = personal.reset_password(user.private_key_by_recovery, recovery_key, new)
    user.private_key_by_password = wrapped
    user.password_hash = hash_password(new, params)
    user.password_changed_day = today()
    user.totp_secret_sealed = None
    user.totp_last_step = None
    user.recovery_code_hashes = []
    end_all_sessions(session, user.id)
    audit.record(
        session,
        actor_id=admin.id,
        action="auth.password_reset",
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
