"""Following up with a receipt: open one's own report, read questions, reply (DESIGN §6).

The follow-up session is stateless: after a receipt opens the report, its data key travels back
to the reporter's browser sealed with the server key, in a short-lived cookie. Nothing about the
visit is written on the server (no session row, no timestamp), a copy of the database or of the
server key alone opens nothing, and the cookie dies with the browser tab or after 20 minutes.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.attachments import (
    AttachmentLimits,
    DecodeGate,
    Upload,
    sanitise_report_attachments,
)
from portal.blobs import stage_blob
from portal.crypto import (
    DataKey,
    MalformedInput,
    Part,
    ReceiptCode,
    SealingError,
    ServerKey,
    open_part,
    seal_part,
)
from portal.domain.models import (
    Attachment,
    AttachmentKind,
    Message,
    MessageDirection,
    Report,
)
from portal.domain.models.base import new_public_id, today
from portal.domain.workflow import ReportStatus, check_transition
from portal.keys.keyring import Keyring
from portal.reporter.receipts import find_by_receipt
from portal.store import new_blob_key

SESSION_SECONDS = 20 * 60
FOLLOWUP_COOKIE = "cw_followup"
_PURPOSE = "followup-session"


class ReceiptNotAccepted(Exception):
    """No report opens with this receipt. Deliberately one error for unknown and wrong."""


@dataclass(frozen=True)
class FollowupSession:
    report_public_id: str
    data_key: DataKey = field(repr=False)
    expires: int

    def to_cookie(self, server_key: ServerKey) -> str:
        body = json.dumps(
            {"r": self.report_public_id, "k": self.data_key.secret.hex(), "e": self.expires}
        ).encode()
        return server_key.seal(body, _PURPOSE).hex()

    @classmethod
    def from_cookie(
        cls, value: str, server_key: ServerKey, now: float | None = None
    ) -> FollowupSession | None:
        try:
            body = json.loads(server_key.open(bytes.fromhex(value), _PURPOSE))
            found = cls(str(body["r"]), DataKey(bytes.fromhex(body["k"])), int(body["e"]))
        except (ValueError, KeyError, TypeError, SealingError):
            return None
        if found.expires < (now if now is not None else time.time()):
            return None
        return found


def open_with_receipt(
    session: Session, keyring: Keyring, receipt_text: str, now: float | None = None
) -> FollowupSession:
    """The follow-up session for this receipt, or `ReceiptNotAccepted`; the caller commits (a
    report found under an old scheme is moved to the current one on the way).

    Every receipt, known or not, costs the same Argon2id derivations (one per look-up scheme),
    so response time does not tell a watcher which receipts exist. A malformed one is refused by
    the form before this.
    """
    receipt = ReceiptCode.parse(receipt_text)
    found = find_by_receipt(session, keyring.receipts, receipt)
    if found is None:
        raise ReceiptNotAccepted()
    started = now if now is not None else time.time()
    return FollowupSession(found.public_id, found.data_key, int(started) + SESSION_SECONDS)


def parse_receipt(text: str) -> ReceiptCode:
    """Raise `MalformedInput` when the text is not 16 digits (checked before any look-up)."""
    return ReceiptCode.parse(text)


@dataclass(frozen=True)
class ThreadItem:
    direction: MessageDirection
    day: dt.date
    body: str


@dataclass(frozen=True)
class OwnReport:
    report: Report
    narrative: str
    place: str
    unit: str
    exact_date: str | None
    choices: tuple[str, ...]
    thread: tuple[ThreadItem, ...]
    attachment_count: int


class ReportCannotOpen(Exception):
    """The report's sealed content does not open with the key the receipt gave: it was altered
    on the server. Shown as such to the reporter, never as garbage or a bare error."""


def read_own_report(session: Session, followup: FollowupSession) -> OwnReport | None:
    """The reporter's own report and thread; None if it is gone, `ReportCannotOpen` if altered."""
    report = session.scalar(select(Report).where(Report.public_id == followup.report_public_id))
    if report is None or report.payload_sealed is None or report.shredded:
        return None
    key = followup.data_key
    messages = session.scalars(
        select(Message).where(Message.report_id == report.id).order_by(Message.id)
    ).all()
    try:
        payload = json.loads(
            open_part(key, report.public_id, Part.payload(), report.payload_sealed)
        )
        thread = tuple(
            ThreadItem(
                m.direction,
                m.created_day,
                open_part(key, report.public_id, Part.message(m.public_id), m.body_sealed).decode(),
            )
            for m in messages
        )
    except (SealingError, ValueError) as error:
        raise ReportCannotOpen() from error
    return OwnReport(
        report=report,
        narrative=payload.get("narrative", ""),
        place=payload.get("place", ""),
        unit=payload.get("unit", ""),
        exact_date=payload.get("exact_date"),
        choices=tuple(payload.get("choices", ())),
        thread=thread,
        attachment_count=len(report.attachments),
    )


def add_reply(
    session: Session,
    followup: FollowupSession,
    body: str,
    uploads: Sequence[Upload],
    *,
    limits: AttachmentLimits,
    gate: DecodeGate | None = None,
) -> None:
    """Seal the reporter's reply (and files) under the report's data key; the caller commits.

    An answer to a question returns the report to review, so it surfaces in the desk queue.
    """
    report = session.scalar(select(Report).where(Report.public_id == followup.report_public_id))
    if report is None or report.shredded:
        raise ReceiptNotAccepted()
    cleaned = sanitise_report_attachments(list(uploads), limits, gate)
    key = followup.data_key
    day = today()
    if body.strip():
        message_id = new_public_id()
        session.add(
            Message(
                public_id=message_id,
                report_id=report.id,
                direction=MessageDirection.FROM_REPORTER,
                body_sealed=seal_part(
                    key, report.public_id, Part.message(message_id), body.strip().encode()
                ),
                created_day=day,
            )
        )
    for clean in cleaned:
        attachment_id = new_public_id()
        blob_key = new_blob_key()
        stage_blob(
            session,
            blob_key,
            seal_part(key, report.public_id, Part.attachment(attachment_id), clean.data),
            day,
        )
        meta = json.dumps(
            {"filename": clean.original_filename, "media_type": clean.media_type},
            ensure_ascii=False,
        ).encode()
        session.add(
            Attachment(
                public_id=attachment_id,
                report_id=report.id,
                kind=AttachmentKind(clean.kind),
                size_bucket=clean.size_bucket,
                blob_key=blob_key,
                meta_sealed=seal_part(
                    key, report.public_id, Part.attachment_filename(attachment_id), meta
                ),
                created_day=day,
            )
        )
    if report.status == ReportStatus.NEEDS_INFO:
        # The answer brings the report back to review; logged with no actor (the reporter is
        # anonymous), like every transition (DESIGN §8).
        report.status = check_transition(report.status, ReportStatus.IN_REVIEW)
        audit.record(
            session,
            actor_id=None,
            action="report.transition",
            object_type="report",
            object_id=report.public_id,
            detail={
                "from": ReportStatus.NEEDS_INFO.value,
                "to": ReportStatus.IN_REVIEW.value,
                "by": "reporter",
            },
        )
    report.last_activity_day = day
    session.flush()


__all__ = [
    "FollowupSession",
    "MalformedInput",
    "OwnReport",
    "ReceiptNotAccepted",
    "ReportCannotOpen",
    "add_reply",
    "open_with_receipt",
    "parse_receipt",
    "read_own_report",
]
