"""The desk queue: a verifier's desks' reports, filtered and keyset-paginated, clear fields only.

Keyset pagination (WHERE (priority, id) beyond the last row seen) keeps a deep page as cheap as
the first one with a million reports; OFFSET would scan everything before the page.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, select, tuple_
from sqlalchemy.orm import Session, defer, lazyload

from portal.domain.models import Report, ReportIndicator
from portal.domain.models.base import today
from portal.domain.workflow import ReportStatus


class Sort(enum.StrEnum):
    PRIORITY = "priority"  # highest first, then oldest
    OLDEST = "oldest"
    NEWEST = "newest"


class Assigned(enum.StrEnum):
    ANY = "any"
    ME = "me"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilters:
    statuses: tuple[ReportStatus, ...] = ()
    indicator: str | None = None
    region: str | None = None
    min_priority: int | None = None
    language: str | None = None
    assigned: Assigned = Assigned.ANY
    older_than_days: int | None = None
    desk_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    reports: list[Report]
    next_cursor: str | None
    sort: Sort
    filters: QueueFilters = field(default_factory=QueueFilters)


class BadCursor(ValueError):
    """A cursor that was not made by `queue_page` (edited by hand, or from another sort)."""


def _encode(sort: Sort, report: Report) -> str:
    raw = json.dumps([sort.value, report.priority, report.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: Sort) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, priority, report_id = json.loads(raw)
        if kind != sort.value:
            raise BadCursor("cursor from another sort order")
        priority, report_id = int(priority), int(report_id)
        if not (-(2**31) < priority < 2**31 and 0 <= report_id < 2**62):
            raise BadCursor("cursor out of range")
        return priority, report_id
    except (ValueError, TypeError, OverflowError) as error:
        raise BadCursor(str(error)) from error


def queue_query(
    desk_ids: Iterable[int], viewer_id: int, filters: QueueFilters, sort: Sort
) -> Select[Report]:
    desks = sorted(set(desk_ids))
    if filters.desk_id is not None:
        desks = [d for d in desks if d == filters.desk_id]
    query = select(Report).where(Report.desk_id.in_(desks))
    if filters.statuses:
        query = query.where(Report.status.in_(filters.statuses))
    if filters.indicator:
        query = query.where(
            exists().where(
                ReportIndicator.report_id == Report.id,
                ReportIndicator.indicator_code == filters.indicator,
            )
        )
    if filters.region:
        query = query.where(Report.region == filters.region)
    if filters.min_priority is not None:
        query = query.where(Report.priority >= filters.min_priority)
    if filters.language:
        query = query.where(Report.language == filters.language)
    if filters.assigned == Assigned.ME:
        query = query.where(Report.assigned_to_id == viewer_id)
    elif filters.assigned == Assigned.UNASSIGNED:
        query = query.where(Report.assigned_to_id.is_(None))
    if filters.older_than_days is not None:
        cutoff = today() - dt.timedelta(days=filters.older_than_days)
        query = query.where(Report.created_day <= cutoff)
    # Never the sealed payload, nor the indicators: the queue shows clear coarse fields only.
    query = query.options(defer(Report.payload_sealed), lazyload(Report.indicators))
    if sort == Sort.PRIORITY:
        # (-priority, id) ascending is "highest priority, then oldest", and it matches the
        # expression indexes ix_reports_desk_queue / ix_reports_all_queue, so a page is an index
        # range scan starting at the cursor, however deep (bench/desk.py).
        return query.order_by((-Report.priority).asc(), Report.id.asc())
    if sort == Sort.OLDEST:
        return query.order_by(Report.id.asc())
    return query.order_by(Report.id.desc())


def queue_page(
    session: Session,
    desk_ids: Iterable[int],
    viewer_id: int,
    filters: QueueFilters,
    *,
    sort: Sort = Sort.PRIORITY,
    cursor: str | None = None,
    limit: int = 50,
) -> QueuePage:
    query = queue_query(desk_ids, viewer_id, filters, sort)
    if cursor:
        priority, last_id = _decode(cursor, sort)
        if sort == Sort.PRIORITY:
            query = query.where(tuple_(-Report.priority, Report.id) > tuple_(-priority, last_id))
        elif sort == Sort.OLDEST:
            query = query.where(Report.id > last_id)
        else:
            query = query.where(Report.id < last_id)
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(
        reports=rows,
        next_cursor=_encode(sort, rows[-1]) if more and rows else None,
        sort=sort,
        filters=filters,
    )
