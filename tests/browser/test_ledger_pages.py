"""The assistance ledger pages on a 360 px phone with JavaScript off, left-to-right and
right-to-left: no sideways scroll, nothing sticking out, tables read as labelled cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.domain.models import Compact, Role, UnitFlag, User
from portal.ledger import grants, service
from tests.conftest import PASSWORD
from tests.ledger.books import TODAY, new_compact, tranche

from .conftest import Layout, OpenPage
from .test_landing import sign_in

pytestmark = pytest.mark.browser

MakeUser = Callable[..., User]


@pytest.fixture
def books(session: Session, make_user: MakeUser) -> Compact:
    compact = new_compact(session)
    assessor = make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    service.record_disbursement(
        session, assessor, compact, tranche("light_lethal", unit="Special Forces Command"),
        justification="Board minute 2026-14: radios before the rains, tier review due.",
        today=TODAY,
    )
    grant = grants.propose(session, assessor, compact, grants.Proposal(
        "Ombudsman hotline for complaints against the police", "Civil Monitoring Network",
        "civil_society", "", Decimal("2500.00"), "Complaints answered within 30 days", "20%",
        "70%"))
    session.commit()
    grants.review(session, assessor, compact, grant.public_id, award=Decimal("500.00"),
                  note="Fits the oversight priority of the compact.", today=TODAY)
    grants.propose(session, assessor, compact, grants.Proposal(
        "Pay-roll audit", "Ministry of Interior inspectorate", "partner_institution", "",
        Decimal("900.00"), "Ghost soldiers found", "unknown", "0"))
    session.add(UnitFlag(compact_id=compact.id, unit_name="", unit_match="", incidents=4,
                         window_months=12, since=dt.date(2026, 5, 1), unit_key="c" * 64))
    session.commit()
    return compact


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_ledger_pages_fit_a_phone(
    open_page: OpenPage, app: Flask, books: Compact, layout: Layout, lang: str
) -> None:
    page = open_page("/auth/login")
    sign_in(page, app, "assessor@example.org", PASSWORD)
    for path in (
        f"/assess/compacts/{books.slug}/assistance?lang={lang}",
        f"/assess/assistance/catalogue?lang={lang}",
        f"/assess/assistance/levy?lang={lang}",
        f"/assess/compacts/{books.slug}/assistance/reconciliation?quarter=2026Q1&lang={lang}",
        f"/assess/compacts/{books.slug}?lang={lang}",
        f"/assess/compacts/{books.slug}/grants?lang={lang}",
        f"/assess/compacts/{books.slug}/vetting?lang={lang}",
        f"/public/compacts/{books.slug}?lang={lang}",
    ):
        page.goto(path)
        assert "/auth/" not in page.url, path
        assert page.locator("main h1").count() == 1, path
        assert layout.horizontal_overflow(page) == 0, path
        assert layout.elements_outside_viewport(page) == [], path
        if page.locator("main .ledger").count():
            assert layout.small_touch_targets(page, within="main .ledger") == [], path
