"""Duplicate suggestions: the reports that may tell of the same event as a report.

Found from clear coarse fields and keyed hashes alone, never plaintext (docs/desk.md): nothing is
unsealed to suggest them and nothing is stored for them. How a pair is weighed lives in
`portal/desk/evidence.py`; this module chooses the candidates and shows the best.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, or_, select, union_all
from sqlalchemy.orm import Session

from portal.desk.evidence import InPlay, Told, rank
from portal.domain.models import Report
from portal.domain.months import shift_month
from portal.domain.workflow import ReportStatus


class Suggested(NamedTuple):
    """What the report page shows of a suggested report: a link and what it is about."""

    id: int
    public_id: str
    country: str
    region: str | None
    incident_month: dt.date
    primary_indicator: str


@dataclass(frozen=True)
class Suggestion:
    report: Suggested
    score: float  # evidence for the same event, in bits: +1 doubles the odds


def told_by(report: Report) -> Told:
    """What a loaded report tells the comparison."""
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
        ",".join(report.codes),
    )


# A candidate's indicator codes in one string (no code holds a comma), as `Told` has them: kept
# on the report itself, so that a thousand candidates cost no look-up in `report_indicators`.
_CODES = func.coalesce(Report.indicator_codes, Report.primary_indicator).label("codes")
# What the suggestion query reads of each candidate, one row each: what it tells (`Told`), then
# its incident and what the page would show of it. No sealed column, no ORM object (building a
# thousand of those would cost more than the ranking).
_COLUMNS = (
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
    Report.public_id,
    Report.country,
    Report.primary_indicator,
)
_CLUSTER = len(Told._fields)


def _shown(row: Sequence[Any]) -> Suggested:
    return Suggested(row[0], row[12], row[13], row[1], row[2], row[14])


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
    found = session.connection().execute(_CANDIDATES, _values(report, window)).all()
    return _best(report, found, limit)


def start_suggesting(
    session: Session, report: Report, *, limit: int = 5, window: int = 1000
) -> Callable[[], list[Suggestion]]:
    """`suggest_duplicates`, with its candidates read while the caller goes on; call the result
    for the suggestions.

    On PostgreSQL the candidates' SELECT runs on a connection of its own in a worker thread: the
    report page opens the report and builds its forms and incident list while the database reads
    and sends a thousand rows. It reads committed rows only, as the page's own transaction would
    after its commit. If the report's keyed unit or place changed meanwhile (the open that makes
    them), the candidates that share them are read again, then. Elsewhere (SQLite: one writer,
    and a test database may be one shared connection) it all runs when called, on the session's
    connection.
    """
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return lambda: suggest_duplicates(session, report, limit=limit, window=window)
    values = _values(report, window)
    pending = _READERS.submit(_candidates, engine, values)

    def finish() -> list[Suggestion]:
        if (report.unit_key, report.place_key) != (values["unit"], values["place"]):
            return suggest_duplicates(session, report, limit=limit, window=window)
        return _best(report, pending.result(), limit)

    return finish


# One reader per gunicorn thread (4 by default): each waits on the database, not on a core.
_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="candidates")


def _candidates(engine: Any, values: dict[str, Any]) -> Sequence[Sequence[Any]]:
    with engine.connect() as connection:
        return connection.execute(_CANDIDATES, values).all()  # type: ignore[no-any-return]


def _values(report: Report, window: int) -> dict[str, Any]:
    return {
        "desk": report.desk_id,
        "report": report.id,
        "low": shift_month(report.incident_month, -1),
        "high": shift_month(report.incident_month, 1),
        "later": window // 2,
        "window": window,
        "unit": report.unit_key,  # NULL matches nothing
        "place": report.place_key,
    }


def _best(report: Report, found: Sequence[Sequence[Any]], limit: int) -> list[Suggestion]:
    rows: dict[int, Sequence[Any]] = {}
    for row in found:  # a named candidate may be in the window too
        rows.setdefault(row[0], row)
    same_incident = (
        {i for i, row in rows.items() if row[_CLUSTER] == report.cluster_id}
        if report.cluster_id is not None
        else set()
    )
    ranked = rank(InPlay([told_by(report), *rows.values()]), keep=limit + len(same_incident))
    best = [(s, i) for s, i in ranked if s > 0 and i not in same_incident][:limit]
    return [Suggestion(_shown(rows[report_id]), round(score, 1)) for score, report_id in best]


def _of_the_desk(condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return select(*_COLUMNS).where(
        Report.desk_id == bindparam("desk"),
        Report.id != bindparam("report"),
        condition,
        Report.incident_month.between(bindparam("low"), bindparam("high")),
        Report.status != ReportStatus.REJECTED,
    )


# The candidates in one statement, built once (a page pays for each round trip, and for each
# statement SQLAlchemy builds): the `window` nearest in arrival, up to half (`later`) after the
# report and the rest before it, then the reports naming its unit or place, which may repeat
# some of those.
_LATER = (
    _of_the_desk(Report.id > bindparam("report"))
    .order_by(Report.id)
    .limit(bindparam("later", type_=Integer))
    .cte("later")
)
_LATER_COUNT = select(func.count()).select_from(_LATER).scalar_subquery()
_EARLIER = (
    _of_the_desk(Report.id < bindparam("report"))
    .order_by(Report.id.desc())
    .limit(
        bindparam("window", type_=Integer)
        - select(func.count()).select_from(_LATER).scalar_subquery()
    )
    .subquery("earlier")
)
_NAMED = (
    _of_the_desk(or_(Report.unit_key == bindparam("unit"), Report.place_key == bindparam("place")))
    .order_by(Report.id.desc())
    .limit(NAMED_BEYOND_WINDOW)
    .subquery("named")
)
_CANDIDATES = union_all(select(_LATER), select(_EARLIER), select(_NAMED))


def rank_duplicates(report: Report, candidates: Sequence[Report]) -> list[tuple[float, Report]]:
    """Every candidate with its evidence, direct and second-hand, most alike first."""
    if not candidates:
        return []
    by_id = {c.id: c for c in candidates}
    in_play = InPlay([told_by(report), *(told_by(c) for c in by_id.values())])
    return [(score, by_id[i]) for score, i in rank(in_play)]
