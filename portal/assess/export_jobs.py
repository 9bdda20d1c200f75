"""Exports built in the background: request, follow, download, forget (docs/exports.md).

An export of a whole term is built by an rq job on the `maintenance` queue, added through the
outbox in the same transaction as the export's row, so a request made while Redis is down is
built once the sweeper hands it over. The file belongs to the person who asked for it; admins may
fetch any (support), nobody else learns that it exists. Every request and every download is in
the audit log, and files are purged once their time is up: aggregates need no long life outside
the portal's own tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.assess.export_build import MEDIA_TYPES, ExportFile
from portal.assess.periods import Period
from portal.domain.models import (
    Compact,
    DataExport,
    ExportFormat,
    ExportKind,
    ExportState,
    Role,
    User,
)
from portal.domain.models.base import utcnow
from portal.jobs.outbox import add_job

EXPORT_JOB = "export"
# Exports one person may have queued or running at once: enough for every kind and format of a
# compact, few enough that a script gone wrong cannot fill the maintenance queue.
ACTIVE_LIMIT = 6
ACTIVE = (ExportState.QUEUED, ExportState.RUNNING)


class ExportError(Exception):
    """A request about an export that cannot be answered as asked."""


class TooManyExports(ExportError):
    pass


class ExportNotReady(ExportError):
    """Still queued or running, or failed: there is no file (yet)."""


class ExportExpired(ExportError):
    """Its time is up; the file is gone or about to be."""


@dataclass(frozen=True)
class Requested:
    export: DataExport
    # Outbox rows to hand to the dispatcher after commit; none when an identical export of the
    # same person was already on its way and is answered instead.
    outbox_ids: list[int]


def request_export(
    session: Session,
    user: User,
    compact: Compact,
    kind: ExportKind,
    fmt: ExportFormat,
    scope: Period | None,
    *,
    ttl: dt.timedelta,
    via: str,
    now: dt.datetime | None = None,
) -> Requested:
    """Record an export and its job in the caller's transaction."""
    now = now or utcnow()
    purge_expired(session, now)
    period = str(scope) if scope is not None else None
    same = session.scalar(
        select(DataExport)
        .where(
            DataExport.requested_by_id == user.id,
            DataExport.compact_id == compact.id,
            DataExport.kind == kind,
            DataExport.format == fmt,
            DataExport.period.is_(None) if period is None else DataExport.period == period,
            DataExport.state.in_(ACTIVE),
        )
        .limit(1)
    )
    if same is not None:
        return Requested(same, [])
    active = session.scalar(
        select(func.count())
        .select_from(DataExport)
        .where(DataExport.requested_by_id == user.id, DataExport.state.in_(ACTIVE))
    )
    if (active or 0) >= ACTIVE_LIMIT:
        raise TooManyExports
    export = DataExport(
        requested_by_id=user.id,
        compact_id=compact.id,
        kind=kind,
        format=fmt,
        period=period,
        state=ExportState.QUEUED,
        requested_at=now,
        # The time to live is kept as the distance between the two, and counted again from
        # the moment the file is ready (a worker needs no configuration for it).
        expires_at=now + ttl,
    )
    session.add(export)
    session.flush()
    job = add_job(session, "maintenance", EXPORT_JOB, export_id=export.id)
    audit.record(
        session,
        actor_id=user.id,
        action="export.request",
        object_type="export",
        object_id=export.public_id,
        detail=_detail(compact, kind, fmt, period, via),
    )
    session.flush()
    return Requested(export, [job.id])


def visible_export(session: Session, user: User, public_id: str) -> DataExport | None:
    """The export if `user` asked for it or is an admin; None if it is missing or not theirs."""
    export = session.scalar(select(DataExport).where(DataExport.public_id == public_id))
    if export is None:
        return None
    if export.requested_by_id != user.id and not user.has_role(Role.ADMIN):
        return None
    return export


def exports_of(session: Session, user: User, limit: int = 50) -> list[DataExport]:
    """The person's own exports, newest first (admins too: others' are reached by id)."""
    return list(
        session.scalars(
            select(DataExport)
            .where(DataExport.requested_by_id == user.id)
            .order_by(DataExport.id.desc())
            .limit(limit)
        )
    )


def is_expired(export: DataExport, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) >= export.expires_at


def open_download(
    session: Session, user: User, export: DataExport, *, via: str, now: dt.datetime | None = None
) -> ExportFile:
    """The finished file, audit-logged in the caller's transaction."""
    if is_expired(export, now):
        raise ExportExpired
    if export.state is not ExportState.DONE or export.content is None:
        raise ExportNotReady
    compact = session.get(Compact, export.compact_id)
    assert compact is not None  # the export goes with its compact (ON DELETE CASCADE)
    audit.record(
        session,
        actor_id=user.id,
        action="export.download",
        object_type="export",
        object_id=export.public_id,
        detail={
            **_detail(compact, export.kind, export.format, export.period, via),
            "owner": export.requested_by_id == user.id,
        },
    )
    return ExportFile(
        filename=export.filename or f"{export.public_id}.{export.format}",
        media_type=MEDIA_TYPES[export.format],
        content=export.content,
        rows=export.rows_done,
    )


def record_direct_export(
    session: Session,
    user: User,
    compact: Compact,
    kind: ExportKind,
    fmt: ExportFormat,
    period: str,
    via: str,
) -> None:
    """Audit an export answered at once (one period): a file leaves as surely as a job's does."""
    audit.record(
        session,
        actor_id=user.id,
        action="export.download",
        object_type="compact",
        object_id=compact.slug,
        detail=_detail(compact, kind, fmt, period, via),
    )


def purge_expired(session: Session, now: dt.datetime | None = None) -> int:
    """Delete every export whose time is up, file and record; returns how many."""
    # Synchronised with the session, so an export loaded before the purge is not kept around.
    result = session.execute(delete(DataExport).where(DataExport.expires_at <= (now or utcnow())))
    purged = int(cast("CursorResult[Any]", result).rowcount or 0)
    if purged:
        audit.record(
            session,
            actor_id=None,
            action="export.purge",
            object_type="export",
            detail={"purged": purged},
        )
    return purged


def _detail(
    compact: Compact, kind: ExportKind, fmt: ExportFormat, period: str | None, via: str
) -> dict[str, Any]:
    return {
        "compact": compact.slug,
        "kind": str(kind),
        "format": str(fmt),
        "period": period or "term",
        "via": via,
    }
