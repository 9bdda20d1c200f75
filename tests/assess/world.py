"""A demo compact (Iraq, 46M people) with well-monitored periods and strong assessor evidence,
built straight in the database: enough for tier 2, so chains and hysteresis have work to do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.plans import IndicatorEdit, PlanEdit, new_plan_version
from portal.domain.models import (
    AssessorDatum,
    ClusterState,
    Compact,
    IncidentCluster,
    Organisation,
    Report,
    TierDecision,
    User,
)
from portal.domain.workflow import ReportStatus
from portal.i18n.places import regions


def demo_iraq(app: Flask, session: Session) -> Compact:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None
    return compact


def board_plan(session: Session, compact: Compact, **rules: Any) -> None:
    """HR-1 at 1 per 100,000 a year, equal populations by region, items and operations."""
    codes = [p.code for p in regions("IQ")]
    per_region = compact.population // len(codes)
    new_plan_version(session, None, compact, PlanEdit(
        note="Board decisions for the test compact",
        indicators=(IndicatorEdit("HR-1", threshold=1.0, threshold_source="Compact board, test"),),
        rules=rules,
        exposure={
            "region_population": {code: per_region for code in codes},
            "population_source": "test census",
            "items_delivered": 200_000,
            "operations": 400,
        },
    ))


def partners(session: Session, n: int = 3, first: int = 0) -> list[Organisation]:
    found = []
    for i in range(first, first + n):
        org = Organisation(public_id=f"test-partner-{i}", name=f"Partner {i}", country="IQ",
                           verified=True)
        session.add(org)
        found.append(org)
    session.flush()
    return found


def report(
    compact: Compact,
    month: dt.date,
    code: str = "IC-1",
    status: ReportStatus = ReportStatus.CLOSED,
    region: str | None = None,
    organisation: Organisation | None = None,
    created: dt.date | None = None,
    cluster: IncidentCluster | None = None,
    grade: tuple[str, int] | None = None,
) -> Report:
    return Report(
        desk_id=compact.desks[0].desk_id,
        compact_id=compact.id,
        country="IQ",
        region=region,
        incident_month=month,
        primary_indicator=code,
        force_branch="army",
        language="ar",
        status=status,
        organisation_id=organisation.id if organisation else None,
        created_day=created or month,
        cluster_id=cluster.id if cluster else None,
        source_reliability=grade[0] if grade else None,
        information_credibility=grade[1] if grade else None,
    )


def monitored(session: Session, compact: Compact, period: Period, orgs: list[Organisation]) -> None:
    """One closed report per region in each month of the period, from three partners."""
    codes = [p.code for p in regions("IQ")]
    month = period.first_month
    while month <= period.last_month:
        for i, code in enumerate(codes):
            session.add(report(compact, month, region=code, organisation=orgs[i % len(orgs)]))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    session.flush()


def audits(session: Session, compact: Compact, year: int) -> None:
    """A year of assessor evidence that passes: seven audits and checklists, OA-1, CH-2, AD-1."""
    values: list[tuple[str, dict[str, Any]]] = [
        ("PM-1", {"kind": "proportion", "successes": 95.0, "failures": 5.0}),
        ("PM-2", {"kind": "proportion", "successes": 980.0, "failures": 20.0}),
        ("IC-2", {"kind": "proportion", "successes": 960.0, "failures": 10.0}),
        ("IC-3", {"kind": "checklist", "scores": [70.0, 72.0]}),
        ("OA-2", {"kind": "checklist", "scores": [80.0, 82.0]}),
        ("AD-2", {"kind": "proportion", "successes": 9990.0, "failures": 2.0}),
        ("IN-1", {"kind": "composition", "groups": [
            {"group": "a", "force_count": 500, "population_share": 0.5},
            {"group": "b", "force_count": 500, "population_share": 0.5},
        ]}),
        ("OA-1", {"kind": "proportion", "successes": 40.0, "failures": 2.0}),
        ("CH-2", {"kind": "proportion", "successes": 30.0, "failures": 2.0}),
        ("AD-1", {"kind": "diverted_items", "items": 0}),
    ]
    for code, data in values:
        session.add(AssessorDatum(compact_id=compact.id, indicator_code=code, period=str(year),
                                  values=data, provenance="test audit of the compact"))
    session.flush()


def grave_violations(
    session: Session, compact: Compact, month: dt.date, n: int,
    state: ClusterState = ClusterState.VERIFIED,
) -> list[IncidentCluster]:
    found = []
    for _ in range(n):
        cluster = IncidentCluster(
            desk_id=compact.desks[0].desk_id, compact_id=compact.id, indicator_code="HR-1",
            incident_month=month, state=state, weight=1.0, region="IQ-BG",
        )
        session.add(cluster)
        found.append(cluster)
    session.flush()
    return found


def decide(session: Session, compact: Compact, user: User, period: str, tier: int) -> None:
    session.add(TierDecision(compact_id=compact.id, period=period, tier=tier,
                             justification="Decided in the test on the evidence shown.",
                             decided_by_id=user.id))
    session.flush()
