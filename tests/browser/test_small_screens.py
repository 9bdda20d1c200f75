# ruff: noqa: F811  (fixtures imported from other test modules, then named as parameters)
"""Tables on a 360 px phone, in English and Arabic, and their headers at 1280 px (issue 12.8).

The ledger, public, administration and audit pages: the document never scrolls sideways, and no
table cell cuts a word that would fit on a line of its own ("Nig er", "ad min @d em o.te st");
at 1280 px no header does ("Statu/s"). See `Layout.words_broken_in_cells` for how a cut word is
told from a word too long for its cell.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from portal import audit
from portal.auth.api_tokens import issue_token
from portal.domain.models import Compact, Role, User
from portal.provision.organisations import OrganisationFields, save_organisation
from portal.web.services import EXTENSION
from tests.conftest import PASSWORD
from tests.public.conftest import PAGE, clock, demo, seeded  # noqa: F401

from .conftest import Layout, OpenPage
from .test_landing import sign_in
from .test_ledger_pages import books  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

MakeUser = Callable[..., User]
LANGS = ["en", "ar"]
WIDE = 1280


def _fits(page: Page, layout: Layout, path: str) -> None:
    page.goto(path)
    assert "/auth/" not in page.url, path
    assert layout.horizontal_overflow(page) == 0, path
    assert layout.words_broken_in_cells(page) == [], path


def _headers_whole(page: Page, layout: Layout, path: str) -> None:
    page.goto(path)
    assert layout.words_broken_in_cells(page, within="main th") == [], path


@pytest.mark.parametrize("lang", LANGS)
def test_ledger_tables_fit_a_phone(
    open_page: OpenPage,
    app: Flask,
    books: Compact,
    layout: Layout,
    lang: str,
) -> None:
    paths = [
        f"/assess/compacts/{books.slug}/assistance?lang={lang}",
        f"/assess/assistance/catalogue?lang={lang}",
        f"/assess/assistance/levy?lang={lang}",
        f"/assess/compacts/{books.slug}/assistance/reconciliation?quarter=2026Q1&lang={lang}",
        f"/assess/compacts/{books.slug}/grants?lang={lang}",
        f"/assess/compacts/{books.slug}/vetting?lang={lang}",
        f"/public/compacts/{books.slug}?lang={lang}",
    ]
    phone = open_page("/auth/login")
    sign_in(phone, app, "assessor@example.org", PASSWORD)
    wide = open_page("/auth/login", width=WIDE)
    sign_in(wide, app, "assessor@example.org", PASSWORD)
    for path in paths:
        _fits(phone, layout, path)
        _headers_whole(wide, layout, path)
    # Rates and unrounded amounts read as numbers of the page's language, not stored values.
    phone.goto(f"/assess/assistance/levy?lang={lang}")
    assert "0.01" not in phone.locator("main table").inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_public_tables_fit_a_phone(
    seeded: Compact,
    open_page: OpenPage,
    layout: Layout,
    lang: str,
) -> None:
    phone = open_page()
    wide = open_page(width=WIDE)
    for path in (f"{PAGE}?lang={lang}", f"/public/compacts/?lang={lang}"):
        _fits(phone, layout, path)
        _headers_whole(wide, layout, path)


@pytest.fixture
def administration(app: Flask, session: Session, make_user: MakeUser) -> User:
    """Accounts of every role, an organisation, a token, and audit events of many kinds."""
    admin = make_user("administrator.of.the.portal@example.org", roles=(Role.ADMIN,))
    verifier = make_user("verifier@example.org", desks=("IQ",))
    make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    server_key = app.extensions[EXTENSION].keyring.server_key
    save_organisation(
        session,
        admin,
        OrganisationFields("Civil Monitoring Network of Nineveh", "IQ", True, "+964 770 000 0000"),
        server_key,
    )
    issue_token(session, admin, "Quarterly dashboard", ["scorecards:read"], created_by=admin)
    for action, detail in (
        ("report.transition", {"from": "in_review", "to": "partially_verified"}),
        ("report.assign", {"to": verifier.id}),
        (
            "compact.edit",
            {"changes": {"status": ["draft", "active"], "end_day": ["2031-01-01", "2032-06-30"]}},
        ),
        ("account.invited", {"roles": ["verifier"], "desks": ["IQ"], "organisation": None}),
        ("retention.purge", {"as_of": "2026-12-01", "reports": {"IQ": 3}, "complete": True}),
    ):
        audit.record(
            session,
            actor_id=admin.id,
            action=action,
            object_type="report",
            object_id="x" * 22,
            detail=detail,
        )
    session.commit()
    return admin


@pytest.mark.parametrize("lang", LANGS)
def test_administration_and_audit_fit_a_phone(
    open_page: OpenPage, app: Flask, administration: User, layout: Layout, lang: str
) -> None:
    paths = [
        f"/admin/?lang={lang}",
        f"/admin/users?lang={lang}",
        f"/admin/users/{administration.id}?lang={lang}",
        f"/admin/organisations?lang={lang}",
        f"/admin/tokens?lang={lang}",
        f"/admin/audit?lang={lang}",
        f"/admin/jobs?lang={lang}",
    ]
    phone = open_page("/auth/login")
    sign_in(phone, app, administration.email, PASSWORD)
    wide = open_page("/auth/login", width=WIDE)
    sign_in(wide, app, administration.email, PASSWORD)
    for path in paths:
        _fits(phone, layout, path)
        _headers_whole(wide, layout, path)
    # The audit log's detail reads as words in the page's language, never as JSON or codes.
    phone.goto(f"/admin/audit?lang={lang}")
    details = phone.locator("main .audit-detail").all_inner_texts()
    assert details and not any("{" in d or "partially_verified" in d for d in details)
    assert any("verifier@example.org" in d for d in details)


def test_a_cut_word_is_found_and_a_word_too_long_for_the_page_is_not(
    open_page: OpenPage, layout: Layout
) -> None:
    page = open_page()
    page.set_content(
        "<main><table><tr>"
        '<td style="overflow-wrap: anywhere; width: 1px">Niger</td>'
        "<td>Niamey, Tillabéri and Dosso</td>"
        '<td style="overflow-wrap: anywhere; width: 1px">'
        "an.address.longer.than.a.phone.is.wide.on.any.screen.at.all@example.org</td>"
        '<td style="width: 100%">A long sentence that fills the rest of the table row.</td>'
        "</tr></table></main>"
    )
    found = layout.words_broken_in_cells(page)
    assert len(found) == 1 and found[0].startswith('"Niger"'), found
