"""The demo's time line: the eight quarters ending with the last complete one, and the open one."""

from __future__ import annotations

import datetime as dt

from portal.assess.periods import Period, quarter_of

QUARTERS = 8


def story_quarters(today: dt.date) -> tuple[Period, ...]:
    """The eight complete quarters before `today`'s, oldest first."""
    found: list[Period] = []
    period = quarter_of(today).previous()
    while len(found) < QUARTERS:
        found.append(period)
        period = period.previous()
    return tuple(reversed(found))


def months_of(period: Period) -> tuple[dt.date, ...]:
    first = period.first_month
    return tuple(dt.date(first.year, first.month + i, 1) for i in range(3))


def month_days(month: dt.date) -> int:
    following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (following - month).days
