"""The staff flows in a real browser, watched for Content Security Policy violations.

A verifier works a report with a photo, an assessor computes a scorecard with inline SVG charts,
an administrator opens the administration pages, and a visitor reads the public compact pages.
Every page is loaded with JavaScript off (as Tor Browser "Safest") and again with it on, so that
a blocked inline script shows up too. The `browser_record` fixture fails a test on any CSP
violation or any request to another origin; each test also checks that explicitly at its end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page

from portal.domain.models import Role, User
from tests.conftest import PASSWORD

from .conftest import BrowserRecord, OpenPage, Snapshot
from .test_landing import sign_in
from .test_reporter_flow import ENGLISH, fill_report, phone_photo, press_send

pytestmark = pytest.mark.browser

MakeUser = Callable[..., User]

LAPTOP = 1280
PHONE = 360
NARRATIVE = "Soldiers at the river checkpoint took money from every driver, and I photographed it."
QUESTION = "Which day of the month did this happen?"
JAVASCRIPT = pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])


@pytest.fixture
def demo_data(app: Flask) -> None:
    """The desks, compacts and desk keys, seeded as an operator would."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def submit(page: Page, form: str) -> None:
    """Press the submit button of the `main` form whose action ends with `form`."""
    page.locator(f"main form[action$='{form}'] button[type='submit']").first.click()
    page.wait_for_load_state()


def signed_in(
    open_page: OpenPage, app: Flask, email: str, *, javascript: bool, width: int = LAPTOP
) -> Page:
    page = open_page("/auth/login", width=width, javascript=javascript)
    sign_in(page, app, email, PASSWORD)
    # Signed in, at the person's work (or their account page): not back at a sign-in step.
    assert not path_of(page).startswith(("/auth/login", "/auth/two-factor")), (
        page.locator("main").inner_text()[:500]
    )
    return page


def assert_clean(record: BrowserRecord) -> None:
    assert record.csp_violations == []
    assert record.foreign_requests == []


def assert_images_loaded(page: Page) -> None:
    broken = page.locator("main img").evaluate_all(
        "els => els.filter(el => !el.complete || el.naturalWidth === 0).map(el => el.src)"
    )
    assert broken == []


@JAVASCRIPT
def test_desk_flow_has_no_csp_violation(
    demo_data: None,
    open_page: OpenPage,
    make_user: MakeUser,
    app: Flask,
    browser_record: BrowserRecord,
    snapshot: Snapshot,
    tmp_path: Path,
    javascript: bool,
) -> None:
    # The verifier joins the desk first: `make_user` gives the desk a new key version, which
    # holds only reports sealed after it (older ones need `portal keys rotate`).
    make_user("desk@example.org", roles=(Role.VERIFIER,), desks=("IQ",))

    # A reporter sends one report with a photo.
    reporter = open_page("/report/new?lang=en", javascript=javascript)
    fill_report(reporter, ENGLISH, NARRATIVE, phone_photo(tmp_path / "IMG_0001.jpg"))
    press_send(reporter, ENGLISH)

    page = signed_in(open_page, app, "desk@example.org", javascript=javascript)

    page.goto("/desk/")
    assert path_of(page) == "/desk/"
    report_link = page.locator("main a[href*='/desk/reports/']").first
    report_link.click()
    page.wait_for_load_state()
    report_path = path_of(page)
    assert report_path.startswith("/desk/reports/"), page.locator("main").inner_text()[:500]
    assert NARRATIVE in page.locator("main").inner_text()
    photo = page.locator("main img[src*='/desk/attachments/']")
    assert photo.count() == 1
    photo.scroll_into_view_if_needed()  # it is loading="lazy"
    page.wait_for_load_state("networkidle")
    assert_images_loaded(page)
    snapshot(page, "report")

    # Grade it.
    page.locator("main select[name='reliability']").select_option(index=1)
    page.locator("main select[name='credibility']").select_option(index=1)
    submit(page, "/grade")
    assert path_of(page) == report_path
    assert page.locator(".notice").first.is_visible()

    # Ask the reporter a question.
    page.locator("main form[action$='/messages'] textarea[name='body']").fill(QUESTION)
    submit(page, "/messages")
    assert path_of(page) == report_path
    assert QUESTION in page.locator("main .thread").inner_text()

    # Verify it: an incident is verified only on a verified report (issue 10.5).
    for target in ("in_review", "verified"):
        page.locator("main select[name='status']").select_option(target)
        submit(page, "/status")
        assert path_of(page) == report_path

    # Start an incident from it and open the incident.
    submit(page, "/cluster")
    assert path_of(page) == report_path
    page.locator("main a[href*='/desk/clusters/']").first.click()
    page.wait_for_load_state()
    incident_path = path_of(page)
    assert incident_path.startswith("/desk/clusters/")

    # Mark it verified.
    page.locator("main select[name='state']").select_option("verified")
    submit(page, incident_path)
    assert path_of(page) == incident_path
    assert page.locator("main select[name='state']").input_value() == "verified"
    snapshot(page, "incident-verified")

    assert_clean(browser_record)


@JAVASCRIPT
def test_assessor_flow_has_no_csp_violation(
    demo_data: None,
    open_page: OpenPage,
    make_user: MakeUser,
    app: Flask,
    browser_record: BrowserRecord,
    snapshot: Snapshot,
    javascript: bool,
) -> None:
    make_user("assessor2@example.org", roles=(Role.ASSESSOR,))
    page = signed_in(open_page, app, "assessor2@example.org", javascript=javascript)

    page.goto("/assess/")
    assert path_of(page) == "/assess/"
    page.locator("main a[href*='/assess/compacts/']", has_text="Iraq").first.click()
    page.wait_for_load_state()
    compact_path = path_of(page)
    assert compact_path.startswith("/assess/compacts/")

    page.goto(f"{compact_path}?period=2026")
    page.get_by_role("button", name="Compute the scorecard", exact=True).click()
    page.wait_for_load_state()
    assert path_of(page) == compact_path
    assert page.locator("main svg").count() > 0, page.locator("main").inner_text()[:500]
    snapshot(page, "scorecard")

    response = page.goto(f"{compact_path}/plan")
    assert response is not None and response.ok
    assert page.locator("main table").count() == 1  # the plan; only admins may change it
    response = page.goto(f"{compact_path}/data")
    assert response is not None and response.ok
    assert page.locator(f"main form[action$='{compact_path}/data']").count() == 1

    assert_clean(browser_record)


@JAVASCRIPT
def test_admin_pages_have_no_csp_violation(
    open_page: OpenPage,
    make_user: MakeUser,
    app: Flask,
    browser_record: BrowserRecord,
    javascript: bool,
) -> None:
    make_user("admin2@example.org", roles=(Role.ADMIN,))
    page = signed_in(open_page, app, "admin2@example.org", javascript=javascript)

    page.goto("/admin/")
    assert path_of(page) == "/admin/"
    links = page.locator("main a[href^='/admin/']").evaluate_all(
        "els => els.map(el => el.getAttribute('href'))"
    )
    assert len(links) >= 2, links
    for link in links:
        response = page.goto(link)
        assert response is not None and response.ok, link
        assert path_of(page) == urlsplit(link).path

    assert_clean(browser_record)


@JAVASCRIPT
def test_public_compact_pages_have_no_csp_violation(
    demo_data: None, open_page: OpenPage, browser_record: BrowserRecord, javascript: bool
) -> None:
    page = open_page("/public/compacts/", width=PHONE, javascript=javascript)
    page.locator("main a[href*='/public/compacts/']", has_text="Iraq").first.click()
    page.wait_for_load_state()
    assert path_of(page).startswith("/public/compacts/")
    assert path_of(page) != "/public/compacts/"

    assert_clean(browser_record)
