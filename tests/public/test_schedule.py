"""The release calendar: scheduled releases cover every quarter and never need more than the cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.assess.periods import Period, quarter_of
from portal.domain.disclosure import BudgetEntry, BudgetPolicy, charge
from portal.public.schedule import ReleaseSchedule

IQ_START, IQ_END = dt.date(2026, 1, 1), dt.date(2033, 12, 31)


def _names(quarters: tuple[Period, ...]) -> list[str]:
    return [str(q) for q in quarters]


def test_default_schedule_releases_twice_a_year_at_half_the_cap() -> None:
    schedule = ReleaseSchedule()
    assert schedule.epsilon_per_release == Decimal("0.5")
    assert schedule.releases_per_quarter == 2
    due = schedule.due_quarters
    assert due(IQ_START, IQ_END, dt.date(2026, 6, 30)) == ()
    assert _names(due(IQ_START, IQ_END, dt.date(2026, 7, 1))) == ["2026-Q1", "2026-Q2"]
    assert _names(due(IQ_START, IQ_END, dt.date(2026, 12, 31))) == ["2026-Q1", "2026-Q2"]
    assert _names(due(IQ_START, IQ_END, dt.date(2027, 7, 1))) == [
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]
    # Long after the end the last window is the one with the final quarter, not an empty one.
    assert _names(due(IQ_START, IQ_END, dt.date(2040, 1, 1)))[-1] == "2033-Q4"
    assert schedule.next_release_after(IQ_START, IQ_END, dt.date(2026, 11, 27)) == dt.date(
        2026, 12, 31
    )
    assert schedule.next_release_after(IQ_START, IQ_END, dt.date(2034, 1, 1)) is None


def test_quarterly_releases_spend_a_quarter_of_the_cap() -> None:
    assert ReleaseSchedule(every=1).epsilon_per_release == Decimal("0.25")
    assert ReleaseSchedule(every=3).epsilon_per_release == Decimal("0.5")
    assert ReleaseSchedule(every=4).epsilon_per_release == Decimal("1")
    assert ReleaseSchedule(window=3, every=1).epsilon_per_release == Decimal("0.3333")
    with pytest.raises(ValueError, match="once per window"):
        ReleaseSchedule(window=2, every=3)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    years=st.integers(1, 10),
    window=st.integers(1, 6),
    every=st.integers(1, 6),
    cap=st.sampled_from([Decimal("0.5"), Decimal("1.0"), Decimal("2")]),
)
def test_scheduled_releases_cover_every_quarter_within_the_cap(
    start: dt.date, years: int, window: int, every: int, cap: Decimal
) -> None:
    every = min(every, window)
    schedule = ReleaseSchedule(window=window, every=every, budget=BudgetPolicy(cap))
    end = dt.date(start.year + years, start.month, 1) - dt.timedelta(days=1)
    ledger: list[BudgetEntry] = []
    made: list[tuple[Period, ...]] = []
    day = quarter_of(start).first_month
    while day.year <= end.year + 3:
        due = schedule.due_quarters(start, end, day)
        if due and due not in made:
            assert len(due) <= window
            assert all(q.end_day < day for q in due), "only ended quarters"
            assert due[0].end_day >= start and due[-1].first_month <= end
            ledger.extend(
                charge(  # raises BudgetExhausted if the schedule overspends
                    schedule.budget,
                    ledger,
                    compact_id="c",
                    quarters=[str(q) for q in due],
                    epsilon=schedule.epsilon_per_release,
                    release_id=f"r{len(made)}",
                )
            )
            made.append(due)
        next_quarter = quarter_of(day)
        day = next_quarter.end_day + dt.timedelta(days=1)
    covered = {str(q) for window_ in made for q in window_}
    quarter = quarter_of(start)
    while quarter.first_month <= end:
        assert str(quarter) in covered, f"{quarter} never published"
        quarter = Period(quarter.year + (quarter.quarter == 4), (quarter.quarter or 0) % 4 + 1)
