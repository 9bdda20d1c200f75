"""The verifier's work on the demo's reports, through the desk services: open (audit-logged,
match hashes made), triage, review, grade, ask and hear back, join duplicates into incidents,
judge, and record what the authorities did about verified incidents."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.attachments import AttachmentLimits
from portal.desk import clusters
from portal.desk.service import add_note, ask_reporter, grade, open_for, transition
from portal.domain.models import ClusterState, IncidentCluster, Report, User
from portal.domain.workflow import ReportStatus
from portal.keys.desks import UnlockedDeskKey
from portal.provision.demo_story.narratives import ANSWERS, NOTES, QUESTIONS
from portal.provision.demo_story.planner import PlannedEvent, PlannedReport
from portal.provision.demo_story.submit import Member
from portal.reporter.followup import add_reply
from portal.reporter.member_reports import open_own_report

S = ReportStatus


def work_events(
    session: Session,
    verifier: User,
    unlocked: dict[int, UnlockedDeskKey],
    events: list[PlannedEvent],
    public_ids: dict[int, str],
    member: Member,
    limits: AttachmentLimits,
) -> list[int]:
    """Play the desk's part of every event; returns the outbox ids of the scoring jobs."""
    rng = random.Random(f"desk:{verifier.id}:{len(events)}")
    ids = [public_ids[id(r)] for e in events for r in e.reports]
    stored = session.scalars(select(Report).where(Report.public_id.in_(ids)))
    reports = {r.public_id: r for r in stored}
    jobs: list[int] = []
    for event in events:
        cluster: IncidentCluster | None = None
        for planned in event.reports:
            report = reports[public_ids[id(planned)]]
            cluster = _work_report(
                session, verifier, unlocked, event, planned, report, cluster, member, limits, rng
            )
        if cluster is not None and event.state not in (None, ClusterState.OPEN):
            jobs += clusters.set_state(
                session,
                verifier,
                cluster,
                event.state,
                responses=(event.investigated, event.acknowledged),
            )
    return jobs


def _work_report(
    session: Session,
    verifier: User,
    unlocked: dict[int, UnlockedDeskKey],
    event: PlannedEvent,
    planned: PlannedReport,
    report: Report,
    cluster: IncidentCluster | None,
    member: Member,
    limits: AttachmentLimits,
    rng: random.Random,
) -> IncidentCluster | None:
    target = planned.status
    if target is S.RECEIVED:
        return cluster
    transition(session, verifier, report, S.TRIAGED)
    if target is S.TRIAGED:
        return cluster
    opened = open_for(session, verifier, report, unlocked)
    transition(session, verifier, report, S.IN_REVIEW)
    grade(session, verifier, report, *planned.grade)
    if planned.question is not None:
        ask_reporter(
            session, verifier, report, opened.data_key,
            QUESTIONS[planned.language][planned.question],
        )
        if planned.answered and not planned.anonymous:
            followup = open_own_report(session, member.key, report.public_id)
            if followup is not None:
                add_reply(
                    session, followup, ANSWERS[planned.language][planned.question], (),
                    limits=limits,
                )
    if rng.random() < 0.15:
        add_note(session, verifier, report, opened.data_key, rng.choice(NOTES))
    if event.state is not None:
        if cluster is None:
            cluster = clusters.new_cluster(session, verifier, report)
        else:
            clusters.link(session, verifier, report, cluster)
    if target not in (S.IN_REVIEW, S.NEEDS_INFO):
        transition(session, verifier, report, target)
    return cluster
