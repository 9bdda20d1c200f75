"""Machine-readable exports of a compact's aggregates: CSV with an HXL hashtag row, and JSON.

Only aggregates leave through here: scorecard entries (estimates, intervals, states, counts), the
same entries arranged as one time series per indicator, and verified-incident counts and weight
sums per indicator × quarter. Never a report, a narrative, a unit key or anything sealed.

CSV safety (formula injection): spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula. Every *text* cell starting with one of these is prefixed with
`'`. Two deliberate exceptions:

- numbers are formatted here from `int`/`float` values, never from text, so a genuine negative
  number (`-0.5`) stays a number and is not prefixed; a text that merely looks like one is;
- the HXL row is a fixed list of `#tags` written by this module, so it is written as is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.evidence import EVIDENCE
from portal.assess.periods import BadPeriod, Period, quarter_of
from portal.domain.catalogue import INDICATORS, indicator
from portal.domain.models import Compact, IncidentCluster, Scorecard, ScorecardEntry

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    header: str
    hxl: str


SCORECARD_COLUMNS: tuple[Column, ...] = (
    Column("compact", "#meta+compact+id"),
    Column("country", "#country+code"),
    Column("partner", "#org+partner+name"),
    Column("period", "#date+period"),
    Column("indicator_code", "#indicator+code"),
    Column("indicator_name", "#indicator+name"),
    Column("estimate", "#value+estimate"),
    Column("lower", "#value+lower"),
    Column("upper", "#value+upper"),
    Column("state", "#status"),
    Column("threshold", "#value+threshold"),
    Column("incidents", "#affected+incidents+num"),
    Column("recommended_tier", "#meta+tier+recommended"),
    Column("catalogue_version", "#meta+catalogue+version"),
    Column("plan_version", "#meta+plan+version"),
    Column("snapshot_id", "#meta+snapshot+id"),
)

INCIDENT_COLUMNS: tuple[Column, ...] = (
    Column("compact", "#meta+compact+id"),
    Column("country", "#country+code"),
    Column("indicator_code", "#indicator+code"),
    Column("indicator_name", "#indicator+name"),
    Column("quarter", "#date+quarter"),
    Column("incidents", "#affected+incidents+num"),
    Column("weight_sum", "#affected+incidents+weight"),
)


TIMESERIES_COLUMNS: tuple[Column, ...] = (
    Column("compact", "#meta+compact+id"),
    Column("country", "#country+code"),
    Column("indicator_code", "#indicator+code"),
    Column("indicator_name", "#indicator+name"),
    Column("period", "#date+period"),
    Column("estimate", "#value+estimate"),
    Column("lower", "#value+lower"),
    Column("upper", "#value+upper"),
    Column("state", "#status"),
    Column("threshold", "#value+threshold"),
    Column("incidents", "#affected+incidents+num"),
    Column("stale", "#meta+stale"),
    Column("snapshot_id", "#meta+snapshot+id"),
)


def safe_cell(value: Cell) -> str:
    """The CSV text of one cell, defused against formula injection (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerow([c.hxl for c in columns])  # fixed `#tags`: written as is
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def indicator_name(code: str) -> str:
    try:
        return str(indicator(code).name)
    except KeyError:
        return code


def latest_scorecard(session: Session, compact: Compact, period: Period) -> Scorecard | None:
    return session.scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id, Scorecard.period == str(period))
        .order_by(Scorecard.id.desc())
        .limit(1)
    )


def _order(code: str) -> int:
    codes = [i.code for i in INDICATORS]
    return codes.index(code) if code in codes else len(codes)


def scorecard_document(compact: Compact, card: Scorecard) -> dict[str, Any]:
    """The scorecard as clients get it (`/scorecards` and `/scorecards.json`): aggregates only."""
    entries = sorted(card.entries, key=lambda e: (_order(e.indicator_code), e.indicator_code))
    return {
        "compact": compact.slug,
        "period": card.period,
        "computed_day": card.computed_day.isoformat(),
        "stale": bool(card.stale),
        "recommended_tier": int(card.recommended_tier),
        "pass_count": int(card.assessment.get("pass_count", 0) or 0),
        "reasons": [
            {"rule": str(r.get("rule", "")), "passed": bool(r.get("passed"))}
            for r in card.reasons or []
        ],
        "snapshot_id": int(card.snapshot_id),
        "catalogue_version": card.catalogue_version,
        "plan_version": int(card.plan_version),
        "indicators": [
            {
                "code": e.indicator_code,
                "name": indicator_name(e.indicator_code),
                "estimate": e.estimate,
                "lower": e.lower,
                "upper": e.upper,
                "state": e.state,
                "threshold": e.threshold,
                "incidents": int(e.evidence_count or 0),
            }
            for e in entries
        ],
    }


def _scorecard_rows(compact: Compact, document: dict[str, Any]) -> list[tuple[Cell, ...]]:
    return [
        (
            compact.slug,
            compact.country,
            compact.partner,
            document["period"],
            item["code"],
            item["name"],
            item["estimate"],
            item["lower"],
            item["upper"],
            item["state"],
            item["threshold"],
            item["incidents"],
            document["recommended_tier"],
            document["catalogue_version"],
            document["plan_version"],
            document["snapshot_id"],
        )
        for item in document["indicators"]
    ]


def scorecard_csv(compact: Compact, card: Scorecard) -> str:
    return write_csv(SCORECARD_COLUMNS, _scorecard_rows(compact, scorecard_document(compact, card)))


def scorecards_document(
    compact: Compact, scope: Period | None, cards: Sequence[Scorecard]
) -> dict[str, Any]:
    """The latest scorecard of every period in `scope` (None: the whole term), oldest first."""
    return {
        "compact": compact.slug,
        "period": str(scope) if scope is not None else None,
        "scorecards": [scorecard_document(compact, card) for card in cards],
    }


def scorecards_csv(compact: Compact, document: dict[str, Any]) -> str:
    rows = [row for card in document["scorecards"] for row in _scorecard_rows(compact, card)]
    return write_csv(SCORECARD_COLUMNS, rows)


def period_order(text: str) -> tuple[int, int]:
    """Chronological order of periods: a year first, then its quarters."""
    period = Period.parse(text)
    return period.year, period.quarter or 0


def in_scope(text: str, scope: Period | None) -> bool:
    """Whether the period `text` lies in `scope`: a year holds itself and its four quarters."""
    if scope is None:
        return True
    try:
        period = Period.parse(text)
    except BadPeriod:
        return False
    if scope.is_annual:
        return period.year == scope.year
    return period == scope


def latest_scorecard_ids(session: Session, compact: Compact, scope: Period | None) -> list[int]:
    """The latest scorecard of each period in `scope`, oldest period first."""
    rows = session.execute(
        select(Scorecard.period, func.max(Scorecard.id))
        .where(Scorecard.compact_id == compact.id)
        .group_by(Scorecard.period)
    ).all()
    found = [(str(period), int(card_id)) for period, card_id in rows if in_scope(period, scope)]
    return [card_id for _period, card_id in sorted(found, key=lambda r: period_order(r[0]))]


def count_entries(session: Session, scorecard_ids: Sequence[int]) -> int:
    if not scorecard_ids:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(ScorecardEntry)
            .where(ScorecardEntry.scorecard_id.in_(scorecard_ids))
        )
        or 0
    )


def timeseries_document(
    compact: Compact, scope: Period | None, cards: Sequence[Scorecard]
) -> dict[str, Any]:
    """One series per indicator: estimate, 90% interval and state in each period, oldest first.

    Built from the same stored scorecards as the scorecard exports, so a point equals the entry
    of the scorecard it came from (its `snapshot_id` says which).
    """
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for card in sorted(cards, key=lambda c: period_order(c.period)):
        for e in card.entries:
            series[e.indicator_code].append(
                {
                    "period": card.period,
                    "estimate": e.estimate,
                    "lower": e.lower,
                    "upper": e.upper,
                    "state": e.state,
                    "threshold": e.threshold,
                    "incidents": int(e.evidence_count or 0),
                    "stale": bool(card.stale),
                    "snapshot_id": int(card.snapshot_id),
                }
            )
    return {
        "compact": compact.slug,
        "period": str(scope) if scope is not None else None,
        "indicators": [
            {"code": code, "name": indicator_name(code), "points": series[code]}
            for code in sorted(series, key=lambda c: (_order(c), c))
        ],
    }


def timeseries_csv(compact: Compact, document: dict[str, Any]) -> str:
    rows = [
        (
            compact.slug,
            compact.country,
            item["code"],
            item["name"],
            point["period"],
            point["estimate"],
            point["lower"],
            point["upper"],
            point["state"],
            point["threshold"],
            point["incidents"],
            point["stale"],
            point["snapshot_id"],
        )
        for item in document["indicators"]
        for point in item["points"]
    ]
    return write_csv(TIMESERIES_COLUMNS, rows)


def incident_aggregates(
    session: Session, compact: Compact, period: Period | None = None
) -> list[dict[str, Any]]:
    """Verified and partially verified incidents: count and weight sum per indicator × quarter."""
    query = (
        select(
            IncidentCluster.indicator_code,
            IncidentCluster.incident_month,
            func.count(),
            func.sum(IncidentCluster.weight),
        )
        .where(IncidentCluster.compact_id == compact.id, IncidentCluster.state.in_(EVIDENCE))
        .group_by(IncidentCluster.indicator_code, IncidentCluster.incident_month)
    )
    if period is not None:
        query = query.where(
            IncidentCluster.incident_month >= period.first_month,
            IncidentCluster.incident_month <= period.last_month,
        )
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for code, month, count, weight in session.execute(query).all():
        cell = sums[(str(code), str(quarter_of(_day(month))))]
        cell[0] += int(count)
        cell[1] += float(weight or 0.0)
    return [
        {
            "indicator_code": code,
            "quarter": quarter,
            "incidents": int(count),
            "weight_sum": round(weight, 6),
        }
        for (code, quarter), (count, weight) in sorted(
            sums.items(), key=lambda kv: (kv[0][1], _order(kv[0][0]), kv[0][0])
        )
    ]


def incident_output_rows(session: Session, compact: Compact, scope: Period | None) -> int:
    """How many indicator × quarter rows the incident export of `scope` has, without summing."""
    query = (
        select(IncidentCluster.indicator_code, IncidentCluster.incident_month)
        .where(IncidentCluster.compact_id == compact.id, IncidentCluster.state.in_(EVIDENCE))
        .distinct()
    )
    if scope is not None:
        query = query.where(
            IncidentCluster.incident_month >= scope.first_month,
            IncidentCluster.incident_month <= scope.last_month,
        )
    pairs = session.execute(query).all()
    return len({(str(code), str(quarter_of(_day(month)))) for code, month in pairs})


def incident_years(session: Session, compact: Compact) -> list[int]:
    """The years that have verified incidents, oldest first: the whole-term export's chunks."""
    months = session.scalars(
        select(IncidentCluster.incident_month)
        .where(IncidentCluster.compact_id == compact.id, IncidentCluster.state.in_(EVIDENCE))
        .distinct()
    )
    return sorted({_day(month).year for month in months})


def _day(month: Any) -> dt.date:
    return month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))


def incidents_document(
    compact: Compact, scope: Period | None, aggregates: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "compact": compact.slug,
        "period": str(scope) if scope is not None else None,
        "aggregates": [
            {**item, "indicator_name": indicator_name(item["indicator_code"])}
            for item in aggregates
        ],
    }


def incidents_table(compact: Compact, aggregates: Sequence[dict[str, Any]]) -> str:
    rows = [
        (
            compact.slug,
            compact.country,
            item["indicator_code"],
            indicator_name(item["indicator_code"]),
            item["quarter"],
            item["incidents"],
            item["weight_sum"],
        )
        for item in aggregates
    ]
    return write_csv(INCIDENT_COLUMNS, rows)
