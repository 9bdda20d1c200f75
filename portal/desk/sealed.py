"""Opening a report's sealed content with a verifier's unlocked desk keys.

Every open is a read of sealed content by staff and is audit-logged by the caller (the desk
service), never here: this module only decrypts, and refuses loudly when anything does not
authenticate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.blobs import read_blob
from portal.crypto import DataKey, Part, SealingError, open_data_key, open_part
from portal.domain.models import Attachment, KeyHolder, Message, Report, ReportKeyWrap, VerifierNote
from portal.keys.desks import UnlockedDeskKey
from portal.store import Store, StoreError
from portal.store.errors import BlobNotFound


class CannotOpen(Exception):
    """This report cannot be opened with the keys at hand (not this desk's, shredded, or altered).

    Raised instead of returning anything partial: a verifier never reads garbage as evidence.
    """


@dataclass(frozen=True)
class OpenedAttachment:
    attachment: Attachment
    filename: str = field(repr=False)
    media_type: str


@dataclass(frozen=True)
class OpenedMessage:
    message: Message
    body: str = field(repr=False)


@dataclass(frozen=True)
class OpenedNote:
    note: VerifierNote
    body: str = field(repr=False)


@dataclass(frozen=True)
class OpenedReport:
    report: Report
    data_key: DataKey = field(repr=False)
    payload: dict[str, Any] = field(repr=False)
    attachments: tuple[OpenedAttachment, ...]
    messages: tuple[OpenedMessage, ...]
    notes: tuple[OpenedNote, ...]


# Built once: the report page reads them on every visit.
_DESK_WRAPS = select(ReportKeyWrap).where(
    ReportKeyWrap.report_id == bindparam("report"), ReportKeyWrap.holder == KeyHolder.DESK
)
_ATTACHMENTS = (
    select(Attachment).where(Attachment.report_id == bindparam("report")).order_by(Attachment.id)
)
_MESSAGES = select(Message).where(Message.report_id == bindparam("report")).order_by(Message.id)
_NOTES = (
    select(VerifierNote)
    .where(VerifierNote.report_id == bindparam("report"))
    .order_by(VerifierNote.id)
)


def data_key_for(session: Session, report: Report, unlocked: dict[int, UnlockedDeskKey]) -> DataKey:
    if report.shredded:
        raise CannotOpen("the report's content was destroyed by retention")
    wraps = session.scalars(_DESK_WRAPS, {"report": report.id}).all()
    for wrap in wraps:
        key = unlocked.get(wrap.desk_key_id or -1)
        if key is None:
            continue
        try:
            return open_data_key(
                wrap.wrapped_key, key.key.private, report.public_id, key_id=key.key.key_id
            )
        except SealingError as error:
            raise CannotOpen(
                f"the sealed data key does not open: {type(error).__name__}"
            ) from error
    raise CannotOpen("none of your desk keys opens this report")


def open_report(
    session: Session, report: Report, unlocked: dict[int, UnlockedDeskKey]
) -> OpenedReport:
    key = data_key_for(session, report, unlocked)
    if report.payload_sealed is None:
        raise CannotOpen("the report has no sealed payload")
    try:
        payload = json.loads(
            open_part(key, report.public_id, Part.payload(), report.payload_sealed)
        )
        attachments = tuple(
            open_attachment_meta(key, report, a)
            for a in session.scalars(_ATTACHMENTS, {"report": report.id})
        )
        messages = tuple(
            OpenedMessage(
                m,
                open_part(key, report.public_id, Part.message(m.public_id), m.body_sealed).decode(),
            )
            for m in session.scalars(_MESSAGES, {"report": report.id})
        )
        notes = tuple(
            OpenedNote(
                n,
                open_part(
                    key, report.public_id, Part.verifier_note(n.public_id), n.body_sealed
                ).decode(),
            )
            for n in session.scalars(_NOTES, {"report": report.id})
        )
    except SealingError as error:
        raise CannotOpen(f"sealed content does not authenticate: {type(error).__name__}") from error
    return OpenedReport(report, key, payload, attachments, messages, notes)


def open_attachment_meta(key: DataKey, report: Report, attachment: Attachment) -> OpenedAttachment:
    meta = json.loads(
        open_part(
            key,
            report.public_id,
            Part.attachment_filename(attachment.public_id),
            attachment.meta_sealed,
        )
    )
    return OpenedAttachment(attachment, str(meta["filename"]), str(meta["media_type"]))


def open_attachment_content(
    session: Session, store: Store, report: Report, attachment: Attachment, key: DataKey
) -> bytes:
    try:
        blob = read_blob(session, store, attachment.blob_key)
    except BlobNotFound:
        raise AttachmentUnavailable("the attachment's blob is missing from the store") from None
    except StoreError as error:
        raise CannotOpen(f"the attachment does not authenticate: {type(error).__name__}") from error
    try:
        return open_part(key, report.public_id, Part.attachment(attachment.public_id), blob)
    except (SealingError, StoreError) as error:
        raise CannotOpen(f"the attachment does not authenticate: {type(error).__name__}") from error


class AttachmentUnavailable(CannotOpen):
    """The attachment's file is not in the blob store (lost, or not restored with the database)."""


__all__ = [
    "AttachmentUnavailable",
    "CannotOpen",
    "OpenedAttachment",
    "OpenedReport",
    "data_key_for",
    "open_attachment_content",
    "open_attachment_meta",
    "open_report",
]
