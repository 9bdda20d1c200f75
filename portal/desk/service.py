"""What a verifier does to a report: open, grade, move, assign, note, ask the reporter.

Every action is checked against the verifier's desks (a report of another desk does not exist
for them) and appends an audit event in the same transaction. Content is sealed under the
report's data key, which only an unlocked desk key can give.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from portal import audit
from portal.crypto import DataKey, Part, seal_part
from portal.desk.matching import refresh_match_hashes
from portal.desk.sealed import OpenedReport, open_report
from portal.domain.catalogue import INFORMATION_CREDIBILITY, SOURCE_RELIABILITY
from portal.domain.models import Message, MessageDirection, Report, User, VerifierNote
from portal.domain.models.base import new_public_id, today
from portal.domain.workflow import ReportStatus, check_transition
from portal.keys.desks import UnlockedDeskKey

RELIABILITY_LETTERS = frozenset(g.letter for g in SOURCE_RELIABILITY)
CREDIBILITY_NUMBERS = frozenset(g.number for g in INFORMATION_CREDIBILITY)


_PATH_TO_QUESTION: dict[ReportStatus, tuple[ReportStatus, ...]] = {
    ReportStatus.RECEIVED: (ReportStatus.TRIAGED, ReportStatus.IN_REVIEW, ReportStatus.NEEDS_INFO),
    ReportStatus.TRIAGED: (ReportStatus.IN_REVIEW, ReportStatus.NEEDS_INFO),
    ReportStatus.NEEDS_INFO: (),
}


class NotFound(Exception):
    """No such report for this verifier: unknown, or on a desk they are not a member of.

    One error for both, so a verifier cannot probe which report ids exist on other desks.
    """


class InvalidAction(Exception):
    """The action's input is not acceptable (bad grade, empty message)."""


# Built once: every report page and action runs it. Its indicators are read from
# `indicator_codes`: no second statement for the relationship.
_BY_PUBLIC_ID = (
    select(Report)
    .where(Report.public_id == bindparam("public_id"))
    .options(lazyload(Report.indicators))
)


def report_for(session: Session, user: User, public_id: str) -> Report:
    report = session.scalar(_BY_PUBLIC_ID, {"public_id": public_id})
    if report is None or report.desk_id not in user.desk_ids:
        raise NotFound()
    return report


def reports_for(session: Session, user: User, public_ids: Iterable[str]) -> list[Report]:
    ids = list(dict.fromkeys(public_ids))
    found = list(session.scalars(select(Report).where(Report.public_id.in_(ids))))
    if len(found) != len(ids) or any(r.desk_id not in user.desk_ids for r in found):
        raise NotFound()
    return found


def open_for(
    session: Session, user: User, report: Report, unlocked: dict[int, UnlockedDeskKey]
) -> OpenedReport:
    """Unseal the report for a verifier; every open is audit-logged, even a failed one.

    The report's keyed match hashes are (re)computed from what was opened, under the desk's
    match key from the verifier's session: the only moment such hashes can be made.
    """
    audit.record(
        session,
        actor_id=user.id,
        action="report.open",
        object_type="report",
        object_id=report.public_id,
    )
    opened = open_report(session, report, unlocked)
    refresh_match_hashes(session, opened, unlocked)
    return opened


def transition(session: Session, user: User, report: Report, target: ReportStatus) -> None:
    """Move a report along the state machine; illegal edges raise `IllegalTransition`."""
    previous = report.status
    report.status = check_transition(previous, target)
    report.last_activity_day = today()
    audit.record(
        session,
        actor_id=user.id,
        action="report.transition",
        object_type="report",
        object_id=report.public_id,
        detail={"from": previous.value, "to": target.value},
    )
    if report.cluster_id is not None:
        # A rejected report stops counting in its incident's weight (and a reopened one counts
        # again), at once; an incident no longer carried by a verified report steps down.
        from portal.desk.clusters import settle

        settle(session, user, report.cluster_id, "report.transition")


def grade(session: Session, user: User, report: Report, reliability: str, credibility: int) -> None:
    if reliability not in RELIABILITY_LETTERS or credibility not in CREDIBILITY_NUMBERS:
        raise InvalidAction("grades are A–F and 1–6")
    report.source_reliability = reliability
    report.information_credibility = credibility
    audit.record(
        session,
        actor_id=user.id,
        action="report.grade",
        object_type="report",
        object_id=report.public_id,
        detail={"grade": f"{reliability}{credibility}"},
    )
    if report.cluster_id is not None:
        from portal.desk.clusters import settle

        settle(session, user, report.cluster_id, "report.grade")


def assign(session: Session, actor: User, report: Report, assignee: User | None) -> None:
    if assignee is not None and report.desk_id not in assignee.desk_ids:
        raise InvalidAction("the assignee is not a member of this report's desk")
    report.assigned_to_id = assignee.id if assignee is not None else None
    audit.record(
        session,
        actor_id=actor.id,
        action="report.assign",
        object_type="report",
        object_id=report.public_id,
        detail={"to": assignee.id if assignee else None},
    )


def set_priority(session: Session, user: User, report: Report, priority: int) -> None:
    report.priority = max(0, min(priority, 999))
    audit.record(
        session,
        actor_id=user.id,
        action="report.priority",
        object_type="report",
        object_id=report.public_id,
        detail={"priority": report.priority},
    )


def add_note(session: Session, user: User, report: Report, key: DataKey, body: str) -> None:
    text = body.strip()
    if not text:
        raise InvalidAction("empty note")
    note_id = new_public_id()
    session.add(
        VerifierNote(
            public_id=note_id,
            report_id=report.id,
            author_id=user.id,
            body_sealed=seal_part(
                key, report.public_id, Part.verifier_note(note_id), text.encode()
            ),
        )
    )
    audit.record(
        session,
        actor_id=user.id,
        action="report.note",
        object_type="report",
        object_id=report.public_id,
    )


def ask_reporter(session: Session, user: User, report: Report, key: DataKey, body: str) -> None:
    """Send a sealed question; the report waits for the reporter (`needs_info`)."""
    text = body.strip()
    if not text:
        raise InvalidAction("empty question")
    # Asking is reviewing: a fresh report walks the legal edges rather than jumping over them.
    for step in _PATH_TO_QUESTION.get(report.status, (ReportStatus.NEEDS_INFO,)):
        transition(session, user, report, step)
    message_id = new_public_id()
    session.add(
        Message(
            public_id=message_id,
            report_id=report.id,
            direction=MessageDirection.TO_REPORTER,
            author_id=user.id,
            body_sealed=seal_part(key, report.public_id, Part.message(message_id), text.encode()),
        )
    )
    audit.record(
        session,
        actor_id=user.id,
        action="report.message",
        object_type="report",
        object_id=report.public_id,
    )


def bulk_transition(
    session: Session, user: User, reports: list[Report], target: ReportStatus
) -> None:
    """All or nothing: one illegal edge refuses the whole batch (the caller rolls back)."""
    for report in reports:
        transition(session, user, report, target)


def bulk_assign(
    session: Session, actor: User, reports: list[Report], assignee: User | None
) -> None:
    for report in reports:
        assign(session, actor, report, assignee)
