"""Recording what the coverage gate reads besides reports: partners' attestations and disruptions.

Both change the evidence behind a compact's scorecards, so each queues the scoring job (the
caller dispatches the returned outbox ids after commit), and both are audit-logged without their
free-text notes, which may name people or places.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.assess.periods import Period
from portal.domain.models import (
    Compact,
    DisruptionKind,
    MonitoringDisruption,
    Organisation,
    PartnerAttestation,
    User,
)
from portal.jobs.outbox import add_job


class MonitoringRecordError(ValueError):
    """Input to correct; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def _rescore(session: Session, compact: Compact) -> list[int]:
    job = add_job(session, "scoring", "scorecards_stale", compact_id=compact.id)
    session.flush()
    return [job.id]


def attest_partner(
    session: Session,
    user: User | None,
    compact: Compact,
    organisation: Organisation,
    period: Period,
    note: str = "",
) -> list[int]:
    """The organisation was monitoring the compact in `period` (a year covers its quarters)."""
    if organisation.country != compact.country:
        raise MonitoringRecordError("organisation", "works in another country")
    found = session.scalar(
        select(PartnerAttestation).where(
            PartnerAttestation.compact_id == compact.id,
            PartnerAttestation.organisation_id == organisation.id,
            PartnerAttestation.period == str(period),
        )
    )
    if found is not None:
        return []
    session.add(
        PartnerAttestation(
            compact_id=compact.id,
            organisation_id=organisation.id,
            period=str(period),
            note=note.strip(),
            entered_by_id=user.id if user is not None else None,
        )
    )
    audit.record(
        session,
        actor_id=user.id if user is not None else None,
        action="coverage.attestation",
        object_type="compact",
        object_id=compact.slug,
        detail={"organisation": organisation.public_id, "period": str(period)},
    )
    return _rescore(session, compact)


def record_disruption(
    session: Session,
    user: User | None,
    compact: Compact,
    kind: DisruptionKind,
    first_day: dt.date,
    last_day: dt.date | None,
    note: str,
) -> list[int]:
    """A suspension or channel shutdown from `first_day` to `last_day` (None: still going)."""
    if last_day is not None and last_day < first_day:
        raise MonitoringRecordError("last_day", "ends before it starts")
    if not note.strip():
        raise MonitoringRecordError("note", "say what happened and how it is known")
    session.add(
        MonitoringDisruption(
            compact_id=compact.id,
            kind=kind,
            first_day=first_day,
            last_day=last_day,
            note=note.strip(),
            entered_by_id=user.id if user is not None else None,
        )
    )
    audit.record(
        session,
        actor_id=user.id if user is not None else None,
        action="coverage.disruption",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "kind": kind.value,
            "from": first_day.isoformat(),
            "to": last_day.isoformat() if last_day else None,
        },
    )
    return _rescore(session, compact)
