"""A signed-in member's own reports: kept in a list sealed to them, opened from their account.

Nothing stored links a member to a report (DESIGN §6, Members): the report row has no member
column, no key wrap names them, and their list (`MemberReportList`) is found and opened only with
their personal key, which the request has from the member's session vault. The follow-up pages
then work as with a receipt.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.crypto import DataKey, PrivateKey, SealingError
from portal.crypto.member_list import (
    MemberListKey,
    MemberReportEntry,
    open_member_list,
    seal_member_list,
)
from portal.domain.models import MemberReportList, Report
from portal.domain.workflow import ReportStatus
from portal.reporter.followup import SESSION_SECONDS, FollowupSession


class MemberListDamaged(Exception):
    """The member's list exists but does not open with their key (altered, or another key)."""


def _entries(
    session: Session, key: MemberListKey, *, lock: bool = False
) -> list[MemberReportEntry]:
    query = select(MemberReportList).where(MemberReportList.list_id == key.list_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        return []
    try:
        return open_member_list(key, row.sealed)
    except SealingError as error:
        raise MemberListDamaged() from error


def add_to_member_list(
    session: Session, personal: PrivateKey, report_public_id: str, data_key: DataKey
) -> None:
    """Add a new report to the member's list in the caller's transaction.

    Two reports sent at once by one member (two tabs) both end up in the list: the row is locked
    for the update, and a list created twice at once is retried once against the winner's row.
    """
    key = MemberListKey.of(personal)
    entry = MemberReportEntry(report_public_id, data_key)
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                entries = _entries(session, key, lock=True)
                sealed = seal_member_list(key, [*entries, entry])
                row = session.get(MemberReportList, key.list_id)
                if row is None:
                    session.add(MemberReportList(list_id=key.list_id, sealed=sealed))
                else:
                    row.sealed = sealed
            return
        except IntegrityError:
            if attempt == 2:
                raise


@dataclass(frozen=True)
class OwnReportLine:
    public_id: str
    status: ReportStatus
    created_day: dt.date
    primary_indicator: str


def own_reports(session: Session, personal: PrivateKey) -> list[OwnReportLine]:
    """The member's reports, newest first; shredded or deleted ones are left out."""
    entries = _entries(session, MemberListKey.of(personal))
    ids = [e.report_public_id for e in entries]
    if not ids:
        return []
    rows = session.scalars(
        select(Report).where(Report.public_id.in_(ids), Report.shredded.is_(False))
    ).all()
    lines = [OwnReportLine(r.public_id, r.status, r.created_day, r.primary_indicator) for r in rows]
    order = {public_id: n for n, public_id in enumerate(ids)}
    return sorted(lines, key=lambda line: -order[line.public_id])


def open_own_report(
    session: Session, personal: PrivateKey, report_public_id: str, now: float | None = None
) -> FollowupSession | None:
    """A follow-up session for one of the member's own reports, or None if it is not theirs."""
    for entry in _entries(session, MemberListKey.of(personal)):
        if entry.report_public_id == report_public_id:
            started = now if now is not None else time.time()
            return FollowupSession(
                report_public_id, entry.data_key, int(started) + SESSION_SECONDS
            )
    return None


__all__ = [
    "MemberListDamaged",
    "OwnReportLine",
    "add_to_member_list",
    "open_own_report",
    "own_reports",
]
