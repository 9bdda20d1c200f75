"""Appending to and verifying the hash-chained audit log.

Each event's hash covers its own canonical content and the previous event's hash, so editing,
deleting or reordering any row breaks the chain at that row, and `verify_chain` names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from portal.domain.models import AuditEvent
from portal.domain.models.base import today

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK = 0x43574155


def _canonical(
    *,
    day: dt.date,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    return json.dumps(
        {
            "day": day.isoformat(),
            "actor": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(
            day=event.day,
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
            prev_hash=event.prev_hash,
        )
    ).hexdigest()


# Built once, on the table rather than the mapped class: every opened report appends an event,
# and the ORM's unit of work would cost more than the INSERT itself.
_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_HASH = select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
_APPEND = insert(_TABLE)


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    detail: Mapping[str, Any] | None = None,
    day: dt.date | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (after flushing the caller's changes); the
    event returned holds the row written, with its id, but is not an object of the session.

    `detail` holds ids and codes only, never sealed content: the audit log is read by admins and
    kept longer than reports.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Two appends racing would both chain onto the same predecessor; serialise them.
        session.execute(_LOCK, {"key": _APPEND_LOCK})
    last = session.scalar(_LAST_HASH)
    values: dict[str, Any] = {
        "day": day or today(),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": dict(detail or {}),
        "prev_hash": last or GENESIS,
    }
    event = AuditEvent(**values)
    event.hash = event_hash(event)
    session.flush()  # what the caller changed goes first, as it always has
    written = session.execute(_APPEND, {**values, "hash": event.hash})
    event.id = written.inserted_primary_key[0]  # type: ignore[attr-defined]
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit chain broken at event {self.event_id}: {self.reason}"


def verify_chain(session: Session, batch: int = 5000) -> ChainBreak | None:
    """The first broken link, or None when every event is intact and in order."""
    previous = GENESIS
    last_id = 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            return None
        for event in events:
            if event.prev_hash != previous:
                return ChainBreak(event.id, "does not follow the event before it")
            if event_hash(event) != event.hash:
                return ChainBreak(event.id, "its content was changed")
            previous = event.hash
            last_id = event.id
