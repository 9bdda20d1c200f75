"""A compact with three years of verified incidents and scorecards of several periods, and what
its exports must therefore contain, worked out here from the seed rather than by the portal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.config import Config
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import ClusterState, Compact, Desk, IncidentCluster
from portal.jobs.outbox import QUEUES
from portal.jobs.runner import _worker_database

SLUG = "iq-2026"
YEARS = (2026, 2027, 2028)
CODES = INDICATOR_CODES[:3]
SCORED = ("2026", "2026-Q1", "2026-Q2", "2027-Q3", "2027")
WEIGHT = 0.75


@dataclass(frozen=True)
class Seeded:
    compact: Compact
    # (indicator, quarter) → (verified incidents, weight sum): the incident export's rows.
    incidents: dict[tuple[str, str], tuple[int, float]]


def _count(year: int, quarter: int, index: int) -> int:
    return (year + quarter + 2 * index) % 4  # zeros included: no row for those cells


def seed(session: Session, *, scored: tuple[str, ...] = SCORED) -> Seeded:
    """Verified incidents in 2026–2028 (plus ones that must not count) and scorecards."""
    compact = session.scalar(select(Compact).where(Compact.slug == SLUG))
    assert compact is not None, "run `portal demo` first"
    desk = session.scalar(select(Desk).where(Desk.code == compact.country))
    assert desk is not None
    other = session.scalar(select(Compact).where(Compact.slug != SLUG).limit(1))
    assert other is not None
    expected: dict[tuple[str, str], tuple[int, float]] = {}
    for year in YEARS:
        for quarter in (1, 2, 3, 4):
            month = dt.date(year, 3 * quarter - 2, 1)
            for index, code in enumerate(CODES):
                count = _count(year, quarter, index)
                for n in range(count):
                    state = ClusterState.VERIFIED if n % 2 else ClusterState.PARTIALLY_VERIFIED
                    session.add(_cluster(desk, compact, code, month, state))
                if count:
                    expected[(code, f"{year}-Q{quarter}")] = (count, round(count * WEIGHT, 6))
                # Never exported: not verified, or another compact's.
                for state in (ClusterState.OPEN, ClusterState.UNVERIFIED, ClusterState.REJECTED):
                    session.add(_cluster(desk, compact, code, month, state))
                session.add(_cluster(desk, other, code, month, ClusterState.VERIFIED))
    session.flush()
    for period in scored:
        compute_scorecard(session, compact, Period.parse(period))
    session.commit()
    return Seeded(compact, expected)


def _cluster(
    desk: Desk, compact: Compact, code: str, month: dt.date, state: ClusterState
) -> IncidentCluster:
    return IncidentCluster(
        desk_id=desk.id,
        compact_id=compact.id,
        indicator_code=code,
        region="IQ-BG",
        incident_month=month,
        state=state,
        weight=WEIGHT,
    )


def quarter_order(quarter: str) -> tuple[int, int]:
    year, q = quarter.split("-Q")
    return int(year), int(q)


def expected_incident_rows(seeded: Seeded, year: int | None = None) -> list[list[str]]:
    """The data rows of the incident CSV, in the order the export promises."""
    rows = []
    for (code, quarter), (count, weight) in sorted(
        seeded.incidents.items(),
        key=lambda kv: (quarter_order(kv[0][1]), INDICATOR_CODES.index(kv[0][0])),
    ):
        if year is not None and not quarter.startswith(f"{year}-"):
            continue
        rows.append([SLUG, "IQ", code, quarter, str(count), repr(weight)])
    return rows


def worker_process(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """For a fixture: `rq worker --burst intake scoring maintenance` in this process, set up as
    in production (its database from the environment, as `Config.from_env()` reads it)."""
    monkeypatch.setenv("DATABASE_URL", config.database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(config.instance_path))
    monkeypatch.setenv("SECRET_KEY", config.secret_key)
    _worker_database.cache_clear()

    def run() -> None:
        assert config.redis_url is not None, "no worker without Redis"
        redis = Redis.from_url(config.redis_url)
        queues = [Queue(name, connection=redis) for name in QUEUES]
        SimpleWorker(queues, connection=redis).work(burst=True)

    yield run
    if _worker_database.cache_info().currsize:
        _worker_database().dispose()
    _worker_database.cache_clear()
