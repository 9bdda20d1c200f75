"""When a compact's public table is released, which quarters it covers, and what ε it spends.

The public table shows the last `window` quarters. A table touching a quarter charges ε to that
quarter (`portal.domain.disclosure.release`), so a sliding window released every quarter would
charge each quarter `window` times: at ε = 0.5 a quarter's 1.0 cap would run out after its second
release and every later window containing it would be refused, leaving the page stale at random.

So releases follow a fixed calendar instead: one at the end of every `every`-th quarter (by
default the end of June and of December), each covering the `window` quarters up to it. A quarter
then falls in at most ⌈window / every⌉ scheduled releases, and each release spends the quarter's
cap divided by that number: with the defaults, two releases of ε = 0.5 each, the cap exactly.
Scheduled releases can never be refused for budget; only an extra, explicit release can.

A quarter is released twice by default: about three and nine months after it ends. Verification
takes weeks to months, so the second look counts incidents verified late.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from portal.assess.periods import Period, quarter_of
from portal.domain.disclosure import BudgetPolicy, SuppressionRules

# ε is stored as a float (PrivacyBudgetSpend.epsilon); four decimals survive the round trip
# exactly, and rounding down keeps the scheduled releases within the cap.
_EPSILON_STEP = Decimal("0.0001")


def _index(quarter: Period) -> int:
    assert quarter.quarter is not None, "a release covers quarters, not years"
    return quarter.year * 4 + quarter.quarter - 1


def _quarter(index: int) -> Period:
    return Period(index // 4, index % 4 + 1)


@dataclass(frozen=True)
class ReleaseSchedule:
    window: int = 4  # quarters in the public table
    every: int = 2  # quarters between scheduled releases
    budget: BudgetPolicy = field(default_factory=BudgetPolicy)
    rules: SuppressionRules = field(default_factory=SuppressionRules)

    def __post_init__(self) -> None:
        if not 1 <= self.every <= self.window:
            raise ValueError("releases must come at least once per window")

    @property
    def releases_per_quarter(self) -> int:
        return math.ceil(self.window / self.every)

    @property
    def epsilon_per_release(self) -> Decimal:
        share = self.budget.epsilon_per_quarter / self.releases_per_quarter
        return share.quantize(_EPSILON_STEP, rounding=ROUND_DOWN)

    def is_release_point(self, quarter: Period) -> bool:
        return (_index(quarter) + 1) % self.every == 0

    def _point_at_or_after(self, index: int) -> int:
        return index + (-(index + 1)) % self.every

    def _point_at_or_before(self, index: int) -> int:
        return index - (index + 1) % self.every

    def due_quarters(
        self, start_day: dt.date, end_day: dt.date, today: dt.date
    ) -> tuple[Period, ...]:
        """The quarters of the latest scheduled release due by `today`, oldest first; empty when
        none is due yet. After the compact ends, the last release stays the one covering its
        final quarter: later windows would only spend budget on quarters already shown."""
        first, last = _index(quarter_of(start_day)), _index(quarter_of(end_day))
        last_ended = _index(quarter_of(today)) - 1
        point = min(self._point_at_or_before(last_ended), self._point_at_or_after(last))
        if point < first:
            return ()
        return tuple(
            _quarter(i) for i in range(max(first, point - self.window + 1), min(point, last) + 1)
        )

    def scheduled_windows(
        self, start_day: dt.date, end_day: dt.date
    ) -> tuple[tuple[dt.date, tuple[Period, ...]], ...]:
        """Every scheduled release of a compact's life, in order: the day after which it falls
        due, and the quarters it covers."""
        first, last = _index(quarter_of(start_day)), _index(quarter_of(end_day))
        windows = []
        point = self._point_at_or_after(first)
        while point <= self._point_at_or_after(last):
            span = range(max(first, point - self.window + 1), min(point, last) + 1)
            quarters = tuple(_quarter(i) for i in span)
            windows.append((_quarter(point).end_day, quarters))
            point += self.every
        return tuple(windows)

    def reserved(self, start_day: dt.date, end_day: dt.date, today: dt.date) -> dict[str, Decimal]:
        """ε each quarter keeps for its scheduled releases not due yet.

        An extra release (`--again`) may only spend what is left after this reservation, so it
        never takes the budget a later scheduled release of the same quarter was planned with
        (issue 10, point 7). Releases already due are not reserved for: the one due now is made
        or cached, and an older one that was skipped will never be made."""
        kept: dict[str, Decimal] = {}
        for due_after, quarters in self.scheduled_windows(start_day, end_day):
            if due_after < today:
                continue
            for quarter in quarters:
                name = str(quarter)
                kept[name] = kept.get(name, Decimal(0)) + self.epsilon_per_release
        return kept

    def next_release_after(
        self, start_day: dt.date, end_day: dt.date, today: dt.date
    ) -> dt.date | None:
        """The day after which the next scheduled release falls due, or None if none is left."""
        first, last = _index(quarter_of(start_day)), _index(quarter_of(end_day))
        final = self._point_at_or_after(last)
        upcoming = self._point_at_or_after(max(first, _index(quarter_of(today))))
        if upcoming > final:
            return None
        return _quarter(upcoming).end_day
