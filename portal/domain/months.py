"""Incident months: the first day of a month stands for the month (DESIGN §5)."""

from __future__ import annotations

import datetime as dt


def shift_month(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
