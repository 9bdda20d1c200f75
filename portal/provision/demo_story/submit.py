"""Reports into the portal the way reporters send them: through the submission service.

Members' reports go without a receipt (the member follows up from their account, through the
list sealed to their personal key); the few anonymous ones get a receipt, each costing the real
Argon2id. Attachments go through the real cleaning path before sealing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.attachments import AttachmentLimits, DecodeGate, Upload
from portal.crypto import PrivateKey
from portal.domain.models import Channel, Compact, OutboxJob, OutboxState, User
from portal.keys.keyring import Keyring
from portal.provision.demo_story.files import letter, photo
from portal.provision.demo_story.planner import PlannedReport, tour_receipt
from portal.reporter.service import Submission, submit_report


@dataclass(frozen=True)
class Member:
    user: User
    key: PrivateKey


def _uploads(rng: random.Random, planned: PlannedReport) -> tuple[Upload, ...]:
    if planned.attachment == "photo":
        return (photo(rng, f"IMG_{rng.randrange(1000, 9999)}.jpg"),)
    if planned.attachment == "letter":
        return (letter(rng, "complaint.pdf"),)
    return ()


def submit_all(
    session: Session,
    compact: Compact,
    planned: list[PlannedReport],
    member: Member,
    *,
    keyring: Keyring,
    limits: AttachmentLimits,
    gate: DecodeGate | None,
) -> None:
    """Submit the planned reports in the order they arrived."""
    # Seeded per report, so a batch draws the same files whatever batch it falls in.
    for report in planned:
        anonymous = report.anonymous
        sub = Submission(
            compact_public_id=compact.public_id,
            choice_keys=(report.choice,),
            incident_month=report.month,
            region=report.region,
            force_branch=report.branch,
            narrative=report.narrative,
            language=report.language,
            channel=Channel.WEB,
            exact_date=report.exact_day,
            place=report.place,
            unit=report.unit,
            uploads=_uploads(random.Random(f"files:{report.exact_day}:{report.region}"), report),
            member=None if anonymous else member.user,
            member_key=None if anonymous else member.key,
            hide_organisation=report.hide_organisation,
            with_receipt=anonymous,
            chosen_receipt=tour_receipt() if report.tour else None,
        )
        submit_report(
            session, sub, keyring=keyring, limits=limits, today_=report.created, gate=gate
        )


def pending_intake(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(OutboxJob.id)
            .where(OutboxJob.queue == "intake", OutboxJob.state == OutboxState.PENDING)
            .order_by(OutboxJob.id)
        )
    )


