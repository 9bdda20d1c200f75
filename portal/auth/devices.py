"""Known devices: browsers a person has fully signed in from (no Flask here).

The browser keeps a random value in a long-lived cookie; the database keeps SHA-256 of the
account id and that value, so a copy of the table cannot tell that two accounts share a browser,
and a cookie copied from one account's browser is unknown for every other account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.domain.models import KnownDevice, User
from portal.domain.models.base import today

# A known device stays known this long after its last full sign-in.
DEVICE_DAYS = 180


def new_device_value() -> str:
    return secrets.token_urlsafe(32)


def device_hash(user_id: int, value: str) -> str:
    return hashlib.sha256(f"{user_id}:{value}".encode()).hexdigest()


def is_known(session: Session, user: User, value: str | None) -> bool:
    if value is None:
        return False
    oldest = today() - dt.timedelta(days=DEVICE_DAYS)
    return (
        session.scalar(
            select(KnownDevice.id).where(
                KnownDevice.user_id == user.id,
                KnownDevice.token_hash == device_hash(user.id, value),
                KnownDevice.last_used_day >= oldest,
            )
        )
        is not None
    )


def remember(session: Session, user: User, value: str) -> None:
    """Record (or refresh) the device after a full sign-in; drop this person's stale ones."""
    wanted = device_hash(user.id, value)
    row = session.scalar(
        select(KnownDevice).where(KnownDevice.user_id == user.id, KnownDevice.token_hash == wanted)
    )
    if row is None:
        session.add(KnownDevice(user_id=user.id, token_hash=wanted))
    elif row.last_used_day != today():
        row.last_used_day = today()
    session.execute(
        delete(KnownDevice).where(
            KnownDevice.user_id == user.id,
            KnownDevice.last_used_day < today() - dt.timedelta(days=DEVICE_DAYS),
        )
    )


def forget_all(session: Session, user_id: int) -> None:
    """After a password reset or a second-factor reset: every device must earn trust again."""
    session.execute(delete(KnownDevice).where(KnownDevice.user_id == user_id))
