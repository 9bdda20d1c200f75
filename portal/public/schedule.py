"""When a compact's public figures are released, which quarters each release covers, and its ε.

One fixed hierarchy of releases per calendar year (issue 10, point 9), never sliding windows:

- **first half** (Q1–Q2), due once 30 June has passed;
- **second half** (Q3–Q4), due once 31 December has passed;
- **the whole year** (Q1–Q4), due once 30 June of the next year has passed: the second look,
  which counts incidents verified late.

Releases nest (quarters ⊂ halves ⊂ the year) and never straddle each other, so what releases
say together is a fixed, small set of sums that the audit across releases
(`portal.domain.disclosure.linkage`) can check; a window sliding by a quarter would create a new
overlapping sum every time (release 1 "A, first half: 25" and release 2 "A, Q2: 20" give
A, Q1 = 5). Each quarter is in exactly two scheduled releases, so each spends half the quarter's
cap (less when `extras` keeps room for extra releases): ε = 0.5 on each quarter it covers with
the default cap of 1.0. Scheduled releases always fit.

A compact that starts or ends mid-year gets the same releases clipped to its quarters; a year
whose compact quarters are those of one half has no separate year release (it would repeat the
half's sums), so those quarters are released once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from portal.assess.periods import Period, quarter_of
from portal.domain.disclosure import BudgetPolicy
from portal.domain.disclosure.noisy import Allocation

# ε is stored as a float (PrivacyBudgetSpend.epsilon); four decimals survive the round trip
# exactly, and rounding down keeps the scheduled releases within the cap.
_EPSILON_STEP = Decimal("0.0001")
RELEASES_PER_QUARTER = 2


@dataclass(frozen=True)
class ScheduledRelease:
    name: str  # "2026-H1", "2026-H2" or "2026"
    quarters: tuple[Period, ...]
    due_after: dt.date  # made once this day has passed

    @property
    def quarter_names(self) -> tuple[str, ...]:
        return tuple(str(q) for q in self.quarters)


def _halves_and_year(year: int) -> list[tuple[str, tuple[Period, ...], dt.date]]:
    return [
        (f"{year}-H1", (Period(year, 1), Period(year, 2)), dt.date(year, 6, 30)),
        (f"{year}-H2", (Period(year, 3), Period(year, 4)), dt.date(year, 12, 31)),
        (str(year), tuple(Period(year, q) for q in (1, 2, 3, 4)), dt.date(year + 1, 6, 30)),
    ]


@dataclass(frozen=True)
class ReleaseSchedule:
    budget: BudgetPolicy = field(default_factory=BudgetPolicy)
    allocation: Allocation = field(default_factory=Allocation)
    # The audit across releases: a hidden figure must keep at least this many possible values.
    protection: int = 3
    # Extra releases (`--again`) budgeted per quarter beyond its two scheduled ones. With the
    # default 0 every quarter's cap is planned for its scheduled releases and `--again` is
    # refused; 1 makes every release spend a third of the cap and leaves a third for one extra.
    extras: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.extras <= 4:
            raise ValueError("extras must lie between 0 and 4")

    @property
    def releases_per_quarter(self) -> int:
        return RELEASES_PER_QUARTER + self.extras

    @property
    def epsilon_per_release(self) -> Decimal:
        share = self.budget.epsilon_per_quarter / self.releases_per_quarter
        return share.quantize(_EPSILON_STEP, rounding=ROUND_DOWN)

    def releases(self, start_day: dt.date, end_day: dt.date) -> tuple[ScheduledRelease, ...]:
        """Every scheduled release of a compact's life, in the order they fall due."""
        first, last = quarter_of(start_day), quarter_of(end_day)

        def inside(q: Period) -> bool:
            return (first.year, first.quarter or 0) <= (q.year, q.quarter or 0) <= (
                last.year,
                last.quarter or 0,
            )

        found: list[ScheduledRelease] = []
        for year in range(first.year, last.year + 1):
            halves: list[tuple[Period, ...]] = []
            for name, quarters, due_after in _halves_and_year(year):
                kept = tuple(q for q in quarters if inside(q))
                if not kept:
                    continue
                if len(name) == 4 and any(kept == h for h in halves):
                    continue  # the year is one half: its sums are that half's
                halves.append(kept)
                found.append(ScheduledRelease(name, kept, due_after))
        return tuple(sorted(found, key=lambda r: (r.due_after, len(r.quarters))))

    def due(
        self, start_day: dt.date, end_day: dt.date, today: dt.date
    ) -> tuple[ScheduledRelease, ...]:
        return tuple(r for r in self.releases(start_day, end_day) if r.due_after < today)

    def reserved(self, start_day: dt.date, end_day: dt.date, today: dt.date) -> dict[str, Decimal]:
        """ε each quarter keeps for its scheduled releases not due yet.

        An extra release (`--again`) may only spend what is left after this reservation, so it
        never takes the budget a later scheduled release of the same quarter was planned with
        (issue 10, point 7). Releases already due are not reserved for: they are made already
        (or are being made), and spent ε is in the ledger."""
        kept: dict[str, Decimal] = {}
        for scheduled in self.releases(start_day, end_day):
            if scheduled.due_after < today:
                continue
            for name in scheduled.quarter_names:
                kept[name] = kept.get(name, Decimal(0)) + self.epsilon_per_release
        return kept

    def next_release_after(
        self, start_day: dt.date, end_day: dt.date, today: dt.date
    ) -> dt.date | None:
        """The day after which the next scheduled release falls due, or None if none is left."""
        upcoming = [r.due_after for r in self.releases(start_day, end_day) if r.due_after >= today]
        return min(upcoming, default=None)
