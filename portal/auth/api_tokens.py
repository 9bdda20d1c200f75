"""Bearer tokens for machine clients: scoped, expiring, revocable, stored only as SHA-256.

A token stands for the account that owns it, limited to its scopes: a leaked token reads
aggregates an assessor could read, never sealed content (no token scope reaches the desk). It is
shown once, when it is made (in the admin pages or by `portal token create`), and from then on
only its hash, name, scopes, owner and days (made, last used, expires, revoked) are kept.
SHA-256 without salt or stretching is enough here: 256 random bits cannot be guessed, unlike a
password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import ApiToken, Role, User
from portal.domain.models.base import today

PREFIX = "cwt_"
SCOPES = frozenset({"compacts:read", "scorecards:read", "exports:read", "ledger:read"})
# A token lives at most a year: a forgotten script's token must not work for ever.
LIFETIMES_DAYS = (30, 90, 180, 365)
MAX_DAYS = max(LIFETIMES_DAYS)
# Whose accounts a token may stand for: the API's rules let only them read (portal/web/access.py).
OWNER_ROLES = frozenset({Role.ASSESSOR, Role.ADMIN})


class TokenRefused(ValueError):
    """The token cannot be made as asked."""


class UnknownScope(TokenRefused):
    pass


class OwnerCannotRead(TokenRefused):
    """The owner is not an active assessor or admin, so the token could read nothing."""


class BadLifetime(TokenRefused):
    pass


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    owner_email: str

    @property
    def state(self) -> str:
        return token_state(self.token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_state(token: ApiToken, day: dt.date | None = None) -> str:
    day = day or today()
    if token.revoked_day is not None:
        return "revoked"
    if token.expires_day is not None and token.expires_day < day:
        return "expired"
    return "live"


def issue_token(
    session: Session,
    user: User,
    name: str,
    scopes: Iterable[str],
    *,
    days: int = 90,
    created_by: User | None = None,
) -> str:
    """Create a token and return it; it is shown once and only its hash is kept."""
    wanted = sorted(set(scopes))
    unknown = set(wanted) - SCOPES
    if unknown or not wanted:
        raise UnknownScope(", ".join(sorted(unknown)) or "no scope")
    if not 1 <= days <= MAX_DAYS:
        raise BadLifetime(f"a token lives 1 to {MAX_DAYS} days")
    if not user.active or not user.role_set & OWNER_ROLES:
        raise OwnerCannotRead(user.email)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=" ".join(name.split())[:120] or "token",
        token_hash=_digest(token),
        scopes=wanted,
        expires_day=today() + dt.timedelta(days=days),
        created_by_id=created_by.id if created_by is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=created_by.id if created_by is not None else None,
        action="token.created",
        object_type="api_token",
        object_id=str(row.id),
        detail={"owner": user.id, "scopes": wanted, "days": days},
    )
    return token


def resolve_bearer(session: Session, authorization: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or token_state(found) != "live":
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    if found.last_used_day != today():
        found.last_used_day = today()
    return found


def list_tokens(session: Session) -> list[TokenRow]:
    rows = session.execute(
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.revoked_day.is_not(None), ApiToken.created_day.desc(), ApiToken.id)
    ).all()
    return [TokenRow(token, email) for token, email in rows]


def revoke(session: Session, token: ApiToken, *, by: User | None = None) -> bool:
    """Revoke a token (at once: the next request with it is refused); False if it already was."""
    if token.revoked_day is not None:
        return False
    token.revoked_day = today()
    audit.record(
        session,
        actor_id=by.id if by is not None else None,
        action="token.revoked",
        object_type="api_token",
        object_id=str(token.id),
        detail={"owner": token.user_id},
    )
    return True
