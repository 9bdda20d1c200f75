"""Incident clusters: reports about one event, their weight, corroboration and verification.

A cluster's weight is the noisy-OR of its graded reports' weights (shared/domain/indicators.md):
independent corroboration raises confidence, and a rejected report adds nothing. Verifying a
cluster changes the evidence behind a compact's indicators, so it queues a scoring job.

An incident follows its reports (issue 10.5): it can be Verified only while at least one of its
reports is verified and graded (Partially verified: one verified or partially verified, graded).
When a report is rejected, reopened, regraded, taken out, merged or split away so that this no
longer holds, the incident steps down by itself (audit-logged, with the reason), and any change
to an incident that counts as evidence queues the scoring job that flags the compact's
scorecards "new evidence since".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import (
    ClusterOrganisation,
    ClusterState,
    IncidentCluster,
    Report,
    User,
)
from portal.domain.models.base import today
from portal.domain.scoring import incident_weight, report_weight
from portal.domain.workflow import ReportStatus
from portal.jobs.outbox import add_job

EVIDENCE_STATES = frozenset({ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED})
# The report states that can carry each evidence state of an incident.
_SUPPORTED_BY: dict[ClusterState, frozenset[ReportStatus]] = {
    ClusterState.VERIFIED: frozenset({ReportStatus.VERIFIED}),
    ClusterState.PARTIALLY_VERIFIED: frozenset(
        {ReportStatus.VERIFIED, ReportStatus.PARTIALLY_VERIFIED}
    ),
}
_JOBS_KEY = "portal.desk.scoring_jobs"


class NotSupported(Exception):
    """The incident's reports do not carry the state asked for (no verified, graded report)."""

    def __init__(self, state: ClusterState) -> None:
        super().__init__(f"no verified, graded report supports {state.value}")
        self.state = state


def _member_statuses(session: Session, cluster_id: int) -> set[ReportStatus]:
    """States of the incident's graded reports (an ungraded report supports no verdict)."""
    return set(
        session.scalars(
            select(Report.status).where(
                Report.cluster_id == cluster_id,
                Report.source_reliability.is_not(None),
                Report.information_credibility.is_not(None),
            )
        )
    )


def supported_states(
    session: Session, cluster_id: int, *, keeping: bool = False
) -> frozenset[ClusterState]:
    """The states this incident may hold given its reports now.

    `keeping`: whether the incident holds the state already. A closed report keeps carrying
    what it carried when it was closed (closing files a verdict away, it does not undo it; a
    rejection stepped the incident down before the report could be closed), but a state is
    never newly reached on closed reports, whose verdict the row no longer says.
    """
    statuses = _member_statuses(session, cluster_id)
    if keeping and ReportStatus.CLOSED in statuses:
        statuses |= {ReportStatus.VERIFIED}
    return frozenset(
        s for s in ClusterState if s not in _SUPPORTED_BY or statuses & _SUPPORTED_BY[s]
    )


def queue_rescoring(session: Session, compact_id: int | None) -> None:
    """Queue (once per transaction and compact) the job that recomputes the compact's
    scorecards and flags the superseded ones "new evidence since"."""
    if compact_id is None:
        return
    queued: dict[int, int] = session.info.setdefault(_JOBS_KEY, {})
    if compact_id in queued:
        return
    job = add_job(session, "scoring", "scorecards_stale", compact_id=compact_id)
    session.flush()
    queued[compact_id] = job.id


def take_queued_jobs(session: Session) -> list[int]:
    """The outbox ids queued in this transaction, to dispatch once it is committed."""
    queued: dict[int, int] = session.info.pop(_JOBS_KEY, {})
    return list(queued.values())


def forget_queued_jobs(session: Session) -> None:
    """After a rollback: the queued rows are gone with it."""
    session.info.pop(_JOBS_KEY, None)


def settle(session: Session, user: User, cluster_id: int, because: str) -> None:
    """Recompute the incident after its reports changed: weight, and a state its reports no
    longer carry steps down (Verified → Partially verified → Open), audit-logged with the reason.
    An incident that counts (or counted) as evidence queues rescoring."""
    cluster = session.get(IncidentCluster, cluster_id)
    if cluster is None:
        return
    session.flush()
    recompute_weight(session, cluster_id)
    previous = cluster.state
    if previous in EVIDENCE_STATES:
        allowed = supported_states(session, cluster_id, keeping=True)
        if previous not in allowed:
            cluster.state = (
                ClusterState.PARTIALLY_VERIFIED
                if ClusterState.PARTIALLY_VERIFIED in allowed
                else ClusterState.OPEN
            )
            if cluster.state not in EVIDENCE_STATES:
                cluster.verified_day = None
            audit.record(
                session,
                actor_id=user.id,
                action="cluster.state",
                object_type="cluster",
                object_id=cluster.public_id,
                detail={"from": previous.value, "to": cluster.state.value, "because": because},
            )
        queue_rescoring(session, cluster.compact_id)


def new_cluster(session: Session, user: User, report: Report) -> IncidentCluster:
    """Start a cluster from one report: its indicator, region and month describe the event."""
    cluster = IncidentCluster(
        desk_id=report.desk_id,
        compact_id=report.compact_id,
        indicator_code=report.primary_indicator,
        region=report.region,
        incident_month=report.incident_month,
        unit_key=report.unit_key,
    )
    session.add(cluster)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.create",
        object_type="cluster",
        object_id=cluster.public_id,
    )
    link(session, user, report, cluster)
    return cluster


def link(session: Session, user: User, report: Report, cluster: IncidentCluster) -> None:
    if cluster.desk_id != report.desk_id:
        raise ValueError("a cluster holds reports of one desk")
    previous = report.cluster_id
    report.cluster_id = cluster.id
    if report.organisation_id is not None:
        known = session.scalar(
            select(ClusterOrganisation.id).where(
                ClusterOrganisation.cluster_id == cluster.id,
                ClusterOrganisation.organisation_id == report.organisation_id,
            )
        )
        if known is None:
            session.add(
                ClusterOrganisation(cluster_id=cluster.id, organisation_id=report.organisation_id)
            )
    if cluster.unit_key is None and report.unit_key is not None:
        cluster.unit_key = report.unit_key
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.link",
        object_type="report",
        object_id=report.public_id,
        detail={"cluster": cluster.public_id},
    )
    settle(session, user, cluster.id, "report.link")
    if previous is not None and previous != cluster.id:
        _refresh_organisations(session, previous)
        settle(session, user, previous, "report.unlink")


def unlink(session: Session, user: User, report: Report) -> None:
    cluster_id = report.cluster_id
    if cluster_id is None:
        return
    report.cluster_id = None
    session.flush()
    _refresh_organisations(session, cluster_id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.unlink",
        object_type="report",
        object_id=report.public_id,
    )
    settle(session, user, cluster_id, "report.unlink")


def _refresh_organisations(session: Session, cluster_id: int) -> None:
    still = set(
        session.scalars(
            select(Report.organisation_id).where(
                Report.cluster_id == cluster_id, Report.organisation_id.is_not(None)
            )
        )
    )
    session.execute(
        delete(ClusterOrganisation).where(
            ClusterOrganisation.cluster_id == cluster_id,
            ClusterOrganisation.organisation_id.not_in(still or {-1}),
        )
    )


def member_weights(session: Session, cluster_id: int) -> list[float]:
    rows = session.execute(
        select(Report.source_reliability, Report.information_credibility).where(
            Report.cluster_id == cluster_id,
            Report.status != ReportStatus.REJECTED,
            Report.source_reliability.is_not(None),
            Report.information_credibility.is_not(None),
        )
    ).all()
    return [report_weight(r, c) for r, c in rows if r is not None and c is not None]


def recompute_weight(session: Session, cluster_id: int) -> float:
    cluster = session.get(IncidentCluster, cluster_id)
    if cluster is None:
        return 0.0
    cluster.weight = incident_weight(member_weights(session, cluster_id))
    return cluster.weight


def set_state(
    session: Session,
    user: User,
    cluster: IncidentCluster,
    state: ClusterState,
    *,
    mass_casualty: bool | None = None,
    responses: tuple[dt.date | None, dt.date | None] | None = None,
) -> list[int]:
    """Returns the outbox ids to dispatch after commit (the scoring job, when evidence moved).

    `responses`: the days the authorities opened an investigation and acknowledged the harm
    (None for either: not known); left out, they stay as they were. Raises `NotSupported`,
    changing nothing, when the incident's reports do not carry `state`.
    """
    if state not in supported_states(session, cluster.id):
        raise NotSupported(state)
    previous = cluster.state
    cluster.state = state
    if mass_casualty is not None:
        cluster.mass_casualty = mass_casualty
    if responses is not None:
        cluster.investigation_opened_day, cluster.harm_acknowledged_day = responses
    if state not in EVIDENCE_STATES:
        cluster.verified_day = None
    elif previous not in EVIDENCE_STATES or cluster.verified_day is None:
        cluster.verified_day = today()
    recompute_weight(session, cluster.id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.state",
        object_type="cluster",
        object_id=cluster.public_id,
        detail={"from": previous.value, "to": state.value},
    )
    if state in EVIDENCE_STATES or previous in EVIDENCE_STATES:
        queue_rescoring(session, cluster.compact_id)
        return take_queued_jobs(session)
    return []


def merge(session: Session, user: User, source: IncidentCluster, into: IncidentCluster) -> None:
    """Move every report of `source` into `into` and remove the emptied `source`.

    The merged incident keeps its own state only while its reports (now more) carry it; the
    removed one's evidence, if it counted, is rescored away.
    """
    if source.id == into.id:
        raise ValueError("an incident cannot be merged into itself")
    if source.desk_id != into.desk_id:
        raise ValueError("incidents of one desk only")
    members = list(session.scalars(select(Report).where(Report.cluster_id == source.id)))
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.merge",
        object_type="cluster",
        object_id=source.public_id,
        detail={"into": into.public_id, "reports": len(members)},
    )
    for report in members:
        link(session, user, report, into)
    if source.state in EVIDENCE_STATES:
        queue_rescoring(session, source.compact_id)
    session.execute(delete(ClusterOrganisation).where(ClusterOrganisation.cluster_id == source.id))
    session.delete(source)
    session.flush()
    settle(session, user, into.id, "cluster.merge")


def split(
    session: Session, user: User, cluster: IncidentCluster, reports: list[Report]
) -> IncidentCluster:
    """Move some of an incident's reports to a new incident (Open, described by the first)."""
    if not reports or any(r.cluster_id != cluster.id for r in reports):
        raise ValueError("choose reports of this incident")
    remaining = session.scalar(
        select(func.count(Report.id)).where(
            Report.cluster_id == cluster.id, Report.id.not_in([r.id for r in reports])
        )
    )
    if not remaining:
        raise ValueError("leave at least one report in the incident")
    fresh = new_cluster(session, user, reports[0])
    for report in reports[1:]:
        link(session, user, report, fresh)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.split",
        object_type="cluster",
        object_id=cluster.public_id,
        detail={"into": fresh.public_id, "reports": len(reports)},
    )
    return fresh
