"""Releases: ε recorded per quarter and capped, cached between visits, refused past the cap."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.disclosure import DISCRETE_LAPLACE
from portal.domain.models import AuditEvent, Compact
from portal.public.ledger import WITHHELD, table_from_json
from portal.public.service import Outcome, release
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


def test_first_view_releases_once_and_later_views_spend_nothing(
    app: Flask, seeded: Compact, session: Session
) -> None:
    client = app.test_client()
    first = counts_table(_view(client))
    rows = spends(session, seeded)
    assert [r.quarter for r in rows] == list(QUARTERS_2026)
    assert {r.epsilon for r in rows} == {0.5}
    assert {r.mechanism for r in rows} == {DISCRETE_LAPLACE}
    assert len({r.release_id for r in rows}) == 1
    # The released table is cached with the spend, and is what the page shows.
    cached = table_from_json(rows[0].released)
    assert cached.key.quarters == QUARTERS_2026 and cached.epsilon == Decimal("0.5")
    assert all(r.released == rows[0].released for r in rows)

    for _ in range(25):
        assert counts_table(_view(app.test_client())) == first
    assert len(spends(session, seeded)) == 4
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("0.5"))
    # New verified incidents change nothing until a new release: no fresh noise to average.
    add_clusters(session, seeded, {"IQ-BG": (30, 30, 30, 30)})
    assert counts_table(_view(client)) == first
    assert len(spends(session, seeded)) == 4
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "public.release"))
    assert [e.detail["quarters"] for e in events] == [list(QUARTERS_2026)]


def test_a_release_past_the_cap_is_refused_and_the_page_keeps_the_last_one(
    app: Flask, seeded: Compact, session: Session
) -> None:
    # The compact ends with 2026, so no scheduled release will come back to its quarters and
    # their second half of the cap is free for one extra release.
    seeded.end_day = dt.date(2026, 12, 31)
    session.commit()
    client = app.test_client()
    first = counts_table(_view(client))

    code, output = _cli(app, "release", "--compact", "iq-2026")
    assert code == 0 and "already released" in output
    assert len(spends(session, seeded)) == 4

    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code == 0 and "released 2026-Q1, 2026-Q2, 2026-Q3, 2026-Q4" in output, output
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("1.0"))
    second = counts_table(_view(client))
    assert second != first  # fresh noise, and the page shows the newest release

    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code != 0 and "refused" in output
    assert len(spends(session, seeded)) == 8
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("1.0"))
    assert counts_table(_view(client)) == second

    code, output = _cli(app, "budget", "--compact", "iq-2026")
    assert code == 0
    assert "2026-Q3: ε 1 of 1 spent" in output


def test_scheduled_releases_over_the_years_never_pass_the_cap(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    client = app.test_client()
    releases = 0
    for day in (
        dt.date(2026, 3, 1),  # nothing due yet
        dt.date(2026, 7, 2),  # Q1–Q2 2026
        dt.date(2026, 10, 5),  # still Q1–Q2 2026
        dt.date(2027, 1, 15),  # 2026
        dt.date(2027, 7, 1),  # Q3 2026 – Q2 2027
        dt.date(2028, 1, 1),  # 2027
        dt.date(2028, 2, 1),  # still 2027
    ):
        clock.day = day
        page = _view(client)
        assert "cannot be published" not in page
        ids = {r.release_id for r in spends(session, seeded)}
        assert len(ids) in (releases, releases + 1)
        releases = len(ids)
    assert releases == 4
    spent = spent_per_quarter(session, seeded)
    assert max(spent.values()) == Decimal("1.0")
    assert spent["2026-Q1"] == spent["2026-Q4"] == spent["2027-Q2"] == Decimal("1.0")
    assert spent["2027-Q3"] == Decimal("0.5")  # its second look comes in mid-2028
    page = _view(client)
    table = counts_table(page)
    assert table is not None
    assert table.columns[1:5] == ["Q1 2027", "Q2 2027", "Q3 2027", "Q4 2027"]
    assert "Jan\u2009–\u2009Mar 2027 to Oct\u2009–\u2009Dec 2027" in page


def test_an_extra_release_never_takes_the_budget_of_the_next_scheduled_one(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    # Issue 10, point 7: `--again` on the 2026 window used to spend 2026-Q3 and Q4's second
    # half-cap, and the scheduled mid-2027 release covering them was then refused.
    client = app.test_client()
    _view(client)
    code, output = _cli(app, "release", "--compact", "iq-2026", "--again")
    assert code != 0 and "kept for scheduled releases" in output, output
    assert len(spends(session, seeded)) == 4  # nothing spent
    clock.day = dt.date(2027, 7, 1)  # the next scheduled window: 2026-Q3 to 2027-Q2
    page = _view(client)
    assert "the privacy budget for those quarters is used up" not in page
    assert len(spends(session, seeded)) == 8
    spent = spent_per_quarter(session, seeded)
    assert spent["2026-Q3"] == spent["2026-Q4"] == Decimal("1.0")
    assert spent["2027-Q1"] == Decimal("0.5")


def test_nothing_is_released_before_the_first_release_date(
    app: Flask, seeded: Compact, session: Session, clock: Clock
) -> None:
    clock.day = dt.date(2026, 5, 20)
    page = _view(app.test_client())
    assert counts_table(page) is None
    assert "No quarter of this compact has been published yet." in page
    assert "Next figures due after Jun 30, 2026." in page
    assert spends(session, seeded) == []


def test_an_unprotectable_table_is_not_shown_and_says_why(
    app: Flask, demo: Compact, session: Session
) -> None:
    # Eight regions with one incident each: "fewer than 11" everywhere, and a quarter total of
    # "fewer than 11" that would pin each of them down.
    eight = ("IQ-AN", "IQ-BA", "IQ-MU", "IQ-QA", "IQ-NA", "IQ-AR", "IQ-SU", "IQ-BG")
    add_clusters(session, demo, {region: (0, 1, 0, 0) for region in eight})
    for _ in range(5):
        page = _view(app.test_client())
        assert counts_table(page) is None
        assert "So few incidents were verified" in page
    rows = spends(session, demo)
    assert [r.quarter for r in rows] == list(QUARTERS_2026)
    assert {r.epsilon for r in rows} == {0.0} and {r.mechanism for r in rows} == {WITHHELD}
    assert "cells" not in rows[0].released


def test_two_releases_at_once_cannot_overspend(
    app: Flask, seeded: Compact, session: Session
) -> None:
    seeded.end_day = dt.date(2026, 12, 31)  # no later window keeps budget for these quarters
    session.commit()
    _view(app.test_client())  # 0.5 of 1.0 spent on each quarter: room for one more release
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
    assert spent_per_quarter(session, seeded) == dict.fromkeys(QUARTERS_2026, Decimal("1.0"))


def test_real_releases_draw_from_an_unpredictable_seed() -> None:
    assert PublicSettings().rng is secure_rng
    draws = {tuple(secure_rng().integers(0, 2**62, size=4)) for _ in range(5)}
    assert len(draws) == 5
