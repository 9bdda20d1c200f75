"""The release calendar: one fixed hierarchy (half-years nested in years), every quarter in
exactly two scheduled releases, and never more than the cap."""

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


def test_default_schedule_releases_halves_then_the_year_at_half_the_cap() -> None:
    schedule = ReleaseSchedule()
    assert schedule.epsilon_per_release == Decimal("0.5")
    assert schedule.releases_per_quarter == 2
    names = [r.name for r in schedule.releases(IQ_START, dt.date(2027, 12, 31))]
    assert names == ["2026-H1", "2026-H2", "2027-H1", "2026", "2027-H2", "2027"]
    due = schedule.due
    assert due(IQ_START, IQ_END, dt.date(2026, 6, 30)) == ()
    assert [r.name for r in due(IQ_START, IQ_END, dt.date(2026, 7, 1))] == ["2026-H1"]
    year = due(IQ_START, IQ_END, dt.date(2027, 7, 1))[-1]
    assert year.name == "2026" and [str(q) for q in year.quarters] == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"
    ]
    assert schedule.next_release_after(IQ_START, IQ_END, dt.date(2026, 11, 27)) == dt.date(
        2026, 12, 31
    )
    assert schedule.next_release_after(IQ_START, IQ_END, dt.date(2034, 7, 1)) is None


def test_a_compact_starting_mid_year_has_no_year_repeating_its_half() -> None:
    schedule = ReleaseSchedule()
    releases = schedule.releases(dt.date(2026, 7, 1), dt.date(2027, 3, 31))
    assert [(r.name, [str(q) for q in r.quarters]) for r in releases] == [
        ("2026-H2", ["2026-Q3", "2026-Q4"]),
        ("2027-H1", ["2027-Q1"]),
    ]


def test_extra_releases_are_planned_into_the_cap() -> None:
    assert ReleaseSchedule(extras=1).epsilon_per_release == Decimal("0.3333")
    assert ReleaseSchedule(extras=2).epsilon_per_release == Decimal("0.25")
    with pytest.raises(ValueError, match="extras"):
        ReleaseSchedule(extras=-1)


def test_releases_nest_and_never_straddle() -> None:
    releases = ReleaseSchedule().releases(IQ_START, IQ_END)
    spans = [set(r.quarter_names) for r in releases]
    for a in spans:
        for b in spans:
            assert a <= b or b <= a or not a & b, (a, b)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    years=st.integers(1, 10),
    cap=st.sampled_from([Decimal("0.5"), Decimal("1.0"), Decimal("2")]),
    extras=st.integers(0, 2),
)
def test_scheduled_releases_cover_every_quarter_within_the_cap(
    start: dt.date, years: int, cap: Decimal, extras: int
) -> None:
    schedule = ReleaseSchedule(budget=BudgetPolicy(cap), extras=extras)
    end = dt.date(start.year + years, start.month, 1) - dt.timedelta(days=1)
    ledger: list[BudgetEntry] = []
    made: set[str] = set()
    day = quarter_of(start).first_month
    while day.year <= end.year + 3:
        for scheduled in schedule.due(start, end, day):
            if scheduled.name in made:
                continue
            assert all(q.end_day < day for q in scheduled.quarters), "only ended quarters"
            ledger.extend(
                charge(  # raises BudgetExhausted if the schedule overspends
                    schedule.budget,
                    ledger,
                    compact_id="c",
                    quarters=scheduled.quarter_names,
                    epsilon=schedule.epsilon_per_release,
                    release_id=scheduled.name,
                    reserved=schedule.reserved(start, end, day),
                )
            )
            made.add(scheduled.name)
        day = quarter_of(day).end_day + dt.timedelta(days=1)
    covered = {entry.quarter for entry in ledger}
    quarter = quarter_of(start)
    while quarter.first_month <= end:
        assert str(quarter) in covered, f"{quarter} never published"
        quarter = Period(quarter.year + (quarter.quarter == 4), (quarter.quarter or 0) % 4 + 1)
