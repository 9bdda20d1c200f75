"""Server-side staff sessions (DESIGN §6).

The cookie holds a random session id and a random session key. The database holds only the
SHA-256 of the id and, later, the staff member's personal private key encrypted under the session
key. A copy of the session table opens nothing; a stolen cookie alone expires with the session.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from portal.crypto import PrivateKey, SessionUnlockFailed, SessionVault
from portal.domain.models import StaffSession, User
from portal.domain.models.base import utcnow

COOKIE_NAME = "cw_staff"
# A verifier's screen left open in an office is the common leak; 30 idle minutes closes it,
# 12 hours bounds a session that is kept alive all day.
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
# Expiries are stored rounded up to this slot, and the idle expiry is moved only when a request
# falls in a new slot: a session row tells when it expires to ten minutes, never the second of a
# sign-in or of the request that sent a member's report. Idle sessions end 30 to 40 minutes
# after the last request.
EXPIRY_SLOT = dt.timedelta(minutes=10)
_EPOCH = dt.datetime(2000, 1, 1)


def expiry_slot(moment: dt.datetime) -> dt.datetime:
    """`moment` rounded up to the next multiple of EXPIRY_SLOT (itself if already one)."""
    slots = -(-(moment - _EPOCH) // EXPIRY_SLOT)
    return _EPOCH + slots * EXPIRY_SLOT


@dataclass(frozen=True)
class SessionToken:
    session_id: bytes
    session_key: bytes

    def cookie_value(self) -> str:
        return ".".join(
            base64.urlsafe_b64encode(part).decode().rstrip("=")
            for part in (self.session_id, self.session_key)
        )

    @classmethod
    def parse(cls, value: str) -> SessionToken | None:
        try:
            sid, key = value.split(".")
            return cls(_unb64(sid), _unb64(key))
        except (ValueError, TypeError):
            return None

    @property
    def id_hash(self) -> str:
        return hashlib.sha256(self.session_id).hexdigest()


def _unb64(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise ValueError("bad token part")
    return raw


def start_session(
    session: Session,
    user: User,
    personal_key: bytes | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[SessionToken, StaffSession]:
    """A new session record for `user`; the caller sets the cookie from the token.

    The unlocked personal private key (raw bytes) is locked in the session vault: the sealed half
    goes into the record, the key that opens it only into the cookie.
    """
    now = now or utcnow()
    sealed: bytes | None = None
    if personal_key is not None:
        session_key, sealed = SessionVault.lock(personal_key)
    else:
        session_key = secrets.token_bytes(32)
    token = SessionToken(secrets.token_bytes(32), session_key)
    record = StaffSession(
        id_hash=token.id_hash,
        sealed_private_key=sealed,
        user_id=user.id,
        idle_until=expiry_slot(now + IDLE_TIMEOUT),
        expires_at=expiry_slot(now + ABSOLUTE_TIMEOUT),
    )
    session.add(record)
    return token, record


_BY_ID_HASH = select(StaffSession).where(StaffSession.id_hash == bindparam("id_hash"))


def resume_session(
    session: Session, token: SessionToken, *, now: dt.datetime | None = None
) -> StaffSession | None:
    """The live session for this token; expired ones are destroyed on sight.

    The idle expiry moves only when it would move to a later slot, so at most one write per slot
    and session, and none that dates a request to the second."""
    now = now or utcnow()
    record = session.execute(_BY_ID_HASH, {"id_hash": token.id_hash}).scalar_one_or_none()
    if record is None:
        return None
    if record.expires_at <= now or record.idle_until <= now:
        session.delete(record)
        return None
    idle_until = min(expiry_slot(now + IDLE_TIMEOUT), record.expires_at)
    if idle_until > record.idle_until:
        record.idle_until = idle_until
    return record


def end_session(session: Session, token: SessionToken) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id_hash == token.id_hash))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


def purge_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    result = session.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.idle_until <= now)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


class PersonalKeyLocked(Exception):
    """The session holds no usable personal key: the person must sign in again."""


def personal_key(record: StaffSession, token: SessionToken) -> PrivateKey:
    """Open the session vault with the cookie's half."""
    if record.sealed_private_key is None:
        raise PersonalKeyLocked()
    try:
        return PrivateKey.from_bytes(
            SessionVault.unlock(token.session_key, record.sealed_private_key)
        )
    except SessionUnlockFailed as error:
        raise PersonalKeyLocked() from error


def rotate_session(session: Session, record: StaffSession, token: SessionToken) -> SessionToken:
    """A new id and a new vault key for the same session, at sign-in steps and privilege changes.

    A session id seen before the change (fixation, a shoulder-surfed cookie) is worthless after.
    """
    new_id = secrets.token_bytes(32)
    if record.sealed_private_key is not None:
        raw = SessionVault.unlock(token.session_key, record.sealed_private_key)
        new_key, record.sealed_private_key = SessionVault.lock(raw)
    else:
        new_key = secrets.token_bytes(32)
    fresh = SessionToken(new_id, new_key)
    record.id_hash = fresh.id_hash
    session.flush()
    return fresh


def pending_session(
    session: Session, token: SessionToken | None, *, now: dt.datetime | None = None
) -> StaffSession | None:
    """A live session still waiting for its second factor."""
    if token is None:
        return None
    record = resume_session(session, token, now=now)
    if record is None or record.auth_level != "password":
        return None
    return record
