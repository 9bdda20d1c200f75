"""What makes queue rows tell apart: the first words of each narrative, opened in the verifier's
session, and how many files came with each report.

The first words are sealed content, so they are opened only with the desk keys unlocked in the
verifier's own session and the page view is audit-logged (one `report.preview` event naming the
reports shown). Nothing opened is stored or cached.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.crypto import Part, SealingError, open_part
from portal.desk.sealed import CannotOpen, data_key_for
from portal.domain.models import Attachment, Report, User
from portal.keys.desks import UnlockedDeskKey

PREVIEW_WORDS = 14
PREVIEW_CHARACTERS = 110


def first_words(text: str, words: int = PREVIEW_WORDS, limit: int = PREVIEW_CHARACTERS) -> str:
    """The opening of a narrative, cut at a word boundary, with "…" when something was left out."""
    parts = text.split()
    shown = " ".join(parts[:words])
    if len(shown) > limit:
        cut = shown[:limit].rsplit(" ", 1)[0] or shown[:limit]
        return cut + "…"
    return shown + ("…" if len(parts) > words else "")


def previews(
    session: Session,
    user: User,
    reports: Sequence[Report],
    unlocked: dict[int, UnlockedDeskKey],
) -> dict[int, str | None]:
    """Report id → the first words of its narrative, or None where it cannot be opened."""
    if not reports or not unlocked:
        return {}
    sealed = dict(
        session.execute(
            select(Report.id, Report.payload_sealed).where(
                Report.id.in_([r.id for r in reports])
            )
        ).all()
    )
    shown: dict[int, str | None] = {}
    for report in reports:
        payload = sealed.get(report.id)
        if payload is None or report.shredded:
            shown[report.id] = None
            continue
        try:
            key = data_key_for(session, report, unlocked)
            opened = json.loads(open_part(key, report.public_id, Part.payload(), payload))
            shown[report.id] = first_words(str(opened.get("narrative") or ""))
        except (CannotOpen, SealingError, ValueError):
            shown[report.id] = None
    audit.record(
        session,
        actor_id=user.id,
        action="report.preview",
        object_type="queue",
        detail={"reports": [r.public_id for r in reports if shown.get(r.id) is not None]},
    )
    return shown


def attachment_counts(session: Session, reports: Sequence[Report]) -> dict[int, int]:
    if not reports:
        return {}
    return {
        report_id: int(count)
        for report_id, count in session.execute(
            select(Attachment.report_id, func.count(Attachment.id))
            .where(Attachment.report_id.in_([r.id for r in reports]))
            .group_by(Attachment.report_id)
        ).all()
    }
