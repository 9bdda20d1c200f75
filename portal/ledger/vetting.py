"""The unit vetting list (Leahy-style): flagged units of a compact, why, since when, and how
each was cleared.

A unit is flagged when its verified grave-violation incidents (HR-1 clusters, the same evidence
and thresholds as the scorecard's unit flags: ≥ `unit_flag_min_incidents` within
`unit_flag_window_months`, from the compact's plan) reach the threshold in the window ending with
the current month. Units are known here only by the opaque keyed hash the desks' clusters carry:
the portal never keeps a unit's name next to reports. An assessor identifies a flag as a named
recipient unit (what disbursements are checked against), and clears it only by recording the
remediation. After clearing, only incidents from later months can flag the unit again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.assess.coverage import EVIDENCE
from portal.assess.plans import NoPlan, current_plan, plan_rules
from portal.domain.models import Compact, IncidentCluster, Role, UnitFlag, User
from portal.domain.names import matching_form
from portal.domain.scoring import PlanRuleError
from portal.domain.scoring.rules import TierCounts
from portal.i18n.markers import N_
from portal.ledger.service import LedgerError

MIN_REMEDIATION = 20


def _counts(session: Session, compact: Compact) -> TierCounts:
    try:
        return plan_rules(current_plan(session, compact)).tiers
    except (NoPlan, PlanRuleError):
        return TierCounts()


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def refresh(session: Session, user: User | None, compact: Compact, today: dt.date) -> int:
    """Flag every unit over the threshold in the window ending this month; the flags added.

    Counts only: how many verified grave violations, never which reports or what they say.
    """
    counts = _counts(session, compact)
    window_start = _month_start(today, counts.unit_flag_window_months - 1)
    rows = session.execute(
        select(IncidentCluster.unit_key, IncidentCluster.incident_month, func.count())
        .where(
            IncidentCluster.compact_id == compact.id,
            IncidentCluster.indicator_code == "HR-1",
            IncidentCluster.state.in_(EVIDENCE),
            IncidentCluster.unit_key.is_not(None),
            IncidentCluster.incident_month >= window_start,
            IncidentCluster.incident_month <= today,
        )
        .group_by(IncidentCluster.unit_key, IncidentCluster.incident_month)
        .order_by(IncidentCluster.unit_key, IncidentCluster.incident_month)
    ).all()
    months: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for key, month, n in rows:
        months[str(key)].append((month, int(n)))
    flags = session.scalars(select(UnitFlag).where(UnitFlag.compact_id == compact.id)).all()
    latest: dict[str, UnitFlag] = {}
    for flag in sorted(flags, key=lambda f: f.id):
        if flag.unit_key:
            latest[flag.unit_key] = flag
    added = 0
    for key, tallies in months.items():
        previous = latest.get(key)
        if previous is not None and previous.cleared_day is None:
            previous.incidents = sum(n for m, n in tallies if m >= previous.since)
            continue
        after = (
            _month_start(previous.cleared_day, -1) if previous and previous.cleared_day else None
        )
        total, since = 0, None
        for month, n in tallies:
            if after is not None and month < after:
                continue
            total += n
            if since is None and total >= counts.unit_flag_min_incidents:
                since = month
        if since is None:
            continue
        flag = UnitFlag(
            compact_id=compact.id,
            unit_key=key,
            incidents=total,
            window_months=counts.unit_flag_window_months,
            since=since,
            raised_by_id=user.id if user else None,
            raised_day=today,
            # A flag cleared before keeps its name: the unit is known.
            unit_name=previous.unit_name if previous else "",
            unit_match=previous.unit_match if previous else "",
        )
        session.add(flag)
        session.flush()
        added += 1
        audit.record(
            session,
            actor_id=user.id if user else None,
            action="ledger.unit_flagged",
            object_type="unit_flag",
            object_id=flag.public_id,
            detail={"compact": compact.slug, "incidents": total},
        )
    return added


def _flag(session: Session, compact: Compact, public_id: str) -> UnitFlag:
    flag = session.scalar(
        select(UnitFlag).where(UnitFlag.public_id == public_id, UnitFlag.compact_id == compact.id)
    )
    if flag is None:
        raise LedgerError(N_("No such entry on this compact's vetting list."))
    return flag


def identify(session: Session, user: User, compact: Compact, public_id: str, name: str) -> UnitFlag:
    """Name the recipient unit a flag concerns, so disbursements to it are checked."""
    if not user.has_role(Role.ASSESSOR):
        raise LedgerError(N_("Only an assessor may change the vetting list."))
    flag = _flag(session, compact, public_id)
    name = " ".join(name.split())
    if not matching_form(name) or len(name) > 200:
        raise LedgerError(N_("Name the recipient unit (up to 200 characters)."))
    flag.unit_name = name
    flag.unit_match = matching_form(name)
    flag.identified_by_id = user.id
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.unit_identified",
        object_type="unit_flag",
        object_id=flag.public_id,
    )
    return flag


def clear(
    session: Session,
    user: User,
    compact: Compact,
    public_id: str,
    remediation: str,
    *,
    today: dt.date,
) -> UnitFlag:
    """Clear a flag by recording the remediation (audit-logged); only assessors."""
    if not user.has_role(Role.ASSESSOR):
        raise LedgerError(N_("Only an assessor may change the vetting list."))
    flag = _flag(session, compact, public_id)
    if flag.cleared_day is not None:
        raise LedgerError(N_("This unit was already cleared."))
    remediation = remediation.strip()
    if len(remediation) < MIN_REMEDIATION:
        raise LedgerError(
            N_(
                "Describe the remediation in a few sentences: what was done, by "
                "whom, and how it was verified."
            )
        )
    flag.cleared_day = today
    flag.remediation = remediation
    flag.cleared_by_id = user.id
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.unit_cleared",
        object_type="unit_flag",
        object_id=flag.public_id,
    )
    return flag


def vetting_list(session: Session, compact: Compact) -> list[UnitFlag]:
    return list(
        session.scalars(
            select(UnitFlag)
            .where(UnitFlag.compact_id == compact.id)
            .order_by(UnitFlag.cleared_day.is_not(None), UnitFlag.since.desc(), UnitFlag.id)
        ).all()
    )


def reference(flag: UnitFlag) -> str:
    """A short, stable label for an unnamed flag (from its public id, not the unit hash)."""
    return "U-" + flag.public_id[:6].upper()
