"""Reading the audit log for `/admin/audit`: newest first, filtered, 100 events a page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.admin.audit_detail import person_ids
from portal.auth.service import find_user
from portal.domain.models import AuditEvent, User

PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilters:
    email: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    day: dt.date
    actor_email: str | None  # None: the system (a scheduled job, a shell command)
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]  # read through `audit_detail.detail_lines`


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # Older events exist: pass this as `before` to read them. A keyset, not an offset, so a page
    # stays right while new events are appended at the top.
    next_before: int | None
    unknown_email: bool = False
    # The emails of the accounts the details name (an assignee, a token's owner), by id.
    emails: dict[int, str] = field(default_factory=dict)


def audit_page(
    session: Session, filters: AuditFilters, *, before: int | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    query = (
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(size + 1)
    )
    if filters.email:
        user = find_user(session, filters.email)
        if user is None:
            return AuditPage([], None, unknown_email=True)
        query = query.where(AuditEvent.actor_id == user.id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = session.execute(query).all()
    entries = [
        AuditEntry(
            id=event.id,
            day=event.day,
            actor_email=email,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=dict(event.detail or {}),
        )
        for event, email in rows[:size]
    ]
    named = person_ids((e.action, e.detail) for e in entries)
    emails = (
        {i: e for i, e in session.execute(select(User.id, User.email).where(User.id.in_(named)))}
        if named
        else {}
    )
    return AuditPage(entries, entries[-1].id if len(rows) > size else None, emails=emails)


def known_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
