"""Acceptance test of issue 16: what a seized phone's browser keeps after a whole report.

A reporter on a phone whose browser keeps its history (a persistent Chromium profile on disk,
as a real phone has) opens the portal, sends an anonymous report with a photo, writes down the
receipt, follows up with it and answers, then leaves with the quick exit. Afterwards the profile
directory is read byte by byte, as whoever seizes the phone would: neither the narrative, nor the
answer, nor the receipt code is anywhere in it, and with PORTAL_NEUTRAL_TITLE set the history
database never names the portal. With JavaScript on, Back after the quick exit does not return
to the portal. Pages are fetched uncompressed here, so anything a cache kept would be plain text.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route

from portal.config import DEFAULT_EXIT_URL, Config

from .conftest import CHROMIUM_ARGS, PHONE, LiveServer
from .test_reporter_flow import (
    ENGLISH,
    fill_report,
    open_report_with_receipt,
    phone_photo,
    press_send,
    read_receipt,
)

pytestmark = pytest.mark.browser

NEUTRAL_TITLE = "Notes"
PORTAL_NAME = "Compact Watch"
# The neutral paths of the follow-up page's answer form (/m/check/reply).
REPLY_BOX = "main form[action*='/m/check/reply'] textarea[name='body']"
REPLY_SEND = "main form[action*='/m/check/reply'] button[type='submit']"
EXIT_PAGE = "<!doctype html><title>Wikipedia</title><p>The free encyclopedia</p>"


@pytest.fixture
def config(config: Config) -> Config:
    return dataclasses.replace(config, neutral_title=NEUTRAL_TITLE)


@pytest.fixture
def demo_data(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["portal", "demo"])
    assert result.exit_code == 0, result.output


@dataclass
class Phone:
    context: BrowserContext
    profile: Path
    origin: str
    problems: list[str]

    def page(self) -> Page:
        return self.context.pages[0] if self.context.pages else self.context.new_page()


def _route(origin: str, route: Route) -> None:
    url = route.request.url
    if url.startswith(origin):
        route.continue_()
    elif url.startswith(DEFAULT_EXIT_URL):
        # The exit site, answered locally: a test never reaches the network.
        route.fulfill(status=200, content_type="text/html", body=EXIT_PAGE)
    else:
        route.abort("blockedbyclient")


def _phone(browser: Browser, live_server: LiveServer, profile: Path, javascript: bool) -> Phone:
    problems: list[str] = []
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=str(Path("/usr/bin/chromium")),
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server.origin,
        viewport={"width": PHONE[0], "height": PHONE[1]},
        java_script_enabled=javascript,
        service_workers="block",
        # Uncompressed answers: whatever a cache kept would be readable in the profile.
        extra_http_headers={"Accept-Encoding": "identity"},
    )

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    context.on("console", console)
    context.route("**/*", lambda route: _route(live_server.origin, route))
    return Phone(context, profile, live_server.origin, problems)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "chromium-profile"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _storage_is_empty(page: Page) -> None:
    # Through DevTools, so it also looks when the page's own scripts are off.
    used = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            indexed: (await indexedDB.databases()).length,
        })"""
    )
    assert used == {"local": 0, "session": 0, "indexed": 0}


def _full_report(phone: Phone, tmp_path: Path, narrative: str, answer: str) -> str:
    """The whole reporter journey; returns the receipt code as the page showed it."""
    page = phone.page()
    page.goto("/")
    assert page.title() == NEUTRAL_TITLE
    page.get_by_role("link", name="Send a report", exact=True).click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/m/new"
    fill_report(page, ENGLISH, narrative, phone_photo(tmp_path / "IMG_20260412_101530.jpg"))
    press_send(page, ENGLISH)
    assert urlsplit(page.url).path == "/m/done"
    receipt = "".join(read_receipt(page))
    assert "This page cannot be opened again" in page.locator("main").inner_text()
    _storage_is_empty(page)

    # Back, then Forward: the receipt page is not shown again.
    page.go_back()
    assert urlsplit(page.url).path == "/m/new"
    page.go_forward()
    assert urlsplit(page.url).path == "/m/done"
    shown = page.locator("main").inner_text()
    assert "This receipt code is no longer shown" in shown and receipt[:4] not in shown
    page.reload()
    assert receipt[:4] not in page.locator("main").inner_text()

    # The follow-up, with the code written down on paper, and an answer.
    page.get_by_role("link", name="Go to the follow-up page", exact=True).click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/m/check"
    open_report_with_receipt(page, ENGLISH, " ".join(receipt[i : i + 4] for i in (0, 4, 8, 12)))
    assert narrative in page.locator("main").inner_text()
    page.locator(REPLY_BOX).fill(answer)
    page.locator(REPLY_SEND).click()
    page.wait_for_load_state()
    assert answer in page.locator("main").inner_text()
    assert page.title() == NEUTRAL_TITLE
    _storage_is_empty(page)
    return receipt


def _needles(narrative: str, answer: str, receipt: str) -> dict[str, list[bytes]]:
    spaced = " ".join(receipt[i : i + 4] for i in (0, 4, 8, 12))
    found: dict[str, list[bytes]] = {}
    for name, text in (
        ("narrative", narrative),
        ("answer", answer),
        ("receipt", receipt),
        ("receipt (spaced)", spaced),
    ):
        # Chromium keeps some strings as UTF-16 (page state, titles): look for both.
        found[name] = [text.encode("utf-8"), text.encode("utf-16-le")]
    return found


def _files_holding(profile: Path, needles: dict[str, list[bytes]]) -> list[str]:
    hits = []
    for path in sorted(profile.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for name, forms in needles.items():
            if any(form in data for form in forms):
                hits.append(f"{name} in {path.relative_to(profile)}")
    return hits


def _history(profile: Path, tmp_path: Path) -> tuple[list[tuple[str, str]], bytes]:
    source = profile / "Default" / "History"
    assert source.exists(), sorted(str(p.relative_to(profile)) for p in profile.rglob("*"))[:50]
    copy = tmp_path / "History.copy"
    shutil.copy(source, copy)
    raw = b"".join(
        p.read_bytes() for p in (profile / "Default").glob("History*") if p.is_file()
    )
    with sqlite3.connect(copy) as db:
        rows = [(str(u), str(t)) for u, t in db.execute("SELECT url, title FROM urls")]
    return rows, raw


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_seized_phone_keeps_no_narrative_receipt_or_portal_name(
    demo_data: None,
    browser: Browser,
    live_server: LiveServer,
    profile: Path,
    tmp_path: Path,
    javascript: bool,
) -> None:
    canary = uuid.uuid4().hex[:12]
    narrative = f"Soldiers at checkpoint {canary} took money from every minibus driver."
    answer = f"There were three of them; the officer's name tag said {canary[::-1]}."
    phone = _phone(browser, live_server, profile, javascript)
    try:
        receipt = _full_report(phone, tmp_path, narrative, answer)
        page = phone.page()
        # The quick exit: second in the tab order, after the skip link, taken by the keyboard.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "quick-exit"
        page.keyboard.press("Enter")
        page.wait_for_url(DEFAULT_EXIT_URL + "**")
        assert page.title() == "Wikipedia"
        if javascript:
            page.go_back()
            page.wait_for_load_state()
            assert not page.url.startswith(phone.origin), f"Back returned to {page.url}"
            # The follow-up session ended on the way out: the portal no longer opens the report.
            page.goto("/m/check")
            assert narrative not in page.locator("main").inner_text()
        assert phone.problems == []
    finally:
        phone.context.close()

    hits = _files_holding(profile, _needles(narrative, answer, receipt))
    assert hits == [], hits
    # The search itself finds what is there: the exit site's address is in the profile.
    assert _files_holding(profile, {"exit": [b"www.wikipedia.org"]})
    rows, raw = _history(profile, tmp_path)
    portal_rows = [row for row in rows if row[0].startswith(phone.origin)]
    assert portal_rows, rows  # the history does record the visit: under a neutral name
    # The page the exit replaced counts, for Chromium, as a client redirect to the exit site,
    # whose title it then takes.
    assert {title for _, title in portal_rows} <= {NEUTRAL_TITLE, "", "Wikipedia"}, portal_rows
    assert all("/report" not in url for url, _ in portal_rows), portal_rows
    assert NEUTRAL_TITLE.encode("utf-8") in raw  # the raw bytes are readable as searched
    assert PORTAL_NAME.encode("utf-8") not in raw
    assert PORTAL_NAME.encode("utf-16-le") not in raw
    print(f"\nhistory ({'JS on' if javascript else 'JS off'}):")
    for url, title in rows:
        print(f"  {title!r:12} {url}")
