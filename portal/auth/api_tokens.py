"""Bearer tokens for machine clients: scoped, revocable, stored only as SHA-256.

A token stands for the account that created it, limited to its scopes: a leaked token reads
aggregates an assessor could read, never sealed content (no token scope reaches the desk).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import ApiToken, User
from portal.domain.models.base import today

PREFIX = "cwt_"
SCOPES = frozenset({"compacts:read", "scorecards:read", "exports:read"})


class UnknownScope(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str, scopes: Iterable[str]) -> str:
    """Create a token and return it; it is shown once and only its hash is kept."""
    wanted = sorted(set(scopes))
    unknown = set(wanted) - SCOPES
    if unknown or not wanted:
        raise UnknownScope(", ".join(sorted(unknown)) or "no scope")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token), scopes=wanted))
    session.flush()
    return token


def resolve_bearer(session: Session, authorization: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if not token.startswith(PREFIX):
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or found.revoked_day is not None:
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    if found.last_used_day != today():
        found.last_used_day = today()
    return found


def revoke(session: Session, token: ApiToken) -> None:
    token.revoked_day = today()
