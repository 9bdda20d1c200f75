"""Measuring what the monitoring coverage gate and the OA-1/CH-2 clocks need, for many periods.

Like the rest of the snapshot (evidence.py), each figure comes from a GROUP BY over covering
indexes, one pass per table for all the periods of a batch, and only counts reach the snapshot:

- reports about each month by region and by (clearly linked) partner organisation, any status;
- still-unverified reports per indicator and month, and how many of the HR-1/OA-3 ones arrived
  more than the plan's `max_unverified_days` ago (the same pass gives the early warnings);
- partners' attestations and recorded disruptions;
- verified HR-1/CH-1 incidents by incident month and the days the authorities responded: the
  response window of an incident closes `response_window_days` after its incident month ends
  (the latest day it can have happened: the clear record keeps only the month), and it belongs
  to the period in which its window closes.

The day the snapshot is taken (`today`) decides which windows have closed and which reports are
overdue; it is not stored, only the counts it yields, so a snapshot is reused as long as those
counts do not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.models import (
    ClusterState,
    Compact,
    DisruptionKind,
    IncidentCluster,
    MonitoringDisruption,
    PartnerAttestation,
    Report,
)
from portal.domain.months import shift_month
from portal.domain.scoring import PlanRules
from portal.domain.workflow import ReportStatus

EVIDENCE = (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED)
# Unverified reports feed an early warning shown to assessors, never a tier.
EARLY = (
    ReportStatus.RECEIVED,
    ReportStatus.TRIAGED,
    ReportStatus.IN_REVIEW,
    ReportStatus.NEEDS_INFO,
    ReportStatus.UNVERIFIED,
)
BACKLOG_CODES = ("HR-1", "OA-3")
# Whose response each clock waits for: OA-1 counts investigations of grave violations and
# civilian harm; CH-2 counts civilian harm acknowledged or investigated.
CLOCK_SOURCES = {"OA-1": ("HR-1", "CH-1"), "CH-2": ("CH-1",)}


def month_end(month: dt.date) -> dt.date:
    return shift_month(month, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class ReportCounts:
    """What one pass over the compact's reports found, per incident month."""

    by_region: dict[dt.date, dict[str, int]]  # month -> region ("" when none) -> reports
    partners: dict[dt.date, set[int]]  # month -> organisations with a clear link
    early: dict[dt.date, dict[str, int]]  # month -> indicator -> unverified reports
    overdue: dict[dt.date, int]  # month -> HR-1/OA-3 reports unverified past the limit


def report_counts(
    session: Session,
    compact: Compact,
    first: dt.date,
    last: dt.date,
    rules: PlanRules,
    today: dt.date,
) -> ReportCounts:
    by_region: dict[dt.date, dict[str, int]] = {}
    partners: dict[dt.date, set[int]] = {}
    for month, region, organisation, n in session.execute(
        select(Report.incident_month, Report.region, Report.organisation_id, func.count())
        .where(
            Report.compact_id == compact.id,
            Report.incident_month >= first,
            Report.incident_month <= last,
        )
        .group_by(Report.incident_month, Report.region, Report.organisation_id)
    ):
        regions = by_region.setdefault(month, {})
        regions[region or ""] = regions.get(region or "", 0) + int(n)
        if organisation is not None:
            partners.setdefault(month, set()).add(int(organisation))
    cutoff = today - dt.timedelta(days=rules.coverage.max_unverified_days)
    early: dict[dt.date, dict[str, int]] = {}
    overdue: dict[dt.date, int] = {}
    late = case(
        (Report.primary_indicator.in_(BACKLOG_CODES) & (Report.created_day < cutoff), 1),
        else_=0,
    )
    for code, month, n, n_late in session.execute(
        select(Report.primary_indicator, Report.incident_month, func.count(), func.sum(late))
        .where(
            Report.compact_id == compact.id,
            Report.status.in_(EARLY),
            Report.incident_month >= first,
            Report.incident_month <= last,
        )
        .group_by(Report.primary_indicator, Report.incident_month)
    ):
        counts = early.setdefault(month, {})
        counts[code] = counts.get(code, 0) + int(n)
        overdue[month] = overdue.get(month, 0) + int(n_late or 0)
    return ReportCounts(by_region, partners, early, overdue)


def early_warning(counts: ReportCounts, period: Period) -> dict[str, int]:
    found: dict[str, int] = {}
    for month, per_code in counts.early.items():
        if period.first_month <= month <= period.last_month:
            for code, n in per_code.items():
                found[code] = found.get(code, 0) + n
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class MonitoringRecords:
    attestations: list[tuple[int, str]]  # (organisation id, "2027" or "2027-Q2")
    disruptions: list[tuple[DisruptionKind, dt.date, dt.date | None]]


def monitoring_records(
    session: Session, compact: Compact, periods: Sequence[Period]
) -> MonitoringRecords:
    wanted = {str(p) for p in periods} | {str(p.year) for p in periods}
    attestations = [
        (int(org), str(period))
        for org, period in session.execute(
            select(PartnerAttestation.organisation_id, PartnerAttestation.period).where(
                PartnerAttestation.compact_id == compact.id,
                PartnerAttestation.period.in_(wanted),
            )
        )
    ]
    disruptions = [
        (DisruptionKind(kind), first, last)
        for kind, first, last in session.execute(
            select(
                MonitoringDisruption.kind,
                MonitoringDisruption.first_day,
                MonitoringDisruption.last_day,
            ).where(MonitoringDisruption.compact_id == compact.id)
        )
    ]
    return MonitoringRecords(attestations, disruptions)


def coverage_figures(
    period: Period,
    counts: ReportCounts,
    records: MonitoringRecords,
    region_population: dict[str, float] | None,
) -> dict[str, Any]:
    """The snapshot's "coverage" section for one period (verified reprisals come from the
    suspension evidence, which the snapshot already holds)."""
    months = [m for m in counts.by_region if period.first_month <= m <= period.last_month]
    reports = sum(sum(counts.by_region[m].values()) for m in months)
    regions = sorted({r for m in months for r, n in counts.by_region[m].items() if r and n})
    organisations: set[int] = set()
    for month in months:
        organisations |= counts.partners.get(month, set())
    names = {str(period), str(period.year)}
    organisations |= {org for org, attested in records.attestations if attested in names}
    share: float | None = None
    if region_population:
        total = sum(region_population.values())
        covered = sum(region_population.get(r, 0.0) for r in regions)
        share = round(covered / total, 6) if total > 0 else None
    disruptions = sum(
        1
        for _kind, first, last in records.disruptions
        if first <= period.end_day and (last is None or last >= period.first_month)
    )
    overdue = sum(
        n for m, n in counts.overdue.items() if period.first_month <= m <= period.last_month
    )
    return {
        "reports": int(reports),
        "partners": len(organisations),
        "regions": regions,
        "population_share": share,
        "overdue": int(overdue),
        "disruptions": int(disruptions),
    }


# (indicator, incident month, investigation day, acknowledgement day, weight sum, incidents)
ClockRow = tuple[str, dt.date, dt.date | None, dt.date | None, float, int]


def clock_rows(
    session: Session, compact: Compact, periods: Sequence[Period], rules: PlanRules
) -> list[ClockRow]:
    """Verified HR-1/CH-1 incidents whose windows can close in any of the periods."""
    window = dt.timedelta(days=rules.response_window_days)
    earliest = min(p.first_month for p in periods) - window - dt.timedelta(days=31)
    latest = max(p.last_month for p in periods)
    rows = session.execute(
        select(
            IncidentCluster.indicator_code,
            IncidentCluster.incident_month,
            IncidentCluster.investigation_opened_day,
            IncidentCluster.harm_acknowledged_day,
            func.sum(IncidentCluster.weight),
            func.count(),
        )
        .where(
            IncidentCluster.compact_id == compact.id,
            IncidentCluster.indicator_code.in_(("HR-1", "CH-1")),
            IncidentCluster.state.in_(EVIDENCE),
            IncidentCluster.incident_month >= earliest.replace(day=1),
            IncidentCluster.incident_month <= latest,
        )
        .group_by(
            IncidentCluster.indicator_code,
            IncidentCluster.incident_month,
            IncidentCluster.investigation_opened_day,
            IncidentCluster.harm_acknowledged_day,
        )
    ).all()
    return [(str(r[0]), r[1], r[2], r[3], float(r[4] or 0.0), int(r[5])) for r in rows]


def clock_tallies(
    period: Period, rows: list[ClockRow], rules: PlanRules, today: dt.date
) -> dict[str, dict[str, Any]]:
    """OA-1 and CH-2 for one period: weight in time, weight late or unknown, and counts."""
    window = dt.timedelta(days=rules.response_window_days)
    tallies: dict[str, dict[str, Any]] = {}
    for code, sources in CLOCK_SOURCES.items():
        yes = no = 0.0
        pending = unknown = 0
        for indicator, month, investigated, acknowledged, weight, n in rows:
            if indicator not in sources:
                continue
            deadline = month_end(month) + window
            if not period.first_month <= deadline <= period.end_day:
                continue
            if deadline > today:
                pending += n
                continue
            responses = [investigated] if code == "OA-1" else [investigated, acknowledged]
            started = min((d for d in responses if d is not None), default=None)
            if started is not None and started <= deadline:
                yes += weight
            else:
                no += weight
                unknown += n if started is None else 0
        if yes or no or pending:
            tallies[code] = {
                "kind": "proportion",
                "successes": round(yes, 6),
                "failures": round(no, 6),
                "pending": pending,
                "unknown": unknown,
            }
    return tallies


def awaiting_outcome(
    session: Session,
    compact: Compact,
    period: Period,
    rules: PlanRules,
    today: dt.date,
    limit: int = 20,
) -> tuple[list[str], int]:
    """Incidents counted as failures only because no response was ever recorded: the first
    `limit` public ids and how many there are, so the desk can chase them."""
    window = dt.timedelta(days=rules.response_window_days)
    months = [
        m
        for m in _months(period.first_month - window - dt.timedelta(days=31), period.last_month)
        if period.first_month <= month_end(m) + window <= min(period.end_day, today)
    ]
    if not months:
        return [], 0
    where = (
        IncidentCluster.compact_id == compact.id,
        IncidentCluster.indicator_code.in_(("HR-1", "CH-1")),
        IncidentCluster.state.in_(EVIDENCE),
        IncidentCluster.incident_month.in_(months),
        IncidentCluster.investigation_opened_day.is_(None),
        IncidentCluster.harm_acknowledged_day.is_(None),
    )
    total = session.scalar(select(func.count()).select_from(IncidentCluster).where(*where)) or 0
    ids = session.scalars(
        select(IncidentCluster.public_id).where(*where).order_by(IncidentCluster.id).limit(limit)
    ).all()
    return list(ids), int(total)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    month = first.replace(day=1)
    found = []
    while month <= last:
        found.append(month)
        month = shift_month(month, 1)
    return found
