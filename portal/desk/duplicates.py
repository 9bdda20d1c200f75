"""Duplicate suggestions: the reports that may tell of the same event as a report.

Found from clear coarse fields and keyed hashes alone, never plaintext (docs/desk.md): nothing is
unsealed to suggest them and nothing is stored for them. How a pair is weighed lives in
`portal/desk/evidence.py`; this module chooses the candidates and shows the best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, lazyload, load_only

from portal.desk.evidence import InPlay, Told, rank
from portal.domain.models import Report, ReportIndicator
from portal.domain.months import shift_month
from portal.domain.workflow import ReportStatus


@dataclass(frozen=True)
class Suggestion:
    report: Report
    score: float  # evidence for the same event, in bits: +1 doubles the odds


def told_by(report: Report) -> Told:
    """What a loaded report tells the comparison."""
    codes = sorted({i.indicator_code for i in report.indicators}) or [report.primary_indicator]
    return Told(
        report.id,
        report.region,
        report.incident_month,
        report.force_branch,
        report.unit_key,
        report.place_key,
        report.day_key,
        report.language,
        report.organisation_id,
        report.created_day,
        ",".join(codes),
    )


# A candidate's indicator codes in one string (no code holds a comma), as `Told` has them.
_CODES = func.coalesce(
    select(func.aggregate_strings(ReportIndicator.indicator_code, ","))
    .where(ReportIndicator.report_id == Report.id)
    .scalar_subquery(),
    Report.primary_indicator,
)
# What the suggestion query reads of each candidate, one row each: no sealed column, no ORM
# object (building a thousand of those would cost more than the ranking).
_TOLD_COLUMNS = (
    Report.id,
    Report.region,
    Report.incident_month,
    Report.force_branch,
    Report.unit_key,
    Report.place_key,
    Report.day_key,
    Report.language,
    Report.organisation_id,
    Report.created_day,
    _CODES,
    Report.cluster_id,
)
_CLUSTER = len(Told._fields)


# At most this many reports sharing the report's unit or place are added from beyond the window.
NAMED_BEYOND_WINDOW = 100


def suggest_duplicates(
    session: Session, report: Report, *, limit: int = 5, window: int = 1000
) -> list[Suggestion]:
    """Reports of the same desk within a month either side, most alike first; only those the
    evidence favours (a positive score), and none of the report's own incident.

    The candidates are the `window` such reports that reached the desk nearest in time to the
    report (ids follow arrival), half after it and the rest before: accounts of one event
    arrive close together, and each half is one walk of the primary key from the report's id.
    On a busy desk that is a few days of arrivals, so reports that share the report's unit or
    place key are added from the whole three months (the latest NAMED_BEYOND_WINDOW of them).
    """
    later = _candidate_rows(session, report, window // 2, Report.id > report.id, Report.id)
    earlier = _candidate_rows(
        session, report, window - len(later), Report.id < report.id, Report.id.desc()
    )
    rows = {row[0]: row for row in (*later, *earlier)}
    names = [
        column == key
        for column, key in (
            (Report.unit_key, report.unit_key),
            (Report.place_key, report.place_key),
        )
        if key is not None
    ]
    if names:
        for row in _candidate_rows(
            session, report, NAMED_BEYOND_WINDOW, or_(*names), Report.id.desc()
        ):
            rows.setdefault(row[0], row)
    same_incident = (
        {i for i, row in rows.items() if row[_CLUSTER] == report.cluster_id}
        if report.cluster_id is not None
        else set()
    )
    ranked = rank(InPlay([told_by(report), *rows.values()]), keep=limit + len(same_incident))
    best = [(s, i) for s, i in ranked if s > 0 and i not in same_incident][:limit]
    if not best:
        return []
    # The page shows a suggestion's reference, indicator, region and month: nothing else.
    shown = session.scalars(
        select(Report)
        .where(Report.id.in_([i for _, i in best]))
        .options(
            load_only(
                Report.public_id,
                Report.country,
                Report.region,
                Report.incident_month,
                Report.primary_indicator,
            ),
            lazyload(Report.indicators),
        )
    )
    by_id = {r.id: r for r in shown}
    return [Suggestion(by_id[report_id], round(score, 1)) for score, report_id in best]


def _candidate_rows(
    session: Session,
    report: Report,
    count: int,
    condition: ColumnElement[bool],
    order: ColumnElement[Any] | InstrumentedAttribute[int],
) -> Sequence[Sequence[Any]]:
    """`_TOLD_COLUMNS` of the first `count` of the report's candidates that meet `condition`,
    in `order`."""
    if count <= 0:
        return []
    return session.execute(
        select(*_TOLD_COLUMNS)
        .where(
            Report.desk_id == report.desk_id,
            Report.id != report.id,
            condition,
            Report.incident_month.between(
                shift_month(report.incident_month, -1), shift_month(report.incident_month, 1)
            ),
            Report.status != ReportStatus.REJECTED,
        )
        .order_by(order)
        .limit(count)
    ).all()


def rank_duplicates(report: Report, candidates: Sequence[Report]) -> list[tuple[float, Report]]:
    """Every candidate with its evidence, direct and second-hand, most alike first."""
    if not candidates:
        return []
    by_id = {c.id: c for c in candidates}
    in_play = InPlay([told_by(report), *(told_by(c) for c in by_id.values())])
    return [(score, by_id[i]) for score, i in rank(in_play)]
