"""Incident clusters: reports about one event, their weight, corroboration and verification.

A cluster's weight is the noisy-OR of its graded reports' weights (shared/domain/indicators.md):
independent corroboration raises confidence, and a rejected report adds nothing. Verifying a
cluster changes the evidence behind a compact's indicators, so it queues a scoring job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
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
    recompute_weight(session, cluster.id)
    if previous is not None and previous != cluster.id:
        recompute_weight(session, previous)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.link",
        object_type="report",
        object_id=report.public_id,
        detail={"cluster": cluster.public_id},
    )


def unlink(session: Session, user: User, report: Report) -> None:
    cluster_id = report.cluster_id
    if cluster_id is None:
        return
    report.cluster_id = None
    session.flush()
    _refresh_organisations(session, cluster_id)
    recompute_weight(session, cluster_id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.unlink",
        object_type="report",
        object_id=report.public_id,
    )


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
    (None for either: not known); left out, they stay as they were.
    """
    previous = cluster.state
    cluster.state = state
    if mass_casualty is not None:
        cluster.mass_casualty = mass_casualty
    if responses is not None:
        cluster.investigation_opened_day, cluster.harm_acknowledged_day = responses
    cluster.verified_day = today() if state in EVIDENCE_STATES else None
    recompute_weight(session, cluster.id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.state",
        object_type="cluster",
        object_id=cluster.public_id,
        detail={"from": previous.value, "to": state.value},
    )
    if cluster.compact_id is not None and (state in EVIDENCE_STATES or previous in EVIDENCE_STATES):
        job = add_job(session, "scoring", "scorecards_stale", compact_id=cluster.compact_id)
        session.flush()
        return [job.id]
    return []
