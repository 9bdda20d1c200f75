"""Assessment periods: a year ("2027") or a quarter ("2027-Q2")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
# Years a period may name: the dates around any of them (the year before, the year after) exist,
# and no compact is older or newer. The OpenAPI pattern says the same (portal/api/openapi_compacts).
MIN_YEAR = 1900
MAX_YEAR = 2999


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        found = _PERIOD.match(text.strip())
        if not found:
            raise BadPeriod("not a year or a quarter like 2027-Q2")
        if not MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
            raise BadPeriod(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
        return cls(int(found.group(1)), int(found.group(2)) if found.group(2) else None)

    def __str__(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.year, 12 if self.quarter is None else 3 * self.quarter, 1)

    @property
    def end_day(self) -> dt.date:
        last = self.last_month
        following = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def years(self) -> float:
        return 1.0 if self.quarter is None else 0.25

    @property
    def is_annual(self) -> bool:
        return self.quarter is None

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)


def quarter_of(day: dt.date) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1)
