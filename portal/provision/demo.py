"""`portal demo`: desks, compacts, the catalogue and demo accounts (DESIGN §12). Idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.plans import first_plan
from portal.auth.passwords import PasswordHashParams
from portal.crypto import PersonalKeys
from portal.domain.models import (
    Compact,
    CompactDesk,
    CompactStatus,
    Desk,
    DeskKey,
    Organisation,
    Report,
    Role,
    User,
)
from portal.i18n.places import country_name, regions
from portal.keys.desks import provision_desk_key
from portal.provision.accounts import NewAccount, create_account
from portal.provision.catalogue import sync_catalogue


@dataclass(frozen=True)
class DemoCountry:
    alpha_2: str
    partner: str
    population: int
    start: dt.date
    years: int
    # Stable names in URLs and commands (`--compact iq-2026`); kept when the demo's dates moved
    # back to 2024 so that two years of evidence fit inside the compacts.
    slug: str


# Populations are rounded public estimates; they are the exposure denominators of the demo plans.
COUNTRIES: tuple[DemoCountry, ...] = (
    DemoCountry(
        "IQ",
        "Ministry of Interior and Ministry of Defence",
        46_000_000,
        dt.date(2024, 1, 1),
        8,
        "iq-2026",
    ),
    DemoCountry(
        "SO", "Federal Government security sector", 19_000_000, dt.date(2024, 4, 1), 6, "so-2026"
    ),
    DemoCountry(
        "NE",
        "Ministry of Defence and National Gendarmerie",
        27_000_000,
        dt.date(2024, 1, 1),
        7,
        "ne-2026",
    ),
    DemoCountry(
        "PH",
        "Department of National Defense and National Police",
        115_000_000,
        dt.date(2024, 7, 1),
        10,
        "ph-2026",
    ),
)

DEMO_ORGANISATION = "Demo Civil Society Network (Iraq)"


def seed_demo(
    session: Session, *, password: str, params: PasswordHashParams, personal: PersonalKeys
) -> dict[str, int]:
    """Create what is missing; running it twice leaves the same rows as once."""
    added = {
        "indicators": sync_catalogue(session),
        "desks": 0,
        "compacts": 0,
        "accounts": 0,
        "desk keys": 0,
    }
    session.flush()
    for country in COUNTRIES:
        desk = _desk(session, country)
        if desk is None:
            desk = Desk(
                code=country.alpha_2,
                name=f"{country_name(country.alpha_2)} desk",
                country=country.alpha_2,
            )
            session.add(desk)
            session.flush()
            added["desks"] += 1
        found = session.scalar(select(Compact).where(Compact.slug == _slug(country)))
        if found is None:
            _add_compact(session, country, desk)
            added["compacts"] += 1
        else:
            _move_term(session, found, country)
    organisation = session.scalar(
        select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
    )
    if organisation is None:
        organisation = Organisation(
            public_id="demo-iq-network", name=DEMO_ORGANISATION, country="IQ", verified=True
        )
        session.add(organisation)
        session.flush()
    every_desk = frozenset(c.alpha_2 for c in COUNTRIES)
    accounts = (
        NewAccount(
            "admin@demo.test",
            "Demo Administrator",
            password,
            frozenset({Role.ADMIN}),
            every_desk,
            is_demo=True,
        ),
        NewAccount(
            "verifier@demo.test",
            "Demo Verifier",
            password,
            frozenset({Role.VERIFIER}),
            every_desk,
            is_demo=True,
        ),
        NewAccount(
            "assessor@demo.test",
            "Demo Assessor",
            password,
            frozenset({Role.ASSESSOR}),
            is_demo=True,
        ),
        NewAccount(
            "member@demo.test",
            "Demo Member",
            password,
            frozenset({Role.MEMBER}),
            organisation=organisation,
            is_demo=True,
        ),
    )
    for account in accounts:
        if session.scalar(select(User.id).where(func.lower(User.email) == account.email)) is None:
            create_account(session, account, params, personal)
            added["accounts"] += 1
    # Keys last, so that each desk key is wrapped to the demo verifier and the escrow admin.
    for desk in session.scalars(select(Desk).order_by(Desk.id)):
        if session.scalar(select(DeskKey.id).where(DeskKey.desk_id == desk.id)) is None:
            provision_desk_key(session, desk, include_pending=True)
            added["desk keys"] += 1
    return added


def _move_term(session: Session, compact: Compact, country: DemoCountry) -> None:
    """An instance seeded before the demo's compacts moved to 2024 gets their new term, while no
    evidence hangs on the old one (the story's two years must fall inside the compact)."""
    if compact.start_day == country.start:
        return
    if session.scalar(select(Report.id).where(Report.compact_id == compact.id).limit(1)):
        return
    start, end = _term(country)
    compact.start_day, compact.end_day = start, end
    compact.title = _title(country, end)


def _term(country: DemoCountry) -> tuple[dt.date, dt.date]:
    end = dt.date(country.start.year + country.years, country.start.month, 1) - dt.timedelta(days=1)
    return country.start, end


def _title(country: DemoCountry, end: dt.date) -> str:
    return f"{country_name(country.alpha_2)} security compact {country.start.year}–{end.year}"


def _slug(country: DemoCountry) -> str:
    return country.slug


def _desk(session: Session, country: DemoCountry) -> Desk | None:
    return session.scalar(select(Desk).where(Desk.code == country.alpha_2))


def _add_compact(session: Session, country: DemoCountry, desk: Desk) -> None:
    _start, end = _term(country)
    compact = Compact(
        slug=_slug(country),
        country=country.alpha_2,
        partner=country.partner,
        title=_title(country, end),
        start_day=country.start,
        end_day=end,
        status=CompactStatus.ACTIVE,
        population=country.population,
        desks=[CompactDesk(desk_id=desk.id)],
    )
    session.add(compact)
    session.flush()
    # Every catalogue indicator is a priority in the demo plans; baselines come from assessors.
    # The plan writes out the catalogue's scoring rules; it sets no HR-1 threshold and no
    # population by region, which the compact's co-designers must supply with their sources.
    session.add(
        first_plan(
            compact,
            {"population": country.population, "regions": len(regions(country.alpha_2))},
            "Demo plan: catalogue defaults, no baselines yet.",
        )
    )
