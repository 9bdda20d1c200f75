"""The transparency page as a visitor sees it: any language, no account, nothing small."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.config import LOCALES, RTL_LOCALES
from portal.domain.models import Compact, CompactStatus, Role, TierDecision
from portal.domain.scoring import STATE_LABELS, State
from portal.web.services import EXTENSION
from tests.conftest import sign_in

from .conftest import EXACT, PAGE, counts_table, region_names
from .conftest import value as figure_value

SECRET_REASON = "torture at the Kirkuk airport checkpoint by the 7th Brigade"


def _page(client: FlaskClient, path: str = PAGE) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", LOCALES)
def test_page_renders_in_every_locale_with_lang_and_dir(
    app: Flask, seeded: Compact, session: Session, locale: str
) -> None:
    compute_scorecard(session, seeded, Period(2026))
    session.commit()
    page = _page(app.test_client(), f"{PAGE}?lang={locale}")
    tag = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', page)
    assert tag and tag.groups() == (locale, "rtl" if locale in RTL_LOCALES else "ltr")
    with app.test_request_context(f"/?lang={locale}"):
        from flask_babel import gettext

        passed = gettext(STATE_LABELS[State.PASS])
        no_data = gettext(STATE_LABELS[State.NO_DATA])
    # State labels come from the catalogue's translations, not English text.
    assert passed in page or no_data in page
    if locale != "en":
        assert "No data</span>" not in page
    table = counts_table(page)
    # Mid-January 2027: the two half-years of 2026 are published, newest first.
    assert table is not None and len(table.columns) == 3
    assert "<script" not in page


def test_anonymous_visitors_need_no_account_and_staff_see_the_same(
    app: Flask,
    seeded: Compact,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    anonymous = app.test_client()
    response = anonymous.get(PAGE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    staff = app.test_client()
    sign_in(staff, "assessor@example.org")
    assert counts_table(_page(staff)) == counts_table(_page(anonymous))
    index = _page(anonymous, "/public/compacts/")
    assert f'href="{PAGE}"' in index


def test_unknown_and_draft_compacts_are_not_found(
    app: Flask, demo: Compact, session: Session
) -> None:
    client = app.test_client()
    assert client.get("/public/compacts/xx-1999").status_code == 404
    assert client.get("/public/compacts/%27%20OR%201%3D1").status_code == 404
    draft = session.scalar(select(Compact).where(Compact.slug == "so-2026"))
    assert draft is not None
    draft.status = CompactStatus.DRAFT
    session.commit()
    assert client.get("/public/compacts/so-2026").status_code == 404
    assert "so-2026" not in _page(client, "/public/compacts/")


def test_no_count_from_one_to_ten_is_ever_shown(app: Flask, seeded: Compact) -> None:
    table = counts_table(_page(app.test_client()))
    assert table is not None
    assert table.columns[1:] == ["Jul\u2009–\u2009Dec 2026", "Jan\u2009–\u2009Jun 2026"]
    name = region_names()
    halves = {region: (sum(c[2:]), sum(c[:2])) for region, c in EXACT.items()}  # newest first
    for region, exact in halves.items():
        for (kind, text), count in zip(table.rows[name(region)], exact, strict=True):
            if count <= 10:
                assert kind == "too_few" and text == "Too few to show", (region, count, text)
    # Whatever the noise did, every number on the page is at least 11 and has its margin.
    numbers = table.numbers()
    assert numbers, "some figures should be published"
    assert all(n >= 11 for n in numbers), numbers
    # Every region of the country has its row, incidents or not, plus the unrecorded one.
    assert len(table.rows) == 18 + 1 + 1
    # Parts never exceed their total, and equal it when every part is shown.
    for column in range(2):
        total_kind, total_text = table.rows["All regions"][column]
        parts = [
            cells[column] for row, cells in table.rows.items() if row != "All regions"
        ]
        shown = [figure_value(text) for kind, text in parts if kind == "count"]
        if total_kind == "count":
            assert sum(shown) <= figure_value(total_text)
            if len(shown) == len(parts):
                assert sum(shown) == figure_value(total_text)


def test_indicator_states_are_the_latest_annual_scorecard_on_exact_data(
    app: Flask, seeded: Compact, session: Session
) -> None:
    annual = compute_scorecard(session, seeded, Period(2026))
    session.commit()
    expected = {e.indicator_code: e.state for e in annual.entries}
    # A later quarterly scorecard is not an annual assessment.
    compute_scorecard(session, seeded, Period(2026, 4))
    session.commit()
    page = _page(app.test_client())
    assert "Annual assessment 2026" in page
    shown = dict(
        re.findall(
            r'<span class="code" dir="ltr">([A-Z]{2}-\d)</span>.*?'
            r'<span class="state state-(\w+)">',
            page,
            re.S,
        )
    )
    assert {code: state.upper() for code, state in shown.items()} == expected
    assert len(expected) == 16
    # Labels only: the estimates and interval bounds stay with the assessors.
    for entry in annual.entries:
        for value in (entry.estimate, entry.lower, entry.upper):
            if value not in (None, 0.0, 1.0):
                assert f"{value:.3f}" not in page


def test_tier_history_shows_period_and_tier_never_the_justification(
    app: Flask,
    seeded: Compact,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    assessor = make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    for period, tier in (("2026-Q2", 0), ("2026", 1)):
        session.add(
            TierDecision(
                compact_id=seeded.id,
                period=period,
                tier=tier,
                justification=SECRET_REASON,
                decided_by_id=assessor.id,
            )
        )
    session.commit()
    page = _page(app.test_client())
    assert SECRET_REASON not in page and "Kirkuk" not in page
    assert "Tier in force: 1." in page
    assert "Non-lethal equipment and training" in page
    assert "Apr\u2009–\u2009Jun 2026" in page


def test_a_compact_with_nothing_to_show_says_so(app: Flask, demo: Compact) -> None:
    page = _page(app.test_client())
    assert "No tier decision has been recorded yet." in page
    assert "No annual assessment has been made yet." in page
    # No incidents at all is still a table, and the noise invents nothing in it.
    table = counts_table(page)
    assert table is not None
    assert table.numbers() == []
    assert {kind for cells in table.rows.values() for kind, _ in cells} == {"too_few"}


def test_page_has_no_per_report_data(app: Flask, seeded: Compact) -> None:
    services = app.extensions[EXTENSION]
    with services.database.transaction() as s:
        from portal.domain.models import IncidentCluster

        public_ids = list(s.scalars(select(IncidentCluster.public_id)))
    page = _page(app.test_client())
    assert not any(pid in page for pid in public_ids)
    assert "/desk/" not in page and "/report/" not in page.replace('"/report/new"', "")
