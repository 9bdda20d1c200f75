"""`portal demo` seeds the demo and running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.domain.catalogue import INDICATORS
from portal.domain.models import Base, Compact, Desk, IndicatorDefinition, Role, User
from portal.i18n.places import is_region_of, regions


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        result = session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1"))
        rows[table.name] = [tuple(r) for r in result]
    return rows


def _demo(app: Flask) -> Result:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return result


def test_demo_twice_leaves_the_same_rows(app: Flask, session: Session) -> None:
    _demo(app)
    once = _snapshot(session)
    session.expire_all()
    second = _demo(app)
    assert "0 desks added" in second.output
    assert _snapshot(session) == once


def test_demo_seeds_four_countries_catalogue_and_accounts(app: Flask, session: Session) -> None:
    _demo(app)
    desks = {d.code for d in session.scalars(select(Desk))}
    assert desks == {"IQ", "SO", "NE", "PH"}
    compacts = list(session.scalars(select(Compact)))
    assert {c.country for c in compacts} == desks
    for compact in compacts:
        years = round((compact.end_day - compact.start_day).days / 365.25)
        assert 5 <= years <= 10
        assert compact.plans and len(compact.plans[0].indicators) == len(INDICATORS)
        assert regions(compact.country), compact.country
    assert session.scalar(select(IndicatorDefinition).where(IndicatorDefinition.code == "HR-1"))
    users = {u.email: u for u in session.scalars(select(User))}
    assert set(users) == {
        "admin@demo.test", "verifier@demo.test", "assessor@demo.test", "member@demo.test",
    }
    assert users["member@demo.test"].has_role(Role.MEMBER)
    assert users["member@demo.test"].organisation is not None
    assert users["member@demo.test"].organisation.country == "IQ"
    assert all(u.is_demo for u in users.values())


def test_regions_come_from_iso_3166_2() -> None:
    iraq = regions("IQ")
    assert any(p.code == "IQ-BG" for p in iraq)  # Baghdad
    assert all(is_region_of(p.code, "IQ") for p in iraq)
    assert not is_region_of("SO-BN", "IQ")


def test_an_older_demo_instance_gets_the_new_terms_while_it_holds_no_evidence(
    app: Flask, session: Session
) -> None:
    import datetime as dt

    from portal.provision.demo import COUNTRIES

    _demo(app)
    compact = session.scalar(select(Compact).where(Compact.slug == "iq-2026"))
    assert compact is not None
    compact.start_day = dt.date(2026, 1, 1)  # as `portal demo` seeded it before the story
    session.commit()
    _demo(app)
    session.expire_all()
    [iraq] = [c for c in COUNTRIES if c.alpha_2 == "IQ"]
    assert compact.start_day == iraq.start
    assert str(iraq.start.year) in compact.title
