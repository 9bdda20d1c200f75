"""axe-core on every page of the portal, in all seven languages, and the reporter flow by keyboard.

axe-core comes from npm (package.json, installed by `make install-test` into node_modules/) and is
evaluated into each page by Playwright: the pages themselves never load a script from anywhere.
Each kind of visitor (a reporter with no account, a member, a verifier, an assessor, an
administrator) walks the pages reachable by links from where they start, one page per kind of
address (endpoint), and every such page is checked in every language. One browser, one tab per
visitor, reused for all their pages, to keep the run short.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from portal.config import LOCALES
from portal.domain.workflow import ReportStatus
from portal.web.services import EXTENSION
from tests.desk.conftest import FileReport, demo, file_report  # noqa: F401
from tests.reporter.conftest import run_demo

from .conftest import BrowserRecord, OpenPage
from .test_landing import sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Links never followed: they change state, leave, or are not pages.
SKIP_ENDPOINTS = frozenset(
    {
        "auth.logout",
        "auth.logout_everywhere",
        "reporter.leave",
        "desk.attachment",
        "assess.download_export",
        "api.download_export",
        "health.healthz",
        "static",
    }
)
MAX_PAGES = 60
VISITORS = {
    "reporter": (None, ["/", "/report/new", "/report/followup", "/safety", "/auth/login"]),
    "member": ("member@demo.test", ["/", "/report/new", "/report/mine", "/auth/account"]),
    "verifier": ("verifier@demo.test", ["/", "/desk/", "/auth/account"]),
    "assessor": ("assessor@demo.test", ["/", "/assess/", "/public/", "/auth/account"]),
    # The plan's coverage rules page is reached by a form, not a link.
    "admin": (
        "admin@demo.test",
        ["/", "/admin/", "/auth/account", "/assess/compacts/iq-2026/plan/rules"],
    ),
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run `make install-test` (npm ci)"
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; PORTAL_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)
        pytest.skip(reason)
    return AXE.read_text()


def violations(page: Page, axe_source: str) -> list[str]:
    """axe's violations on the page as loaded, one line each (rule, impact, first targets)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    found = page.evaluate("() => axe.run(document).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): "
        + json.dumps([n["target"] for n in v["nodes"][:3]], ensure_ascii=False)
        for v in found
    ]


def endpoint_of(app: Flask, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def with_lang(path: str, lang: str) -> str:
    parts = urlsplit(path)
    query = [kv for kv in parts.query.split("&") if kv and not kv.startswith("lang=")]
    return parts.path + "?" + "&".join([*query, urlencode({"lang": lang})])


def same_origin_links(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "els => els.map(a => a.getAttribute('href'))"
    )
    return [h for h in hrefs if h.startswith("/") and not h.startswith("//")]


def walk(page: Page, app: Flask, starts: list[str]) -> dict[str, str]:
    """One path per endpoint reachable by links from `starts` (GET pages that answer HTML)."""
    chosen: dict[str, str] = {}
    queue = deque(starts)
    seen: set[str] = set()
    while queue and len(chosen) < MAX_PAGES:
        path = queue.popleft()
        key = urlsplit(path).path
        if key in seen:
            continue
        seen.add(key)
        endpoint = endpoint_of(app, path)
        if endpoint is None or endpoint in SKIP_ENDPOINTS or endpoint in chosen:
            continue
        if endpoint.startswith("api.") or "download" in endpoint or "." in key.rsplit("/", 1)[-1]:
            continue  # files for programs and spreadsheets, not pages
        try:
            response = page.goto(path)
        except PlaywrightError:  # a file download, not a page
            continue
        if response is None or not response.ok:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        chosen[endpoint] = path
        queue.extend(link for link in same_origin_links(page) if "lang=" not in link)
    return chosen


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="pages are the same on either database: CI walks them once, in its SQLite run",
)
# About 150 page loads, each with an axe run: two minutes alone, more with CI's other run beside.
@pytest.mark.timeout(600)
def test_every_page_in_every_language_has_no_axe_violation(
    app: Flask, open_page: OpenPage, browser_record: BrowserRecord, axe_source: str
) -> None:
    run_demo(app)
    password = app.extensions[EXTENSION].config.demo_password
    problems: list[str] = []
    checked = 0
    done: set[str] = set()
    for visitor, (email, starts) in VISITORS.items():
        page = open_page("/auth/login" if email else "/", width=1024, javascript=True)
        if email is not None:
            sign_in(page, app, email, password)
        pages = walk(page, app, starts)
        assert pages, visitor
        for endpoint, path in sorted(pages.items()):
            # A page another visitor already checked differs here only by the signed-in
            # header and footer, which the landing page checks for each visitor.
            if endpoint in done and endpoint != "home.landing":
                continue
            done.add(endpoint)
            for lang in LOCALES:
                response = page.goto(with_lang(path, lang))
                assert response is not None and response.ok, (visitor, path, lang)
                assert page.locator("html").get_attribute("lang") == lang, (path, lang)
                for line in violations(page, axe_source):
                    problems.append(f"{visitor} {endpoint} {path} [{lang}]: {line}")
                checked += 1
    assert checked >= 7 * 20, checked
    # One line per page and rule (the languages it fails in), then the first detailed lines.
    summary: dict[str, list[str]] = {}
    for line in problems:
        where, _, rest = line.partition(" [")
        lang, _, rule = rest.partition("]: ")
        summary.setdefault(f"{where}: {rule.split(' ')[0]}", []).append(lang)
    report = [f"{k} [{' '.join(v)}]" for k, v in summary.items()]
    assert not problems, (
        f"{len(problems)} axe violations:\n" + "\n".join(report) + "\n\n" + "\n".join(problems[:20])
    )


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="pages are the same on either database: CI walks them once, in its SQLite run",
)
def test_the_bulk_step_reached_by_a_form_has_no_axe_violation(
    app: Flask,
    open_page: OpenPage,
    axe_source: str,
    file_report: FileReport,  # noqa: F811
    session: Session,
) -> None:
    """The walk above follows links; the queue's second bulk step is the answer to a form."""
    received, triaged = file_report(), file_report(region="IQ-BA")
    triaged.report.status = ReportStatus.TRIAGED
    session.commit()
    assert received.report.status == ReportStatus.RECEIVED
    password = app.extensions[EXTENSION].config.demo_password
    page = open_page("/auth/login", width=360, javascript=True)
    sign_in(page, app, "verifier@demo.test", password)
    problems: list[str] = []
    for lang in LOCALES:
        page.goto(with_lang("/desk/", lang))
        boxes = page.locator("input[name='reports']")
        assert boxes.count() >= 2, "the demo's queue shows reports"
        boxes.nth(0).check()
        boxes.nth(1).check()
        step = page.locator("button[formaction$='/desk/bulk/choose']")
        assert step.count() == 1, "the demo's queue mixes states: the second step is offered"
        with page.expect_navigation():
            step.click()
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("input[name='reports']:checked").count() == 2
        problems += [f"[{lang}] {line}" for line in violations(page, axe_source)]
    assert not problems, "\n".join(problems)


def _focused(page: Page) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(
        """() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '',
                type: e.getAttribute('type') || '', text: (e.innerText || '').trim(),
                value: e.value || '', label: e.labels && e.labels[0] ? e.labels[0].innerText : '',
                visible: String(getComputedStyle(e).outlineStyle !== 'none' ||
                                 getComputedStyle(e).boxShadow !== 'none')}; }"""
    )
    return found


def _tab_to(page: Page, want: Callable[[dict[str, str]], bool], what: str, limit: int = 80) -> None:
    """Press Tab until `want` holds for the focused element: it must be reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if want(now):
            assert now["visible"] == "true", f"{what}: no visible focus"
            return
    raise AssertionError(f"{what} is not reachable with Tab")


def test_the_reporter_flow_by_keyboard_alone(
    app: Flask, open_page: OpenPage, axe_source: str
) -> None:
    """Send a report and open it with the receipt, with the keyboard only, then check each page
    reached on the way (the form's error state, the receipt, the report) with axe too."""
    run_demo(app)
    today = dt.date.today()
    page = open_page("/report/new", javascript=True)
    # The first Tab reaches the skip link, and following it puts the reader in the content.
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to content"
    # Sent empty first: the error summary is announced and checked by axe.
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Send the report", "send")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").count() == 1
    assert violations(page, axe_source) == []

    def select(name: str, target: str) -> None:
        _tab_to(page, lambda f: f["name"] == name, name)
        for _ in range(60):
            if _focused(page)["value"] == target:
                return
            page.keyboard.press("ArrowDown")
        raise AssertionError(f"{target} cannot be chosen in {name} with the arrow keys")

    iraq = page.locator("select[name='compact'] option", has_text="Iraq").get_attribute("value")
    assert iraq
    page.goto("/report/new")  # a fresh form, as typed in the address bar
    select("compact", iraq)
    select("region", "IQ-BG")
    _tab_to(page, lambda f: f["name"] == "happened", "what happened")
    while "checkpoint" not in _focused(page)["label"]:
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    select("month", str(today.month))
    select("year", str(today.year))
    _tab_to(page, lambda f: f["name"] == "force", "who did it")
    page.keyboard.press("Space")  # the first choice, "Army or soldiers"
    _tab_to(page, lambda f: f["name"] == "narrative", "narrative")
    page.keyboard.type("Soldiers at the checkpoint took money from every driver.")
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Send the report", "send")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Your report was sent safely"
    assert violations(page, axe_source) == []
    receipt = "".join(page.locator("main .receipt span").all_inner_texts())
    assert len(receipt) == 16

    _tab_to(page, lambda f: f["tag"] == "a" and "follow-up" in f["text"], "follow-up link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, lambda f: f["name"] == "receipt", "receipt code")
    page.keyboard.type(receipt)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Soldiers at the checkpoint" in page.locator("main").inner_text()
    assert violations(page, axe_source) == []
