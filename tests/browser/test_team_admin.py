"""The administration's part of a team's day, in a real browser, without Python or SQL.

An admin invites a verifier and an assessor, each accepts through their one-time link and signs
in (enrolling their phone), a colleague who holds the Iraq desk's key grants the new verifier
access, the verifier then opens a report sealed to that desk, and an API token the admin made
reads through the API. The operator's part (`portal demo`: desks, compacts, the first accounts)
is the only setup. Extend `team.py` for the rest of the day (triage, incidents, plans, scores).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask

from portal.config import Config

from .conftest import Layout, OpenPage, Snapshot
from .team import Team, accept_invitation, grant_desk_access, invite, make_api_token
from .test_reporter_flow import ENGLISH, send_a_report

pytestmark = pytest.mark.browser

NOUR = "nour@example.org"
SAM = "sam@example.org"
NOUR_PASSWORD = "tamarind kite over basra 19"
SAM_PASSWORD = "eleven quiet ledgers in a row"
NARRATIVE = "At the bridge checkpoint the police took money from every minibus driver."


@pytest.fixture
def operator_setup(app: Flask) -> Flask:
    """What an operator does once per instance before anyone signs in."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def test_an_admin_brings_a_verifier_and_an_assessor_in_and_a_token_reads_the_api(
    operator_setup: Flask,
    config: Config,
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
) -> None:
    team = Team(open_page)

    # The admin, on a phone: sign in from the landing page (the phone is enrolled on the way).
    admin = team.person("admin")
    admin.open("/")
    admin.follow("Sign in (staff and members)")
    admin.sign_in("admin@demo.test", config.demo_password)
    assert admin.path == "/admin/", "an admin lands on the administration"
    verifier_link = invite(admin, NOUR, "Nour", roles=["Verifier"], desks=("Iraq desk",))
    assessor_link = invite(admin, SAM, "Sam", roles=["Assessor"])
    admin.follow("Accounts", within="main")
    assert admin.main_text().count("Invited: has not set a password yet") == 2
    admin.fits_the_screen(layout)
    snapshot(admin.page, "accounts")

    # The verifier accepts on their phone; their desk access waits, and they see that it waits.
    verifier = team.person("verifier")
    recovery = accept_invitation(verifier, verifier_link, NOUR_PASSWORD)
    verifier.sign_in(NOUR, NOUR_PASSWORD)
    assert verifier.path == "/auth/account"
    assert "waits until someone who holds the desk's key grants it" in verifier.notice()
    verifier.fits_the_screen(layout)

    # The assessor accepts on a laptop and lands on the compacts.
    assessor = team.person("assessor", width=1280)
    accept_invitation(assessor, assessor_link, SAM_PASSWORD)
    assessor.sign_in(SAM, SAM_PASSWORD)
    assert assessor.path == "/assess/"

    # A colleague at the Iraq desk, whose session holds the desk key, sees who waits and grants.
    colleague = team.person("colleague", width=1280)
    colleague.sign_in("verifier@demo.test", config.demo_password)
    assert colleague.path == "/desk/"
    grant_desk_access(colleague, NOUR, "Iraq desk")

    # A reporter sends a report to the Iraq desk; the new verifier opens and reads it.
    reporter = team.person("reporter")
    reporter.open("/report/new?lang=en")
    send_a_report(reporter.page, ENGLISH, NARRATIVE)
    verifier.follow("Verification desk", within=".staff-bar")
    assert verifier.path == "/desk/"
    verifier.click(verifier.page.locator("main a[href*='/desk/reports/']").first)
    assert NARRATIVE in verifier.main_text(), verifier.main_text()[:800]
    verifier.fits_the_screen(layout)
    snapshot(verifier.page, "report-opened")

    # The admin makes an API token for the assessor's dashboard; it reads through the API.
    admin.follow("Administration", within=".staff-bar")
    token = make_api_token(
        admin, "ministry dashboard", owner=SAM, reads=["Compacts and indicators"]
    )
    admin.fits_the_screen(layout)
    answer = admin.page.request.get(
        "/api/v1/compacts", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200, answer.text()[:300]
    assert any(c["country"] == "IQ" for c in answer.json()["compacts"]), answer.text()[:300]
    refused = admin.page.request.get("/api/v1/compacts", headers={"Authorization": "Bearer cwt_x"})
    assert refused.status == 401
    admin.follow("API tokens", within="main")
    assert "ministry dashboard" in admin.main_text() and token not in admin.main_text()

    assert recovery not in admin.page.content()
    print(f"\nadmin part of a team's day: {team.tallies()}")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_administration_pages_fit_a_phone(
    operator_setup: Flask,
    config: Config,
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
    lang: str,
) -> None:
    team = Team(open_page)
    admin = team.person("admin")
    admin.sign_in("admin@demo.test", config.demo_password)
    link = invite(admin, NOUR, "Nour", roles=["Verifier"], desks=("Iraq desk",))
    admin.follow("Accounts", within="main")
    admin.click(admin.page.get_by_role("link", name=NOUR, exact=True))
    account_page = admin.path
    pages = [
        account_page, "/admin/users", "/admin/users/invite", "/admin/organisations/new",
        "/admin/tokens/new", "/admin/tokens", "/desk/access", "/auth/account",
    ]  # fmt: skip
    for path in pages:
        admin.open(f"{path}?lang={lang}")
        assert admin.page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        admin.fits_the_screen(layout)
        assert layout.small_touch_targets(admin.page, within="main") == [], path
        snapshot(admin.page, f"{lang}-{path.strip('/').replace('/', '-')}")
    newcomer = team.person("newcomer")
    newcomer.open(f"{urlsplit(link).path}?lang={lang}")
    newcomer.fits_the_screen(layout)
    assert layout.small_touch_targets(newcomer.page, within="main") == []
