"""The desk's incidents as a list: filtered, sorted, searched for joining, clear fields only.

Nothing here unseals anything: an incident is described by its indicator, region, month, state,
weight and its reports' clear fields, which is all a verifier needs to find the right one.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from portal.domain.models import ClusterState, IncidentCluster, Report
from portal.domain.workflow import ReportStatus

LIST_LIMIT = 100
CANDIDATE_LIMIT = 30


class IncidentSort(enum.StrEnum):
    ACTIVITY = "activity"  # most recent activity first
    WEIGHT = "weight"  # heaviest evidence first


@dataclass(frozen=True)
class IncidentFilters:
    state: ClusterState | None = None
    indicator: str | None = None
    region: str | None = None
    month: dt.date | None = None


@dataclass(frozen=True)
class IncidentRow:
    cluster: IncidentCluster
    reports: int
    last_activity: dt.date
    # Short references of its first reports: what tells two incidents of one place apart.
    refs: tuple[str, ...] = ()


SHOWN_REFS = 3


def parse_month(text: str | None) -> dt.date | None:
    """`YYYY-MM` (an `<input type="month">`) as the month's first day; anything else is None."""
    if not text:
        return None
    try:
        year, month = text.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class _Shape:
    """Which filters a listing has: one statement, with bound values, is built for each."""

    state: bool
    indicator: bool
    region: bool
    month: bool
    sort: IncidentSort
    exclude: bool

    @classmethod
    def of(
        cls,
        filters: IncidentFilters,
        sort: IncidentSort,
        exclude: int | None,
    ) -> _Shape:
        return cls(
            filters.state is not None,
            bool(filters.indicator),
            bool(filters.region),
            filters.month is not None,
            sort,
            exclude is not None,
        )


def _values(
    desk_ids: Iterable[int], filters: IncidentFilters, exclude: int | None, limit: int
) -> dict[str, Any]:
    return {
        "desks": sorted(set(desk_ids)),
        "state": filters.state,
        "indicator": filters.indicator,
        "region": filters.region,
        "month": filters.month,
        "exclude": exclude,
        "limit": limit,
    }


@functools.cache
def _listing_shape(shape: _Shape) -> Select[Any]:
    # Built once per shape and kept: the page pays SQLAlchemy for building a statement with two
    # correlated subqueries (and for its cache key) on every request otherwise.
    count = (
        select(func.count(Report.id))
        .where(Report.cluster_id == IncidentCluster.id)
        .correlate(IncidentCluster)
        .scalar_subquery()
    )
    latest = (
        select(func.max(Report.last_activity_day))
        .where(Report.cluster_id == IncidentCluster.id)
        .correlate(IncidentCluster)
        .scalar_subquery()
    )
    own = func.coalesce(IncidentCluster.verified_day, IncidentCluster.created_day)
    activity = case((latest.is_(None), own), (own > latest, own), else_=latest)
    query = select(IncidentCluster, count, activity.label("activity")).where(
        IncidentCluster.desk_id.in_(bindparam("desks", expanding=True))
    )
    if shape.state:
        query = query.where(IncidentCluster.state == bindparam("state"))
    if shape.indicator:
        query = query.where(IncidentCluster.indicator_code == bindparam("indicator"))
    if shape.region:
        query = query.where(IncidentCluster.region == bindparam("region"))
    if shape.month:
        query = query.where(IncidentCluster.incident_month == bindparam("month"))
    if shape.exclude:
        query = query.where(IncidentCluster.id != bindparam("exclude"))
    if shape.sort == IncidentSort.WEIGHT:
        query = query.order_by(IncidentCluster.weight.desc(), IncidentCluster.id.desc())
    else:
        query = query.order_by(query.selected_columns[2].desc(), IncidentCluster.id.desc())
    return query.limit(bindparam("limit", type_=Integer))


_REFS = (
    select(Report.cluster_id, Report.public_id)
    .where(Report.cluster_id.in_(bindparam("clusters", expanding=True)))
    .order_by(Report.id)
)


def incident_list(
    session: Session,
    desk_ids: Iterable[int],
    filters: IncidentFilters,
    sort: IncidentSort = IncidentSort.ACTIVITY,
    *,
    exclude: int | None = None,
    limit: int = LIST_LIMIT,
) -> list[IncidentRow]:
    query = _listing_shape(_Shape.of(filters, sort, exclude))
    rows = session.execute(query, _values(desk_ids, filters, exclude, limit)).all()
    refs: dict[int, list[str]] = {}
    if rows:
        for cluster_id, public_id in session.execute(
            _REFS, {"clusters": [row[0].id for row in rows]}
        ).all():
            found = refs.setdefault(cluster_id or 0, [])
            if len(found) < SHOWN_REFS:
                found.append(public_id[:8])
    return [
        IncidentRow(
            cluster=cluster,
            reports=int(count or 0),
            last_activity=activity,
            refs=tuple(refs.get(cluster.id, ())),
        )
        for cluster, count, activity in rows
    ]


def members(session: Session, cluster: IncidentCluster) -> list[Report]:
    return list(
        session.scalars(select(Report).where(Report.cluster_id == cluster.id).order_by(Report.id))
    )


def join_candidates(
    session: Session, cluster: IncidentCluster, filters: IncidentFilters
) -> list[Report]:
    """Reports of the incident's desk that could join it: not in it, not rejected or closed,
    matching the search (by default the incident's own region, month and indicator)."""
    query = select(Report).where(
        Report.desk_id == cluster.desk_id,
        (Report.cluster_id.is_(None)) | (Report.cluster_id != cluster.id),
        Report.status.not_in([ReportStatus.REJECTED, ReportStatus.CLOSED]),
        Report.shredded.is_(False),
    )
    if filters.indicator:
        query = query.where(Report.primary_indicator == filters.indicator)
    if filters.region:
        query = query.where(Report.region == filters.region)
    if filters.month is not None:
        query = query.where(Report.incident_month == filters.month)
    return list(session.scalars(query.order_by(Report.id.desc()).limit(CANDIDATE_LIMIT)))
