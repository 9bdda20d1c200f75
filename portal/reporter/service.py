"""Submitting a report: validate, clean attachments, seal, store, one transaction (DESIGN §4).

Nothing unsealed leaves this function except the receipt, which goes back to the reporter once:
no draft, no temporary file, no log line carries what the reporter wrote.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.attachments import (
    AttachmentLimits,
    DecodeGate,
    Upload,
    sanitise_report_attachments,
)
from portal.blobs import stage_blob
from portal.crypto import Part, PrivateKey, ReceiptCode, seal_part, seal_report
from portal.domain.catalogue import FORCE_BRANCHES, reporter_choice
from portal.domain.models import (
    Attachment,
    AttachmentKind,
    Channel,
    Compact,
    CompactStatus,
    KeyHolder,
    Report,
    ReportIndicator,
    ReportKeyWrap,
    User,
)
from portal.domain.models.base import new_public_id, today
from portal.domain.triage import SEVERITY_LEVEL, severity_of
from portal.i18n.places import is_region_of
from portal.jobs.outbox import add_job
from portal.keys.desks import current_key, public_key_of
from portal.keys.keyring import Keyring
from portal.reporter.member_reports import add_to_member_list
from portal.reporter.receipts import issue_receipt
from portal.store import new_blob_key

_BRANCHES = frozenset(b.key for b in FORCE_BRANCHES)


class SubmissionInvalid(Exception):
    """What the form or API sent does not describe a report we can take; `field` says where."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Submission:
    compact_public_id: str
    choice_keys: tuple[str, ...]
    incident_month: dt.date
    region: str
    force_branch: str
    narrative: str = field(repr=False)
    language: str
    channel: Channel = Channel.WEB
    exact_date: dt.date | None = None
    place: str = field(default="", repr=False)
    unit: str = field(default="", repr=False)
    contact: str = field(default="", repr=False)
    uploads: Sequence[Upload] = field(default=(), repr=False)
    member: User | None = None
    # The member's personal key from their session: their report goes into their sealed list.
    member_key: PrivateKey | None = field(default=None, repr=False)
    hide_organisation: bool = False
    # A member follows up from their account, through their sealed list: a member who asks for
    # no receipt gets none, and their report costs no Argon2id (nothing could be guessed).
    with_receipt: bool = True
    # The demo's published tour receipt (portal/provision/demo_story): known to everyone like the
    # demo password, and only ever given for a synthetic report. None draws a random one.
    chosen_receipt: ReceiptCode | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Receipted:
    report_id: int
    public_id: str
    receipt: ReceiptCode | None  # None: a member's report sent without one
    outbox_ids: tuple[int, ...]


def open_compacts(session: Session) -> list[Compact]:
    return list(
        session.scalars(
            select(Compact).where(Compact.status == CompactStatus.ACTIVE).order_by(Compact.country)
        )
    )


def _validate(session: Session, sub: Submission, today_: dt.date) -> Compact:
    compact = session.scalar(
        select(Compact).where(
            Compact.public_id == sub.compact_public_id, Compact.status == CompactStatus.ACTIVE
        )
    )
    if compact is None or not compact.desks:
        raise SubmissionInvalid("compact", "unknown")
    if not sub.choice_keys:
        raise SubmissionInvalid("happened", "required")
    for key in sub.choice_keys:
        try:
            reporter_choice(key)
        except KeyError:
            raise SubmissionInvalid("happened", "unknown") from None
    if not is_region_of(sub.region, compact.country):
        raise SubmissionInvalid("region", "not_in_country")
    if sub.force_branch not in _BRANCHES:
        raise SubmissionInvalid("force", "unknown")
    horizon = latest_local_day(today_)
    if sub.incident_month > horizon.replace(day=1):
        raise SubmissionInvalid("month", "future")
    if sub.exact_date is not None and sub.exact_date > horizon:
        raise SubmissionInvalid("exact_date", "future")
    if not sub.narrative.strip():
        raise SubmissionInvalid("narrative", "required")
    if not sub.with_receipt and (sub.member is None or sub.member_key is None):
        # Without a receipt or a member's list, nobody could ever follow the report up.
        raise SubmissionInvalid("receipt", "required")
    return compact


def latest_local_day(utc_today: dt.date) -> dt.date:
    """The latest day a reporter can be living in while the server's (UTC) day is `utc_today`.

    Time zones run to UTC+14: a reporter in Baghdad just after midnight is already a day ahead,
    and their "today" (or, on the 1st, their "this month") must not be refused as the future.
    """
    return utc_today + dt.timedelta(days=1)


def submit_report(
    session: Session,
    sub: Submission,
    *,
    keyring: Keyring,
    limits: AttachmentLimits,
    today_: dt.date | None = None,
    gate: DecodeGate | None = None,
) -> Receipted:
    """Seal and add the report, its blobs and its intake job to `session`; the caller commits.

    The sealed blobs are staged in the same transaction (`portal/blobs`) and reach the blob store
    on the next job tick, so no file says when the report arrived.
    """
    today_ = today_ or today()
    compact = _validate(session, sub, today_)
    cleaned = sanitise_report_attachments(list(sub.uploads), limits, gate)
    desk_id = compact.desks[0].desk_id
    key_row = current_key(session, desk_id)
    desk_public, desk_key_id = public_key_of(key_row)

    public_id = new_public_id()
    organisation_id = sub.member.organisation_id if sub.member is not None else None
    payload = {
        "narrative": sub.narrative.strip(),
        "exact_date": sub.exact_date.isoformat() if sub.exact_date else None,
        "place": sub.place.strip(),
        "unit": sub.unit.strip(),
        "contact": sub.contact.strip(),
        "choices": list(sub.choice_keys),
        "organisation_id": organisation_id if sub.hide_organisation else None,
    }
    attachment_ids = [new_public_id() for _ in cleaned]
    sealed = seal_report(
        public_id,
        json.dumps(payload, ensure_ascii=False).encode(),
        desk_public,
        desk_key_id,
        {aid: clean.data for aid, clean in zip(attachment_ids, cleaned, strict=True)},
    )
    issued = (
        issue_receipt(
            session, keyring.receipts, sealed.data_key, public_id, receipt=sub.chosen_receipt
        )
        if sub.with_receipt
        else None
    )
    codes = sorted({reporter_choice(k).indicator_code for k in sub.choice_keys})
    severity = severity_of(sub.choice_keys)
    report = Report(
        public_id=public_id,
        desk_id=desk_id,
        compact_id=compact.id,
        country=compact.country,
        region=sub.region,
        incident_month=sub.incident_month,
        primary_indicator=_primary(codes),
        force_branch=sub.force_branch,
        severity=SEVERITY_LEVEL[severity],
        channel=sub.channel,
        language=sub.language,
        organisation_id=None if sub.hide_organisation else organisation_id,
        created_day=today_,
        last_activity_day=today_,
        receipt_lookup=issued.lookup if issued else None,
        receipt_scheme_id=issued.scheme_id if issued else None,
        # No keyed match hashes here: their key is not on the server in the clear. They are made
        # when a verifier opens the report (portal/desk/matching.py).
        payload_sealed=sealed.payload,
        indicators=[ReportIndicator(indicator_code=code) for code in codes],
        key_wraps=[
            ReportKeyWrap(
                holder=KeyHolder.DESK, desk_key_id=key_row.id, wrapped_key=sealed.sealed_data_key
            ),
            *(
                [ReportKeyWrap(holder=KeyHolder.RECEIPT, wrapped_key=issued.wrapped_key)]
                if issued
                else []
            ),
        ],
    )
    if sub.member is not None and sub.member_key is not None:
        # A member follows up from their account, through their sealed list: no row beside the
        # report names them (DESIGN §6, Members).
        add_to_member_list(session, sub.member_key, public_id, sealed.data_key)
    for attachment_id, clean in zip(attachment_ids, cleaned, strict=True):
        blob_key = new_blob_key()
        stage_blob(session, blob_key, sealed.attachments[attachment_id], today_)
        meta = json.dumps(
            {"filename": clean.original_filename, "media_type": clean.media_type},
            ensure_ascii=False,
        ).encode()
        report.attachments.append(
            Attachment(
                public_id=attachment_id,
                kind=AttachmentKind(clean.kind),
                size_bucket=clean.size_bucket,
                blob_key=blob_key,
                meta_sealed=seal_part(
                    sealed.data_key, public_id, Part.attachment_filename(attachment_id), meta
                ),
                created_day=today_,
            )
        )
    session.add(report)
    session.flush()
    job = add_job(session, "intake", "intake", report_id=report.id)
    session.flush()
    return Receipted(report.id, public_id, issued.receipt if issued else None, (job.id,))


def _primary(codes: list[str]) -> str:
    # Grave violations and reprisals lead: they decide the queue and the hard hurdles.
    for urgent in ("HR-1", "OA-3", "AD-1", "OA-1"):
        if urgent in codes:
            return urgent
    return codes[0]

