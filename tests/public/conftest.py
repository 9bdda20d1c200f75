"""A demo compact with verified incidents seeded straight into the database, and the public
pages' settings pinned to a day and a seeded noise source."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.models import (
    ClusterState,
    Compact,
    Desk,
    IncidentCluster,
    PrivacyBudgetSpend,
)
from portal.i18n.places import regions
from portal.public.counts import UNKNOWN_REGION
from portal.public.settings import EXTENSION, PublicSettings

# Mid-January 2027: the release due covers the four quarters of 2026.
AFTER_2026 = dt.date(2027, 1, 15)
QUARTERS_2026 = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
PAGE = "/public/compacts/iq-2026"

# Exact verified incidents per region and quarter of 2026 (None: no region recorded). Small
# counts, zeros, counts near the thresholds, and regions large enough to be shown.
EXACT: dict[str | None, tuple[int, int, int, int]] = {
    "IQ-BG": (15, 3, 0, 12),
    "IQ-BA": (60, 65, 50, 55),
    "IQ-NI": (2, 0, 30, 18),
    "IQ-AN": (41, 42, 43, 60),
    "IQ-DA": (0, 0, 5, 0),
    None: (0, 1, 0, 0),
}
CODES = ("IC-1", "HR-2", "CH-1", "HR-1")


@dataclass
class Clock:
    day: dt.date


def install(app: Flask, clock: Clock, seed: int = 20260101) -> None:
    """Pin the page's day to the clock and its noise to a sequence of seeded generators."""
    seeds = iter(range(seed, seed + 10_000))
    app.extensions[EXTENSION] = dataclasses.replace(
        PublicSettings(),
        rng=lambda: np.random.default_rng(next(seeds)),
        today=lambda: clock.day,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(AFTER_2026)


@pytest.fixture
def demo(app: Flask, session: Session, clock: Clock) -> Compact:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    install(app, clock)
    compact = session.scalar(select(Compact).where(Compact.slug == "iq-2026"))
    assert compact is not None
    # These tests' calendar starts with the compact in January 2026 (the demo's now starts in
    # 2024, so that its story's two years fit inside it).
    compact.start_day = dt.date(2026, 1, 1)
    session.commit()
    return compact


def add_clusters(
    session: Session,
    compact: Compact,
    counts: Mapping[str | None, tuple[int, ...]],
    *,
    quarters: tuple[str, ...] = QUARTERS_2026,
    state: ClusterState | None = None,
) -> None:
    desk = session.scalar(select(Desk).where(Desk.code == compact.country))
    assert desk is not None
    n = 0
    for region, per_quarter in counts.items():
        for quarter, count in zip(quarters, per_quarter, strict=True):
            period = Period.parse(quarter)
            for i in range(count):
                n += 1
                session.add(
                    IncidentCluster(
                        desk_id=desk.id,
                        compact_id=compact.id,
                        indicator_code=CODES[n % len(CODES)],
                        region=region,
                        incident_month=dt.date(period.year, period.first_month.month + i % 3, 1),
                        state=state
                        or (ClusterState.VERIFIED if n % 3 else ClusterState.PARTIALLY_VERIFIED),
                        weight=0.8,
                    )
                )
    session.commit()


@pytest.fixture
def seeded(demo: Compact, session: Session) -> Compact:
    add_clusters(session, demo, EXACT)
    # Incidents that must not be counted: not verified, or of another compact.
    noise = {"IQ-BG": (4, 4, 4, 4), "IQ-NI": (9, 0, 0, 1)}
    for state in (ClusterState.OPEN, ClusterState.UNVERIFIED, ClusterState.REJECTED):
        add_clusters(session, demo, noise, state=state)
    other = session.scalar(select(Compact).where(Compact.slug == "ne-2026"))
    assert other is not None
    add_clusters(session, other, {"NE-8": (50, 50, 50, 50)})
    return demo


def spends(session: Session, compact: Compact) -> list[PrivacyBudgetSpend]:
    session.expire_all()
    return list(
        session.scalars(
            select(PrivacyBudgetSpend)
            .where(PrivacyBudgetSpend.compact_id == compact.id)
            .order_by(PrivacyBudgetSpend.id)
        )
    )


def spent_per_quarter(session: Session, compact: Compact) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for row in spends(session, compact):
        total[row.quarter] = total.get(row.quarter, Decimal(0)) + Decimal(repr(row.epsilon))
    return total


@dataclass(frozen=True)
class ShownTable:
    columns: list[str]
    rows: dict[str, list[tuple[str, str]]]  # row name → (kind, text) per release, newest first

    def numbers(self) -> list[int]:
        return [
            value(text) for cells in self.rows.values() for kind, text in cells if kind == "count"
        ]


def value(text: str) -> int:
    """The figure of a shown cell, "1,234 ±8" → 1234."""
    number, margin = text.split(" ±")
    assert margin.isdigit(), text
    return int(number.replace(",", ""))


_ROW = re.compile(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
_CELL = re.compile(r'<td class="count-(\w+)[^"]*">(.*?)</td>', re.S)


def counts_table(page: str) -> ShownTable | None:
    found = re.search(r'<table class="public-table counts">(.*?)</table>', page, re.S)
    if found is None:
        return None
    body = found.group(1)
    head = re.search(r"<thead>(.*?)</thead>", body, re.S)
    assert head
    columns = [html.unescape(c) for c in re.findall(r'<th scope="col">(.*?)</th>', head.group(1))]
    rows = {
        html.unescape(name.strip()): [(k, _said(t)) for k, t in _CELL.findall(cells)]
        for name, cells in _ROW.findall(body)
    }
    return ShownTable(columns, rows)


def _said(cell: str) -> str:
    """What a screen reader says for a cell: the number, or the phrase behind a short mark."""
    hidden = re.search(r'<span class="visually-hidden">(.*?)</span>', cell)
    if hidden:
        return html.unescape(hidden.group(1).strip())
    figure = re.fullmatch(r'\s*<span class="figure">(.*?)</span>\s*', cell)
    assert figure, cell  # a shown figure is isolated left to right (RTL pages)
    return html.unescape(figure.group(1).strip())


def region_names(locale: str = "en") -> Callable[[str | None], str]:
    names = {p.code: p.name for p in regions("IQ", locale)}

    def name(code: str | None) -> str:
        return "Region not recorded" if code in (None, UNKNOWN_REGION) else names[code]

    return name
