"""Releases: the fixed hierarchy of half-years and years, ε recorded per quarter and capped,
figures kept between visits, extra releases never taking a scheduled release's budget."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.disclosure import DISCRETE_LAPLACE, publish
from portal.domain.models import AuditEvent, Compact, PrivacyBudgetSpend
from portal.public.counts import exact_table
from portal.public.ledger import release_from_json, stored_releases, table_to_json
from portal.public.schedule import ReleaseSchedule
from portal.public.service import Outcome, release, release_aggregates
from portal.public.settings import EXTENSION as PUBLIC
from portal.public.settings import PublicSettings, public_settings, secure_rng
from portal.web.services import EXTENSION

from .conftest import (
    PAGE,
    QUARTERS_2026,
    Clock,
    add_clusters,
    counts_table,
    spends,
    spent_per_quarter,
)


def _view(client: FlaskClient) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["portal", "public", *args])
    return result.exit_code, result.output


def _room_for_one_extra(app: Flask) -> None:
    app.extensions[PUBLIC] = dataclasses.replace(
        public_settings(app), schedule=ReleaseSchedule(extras=1)
    )


def test_first_view_releases_the_half_years_once_and_later_views_spend_nothing(
    app: Flask, seeded: Compact, session: Session
) -> None:
    client = app.test_client()
    first = counts_table(_view(client))
    rows = spends(session, seeded)
    assert [r.quarter for r in rows] == list(QUARTERS_2026)
    assert {r.epsilon for r in rows} == {0.5}
    assert {r.mechanism for r in rows} == {DISCRETE_LAPLACE}
    assert len({r.release_id for r in rows}) == 2  # 2026-H1 and 2026-H2
    # The released figures are stored with the spend, and are what the page shows.
    names = [release_from_json(r.released).name for r in rows]
    assert names == ["2026-H1", "2026-H1", "2026-H2", "2026-H2"]
    stored = release_from_json(rows[0].released)
    assert stored.epsilon == Decimal("0.5") and stored.zero_risk == 1e-6
    assert stored.total_level.epsilon + stored.region_level.epsilon == 0.5

    for _ in range(25):
        assert counts_table(_view(app.test_client())) == first
    assert len(spends(session, seeded)) == 4
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("0.5"))
    # New verified incidents change nothing until a new release: no fresh noise to average.
    add_clusters(session, seeded, {"IQ-BG": (30, 30, 30, 30)})
    assert counts_table(_view(client)) == first
    assert len(spends(session, seeded)) == 4
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "public.release"))
    assert [(e.detail["period"], e.detail["quarters"]) for e in events] == [
        ("2026-H1", list(QUARTERS_2026[:2])),
        ("2026-H2", list(QUARTERS_2026[2:])),
    ]


def test_an_extra_release_never_takes_the_budget_of_the_next_scheduled_one(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    # Issue 10, point 7: `--again` used to spend the budget a later scheduled release of the
    # same quarters was planned with, and that release was then refused.
    client = app.test_client()
    _view(client)
    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code != 0 and "kept for scheduled releases" in output, output
    assert len(spends(session, seeded)) == 4  # nothing spent
    clock.day = dt.date(2027, 7, 1)  # the whole year 2026 (second look) and 2027-H1 are due
    page = _view(client)
    assert "the privacy budget for those quarters is used up" not in page
    spent = spent_per_quarter(session, seeded)
    assert {q: spent[q] for q in QUARTERS_2026} == dict.fromkeys(QUARTERS_2026, Decimal("1.0"))
    assert spent["2027-Q1"] == spent["2027-Q2"] == Decimal("0.5")
    table = counts_table(page)
    assert table is not None
    assert table.columns[1:] == [
        "Jan\u2009–\u2009Jun 2027", "Jan\u2009–\u2009Dec 2026", "Jul\u2009–\u2009Dec 2026"
    ]


def test_a_release_past_the_cap_is_refused_and_the_page_keeps_the_last_one(
    app: Flask, seeded: Compact, session: Session
) -> None:
    _room_for_one_extra(app)  # each release ε = 1/3; one third of each quarter for an extra
    client = app.test_client()
    first = counts_table(_view(client))

    code, output = _cli(app, "release", "--compact", "iq-2026")
    assert code == 0 and "already released" in output
    assert len(spends(session, seeded)) == 4

    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code == 0 and "released 2026-H2 (2026-Q3, 2026-Q4)" in output, output
    second = counts_table(_view(client))
    assert second != first  # fresh noise, and the page shows the newest release first

    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code != 0 and "refused" in output
    assert len(spends(session, seeded)) == 6
    assert counts_table(_view(client)) == second

    code, output = _cli(app, "budget", "--compact", "iq-2026")
    assert code == 0
    assert "2026-Q3: ε 0.6666 of 1 spent" in output, output
    assert "2026-H2 2026-Q3, 2026-Q4 published" in output


def test_scheduled_releases_over_the_years_never_pass_the_cap(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    client = app.test_client()
    made = []
    for day in (
        dt.date(2026, 3, 1),  # nothing due yet
        dt.date(2026, 7, 2),  # 2026-H1
        dt.date(2026, 10, 5),  # nothing new
        dt.date(2027, 1, 15),  # 2026-H2
        dt.date(2027, 7, 1),  # 2026 (the second look) and 2027-H1
        dt.date(2028, 1, 1),  # 2027-H2
        dt.date(2028, 2, 1),  # nothing new
    ):
        clock.day = day
        page = _view(client)
        assert "cannot be published" not in page
        made.append(len({r.release_id for r in spends(session, seeded)}))
    assert made == [0, 1, 1, 2, 4, 5, 5]
    spent = spent_per_quarter(session, seeded)
    assert max(spent.values()) == Decimal("1.0")
    assert spent["2026-Q1"] == spent["2026-Q4"] == Decimal("1.0")
    assert spent["2027-Q3"] == Decimal("0.5")  # its second look comes in mid-2028


def test_nothing_is_released_before_the_first_release_date(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    clock.day = dt.date(2026, 5, 20)
    page = _view(app.test_client())
    assert counts_table(page) is None
    assert "No quarter of this compact has been published yet." in page
    assert "Next figures due after Jun 30, 2026." in page
    assert spends(session, seeded) == []


def test_a_handful_of_small_counts_shows_nothing_and_invents_nothing(
    app: Flask, demo: Compact, session: Session
) -> None:
    # Eight regions with one incident each: nothing reaches the threshold, so nothing is shown,
    # and the page never prints a number for them.
    eight = ("IQ-AN", "IQ-BA", "IQ-MU", "IQ-QA", "IQ-NA", "IQ-AR", "IQ-SU", "IQ-BG")
    add_clusters(session, demo, {region: (0, 1, 0, 0) for region in eight})
    table = counts_table(_view(app.test_client()))
    assert table is not None and table.numbers() == []


def test_two_releases_at_once_cannot_overspend(
    app: Flask, seeded: Compact, session: Session
) -> None:
    _room_for_one_extra(app)
    _view(app.test_client())  # 1/3 spent on each quarter, 1/3 kept for the year: room for one
    database = app.extensions[EXTENSION].database
    settings = public_settings(app)
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with database.transaction() as s:
                compact = s.get(Compact, seeded.id)
                assert compact is not None
                start.wait(timeout=10)
                result = release(
                    s,
                    compact,
                    settings.schedule,
                    today=settings.today(),
                    rng=settings.rng,
                    again=True,
                )
                outcomes.append(result.outcome)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.RELEASED, Outcome.REFUSED])
    spent = spent_per_quarter(session, seeded)
    assert spent["2026-Q3"] == spent["2026-Q4"] == Decimal("0.6666")
    assert spent["2026-Q1"] == Decimal("0.3333")


def test_real_releases_draw_from_an_unpredictable_seed() -> None:
    assert PublicSettings().rng is secure_rng
    draws = {tuple(secure_rng().integers(0, 2**62, size=4)) for _ in range(5)}
    assert len(draws) == 5


def test_a_first_design_table_is_never_shown_again_but_stays_in_budget_and_audit(
    app: Flask, seeded: Compact, session: Session
) -> None:
    # A region × quarter table of the first design (format 1), whose noise could invent figures.
    quarters = tuple(Period.parse(q) for q in QUARTERS_2026)
    table = publish(
        exact_table(session, seeded, quarters),
        epsilon=Decimal("0.5"),
        release_id="legacy",
        ledger=(),
        rng=np.random.default_rng(1),
    ).table
    for quarter in QUARTERS_2026:
        session.add(
            PrivacyBudgetSpend(
                compact_id=seeded.id,
                quarter=quarter,
                epsilon=0.5,
                mechanism=DISCRETE_LAPLACE,
                release_id="legacy",
                released=table_to_json(table),
                spent_day=dt.date(2026, 12, 1),
            )
        )
    session.commit()
    page = _view(app.test_client())
    shown = counts_table(page)
    assert shown is not None and len(shown.columns) == 3  # the two half-years only
    [legacy] = [r for r in stored_releases(spends(session, seeded)) if r.legacy is not None]
    aggregates = release_aggregates(legacy.release_id, legacy.key, legacy, None)
    assert len(aggregates) == 19 * 4 + 19 + 4 + 1  # cells, region totals, quarters, total
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("1.0"))
