"""A real browser against the real portal: Debian's Chromium driven by Playwright's sync API.

Each test gets the app from tests/conftest.py (test database, migrated, emptied after the test)
served over HTTP on 127.0.0.1 by a Werkzeug server on a free port. Pages are opened with
`open_page(...)`: JavaScript is OFF unless asked for, because reporters on Tor Browser "Safest"
have none (DESIGN §11).

Every page a test opens is watched. A Content Security Policy violation, or any request to an
origin other than the test server, fails the test: a reporter's browser must never be led to talk
to a third party, and a blocked inline style means the page looks different in production than
the template author thought. Requests to other origins are also aborted, so a test can never leak
onto the network. A full-page screenshot of each page is saved to test-artifacts/ for review.

    def test_reporter_sends_a_photo(open_page, layout, snapshot, tmp_path):
        page = open_page("/report/new?lang=ar")  # 360x740, JavaScript off
        page.locator("input[type=file]").set_input_files(tmp_path / "photo.jpg")
        snapshot(page, "filled")  # test-artifacts/<test name>-filled.png
        page.locator("main form button[type='submit']").click()
        assert layout.horizontal_overflow(page) == 0
        assert layout.small_touch_targets(page) == []
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from portal.web.services import EXTENSION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = (360, 740)  # DESIGN §11: the design width of a cheap Android phone
MIN_TOUCH_PX = 44
ARTIFACTS = "test-artifacts"
# Schemes that never leave the browser, so they have no origin to police.
_LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


@dataclass(frozen=True)
class LiveServer:
    origin: str

    def url(self, path: str = "/") -> str:
        return self.origin + path


@dataclass(frozen=True)
class ConsoleEntry:
    type: str
    text: str
    url: str

    @property
    def is_csp_violation(self) -> bool:
        # Chromium logs every CSP violation to the console itself, even with JavaScript disabled,
        # where a `securitypolicyviolation` listener could never run.
        return "Content Security Policy" in self.text


@dataclass
class BrowserRecord:
    """What the test's pages did: console output, page errors, and every request made."""

    origin: str
    console: list[ConsoleEntry] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [entry.text for entry in self.console if entry.is_csp_violation]

    @property
    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not self.is_same_origin(url)]

    def is_same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in _LOCAL_SCHEMES:
            return True
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def problems(self) -> list[str]:
        found = [f"CSP violation: {text}" for text in self.csp_violations]
        found += [f"request to another origin: {url}" for url in self.foreign_requests]
        return found


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test's app served over real HTTP; stopped before the database is emptied."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        # Pooled PostgreSQL connections would otherwise pile up, one pool per test.
        services = app.extensions.get(EXTENSION)
        if services is not None:
            services.database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = (
            f"browser tests need Debian's Chromium at {CHROMIUM}: run `make browser` "
            "(apt-get install -y chromium)"
        )
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; PORTAL_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def browser_record(live_server: LiveServer) -> BrowserRecord:
    return BrowserRecord(origin=live_server.origin)


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, browser_record: BrowserRecord
) -> Iterator[OpenPage]:
    """`open_page(path=None, *, width=360, height=740, locale="en", javascript=False)`.

    Each call is a fresh browser context (its own cookies), as if another phone. The page's
    base URL is the test server, so `page.goto("/auth/login")` works. With a path, the page is
    loaded and must answer 2xx.
    """
    contexts: list[BrowserContext] = []

    def _open(
        path: str | None = None,
        *,
        width: int = PHONE[0],
        height: int = PHONE[1],
        locale: str = "en",
        javascript: bool = False,
    ) -> Page:
        context = browser.new_context(
            base_url=live_server.origin,
            viewport={"width": width, "height": height},
            locale=locale,
            java_script_enabled=javascript,
            service_workers="block",
        )
        contexts.append(context)
        context.on("console", lambda message: _log_console(browser_record, message))
        context.on("request", lambda request: browser_record.requests.append(request.url))
        context.route("**/*", lambda route: _keep_local(browser_record, route))
        page = context.new_page()
        page.on(
            "pageerror",
            lambda error: browser_record.console.append(ConsoleEntry("pageerror", str(error), "")),
        )
        browser_record.pages.append(page)
        if path is not None:
            response = page.goto(path)
            assert response is not None, f"no response for {path}"
            assert response.ok, f"{path} answered {response.status}"
        return page

    yield _open
    for context in contexts:
        context.close()


def _log_console(record: BrowserRecord, message: ConsoleMessage) -> None:
    record.console.append(ConsoleEntry(message.type, message.text, message.location.get("url", "")))


def _keep_local(record: BrowserRecord, route: Route) -> None:
    if record.is_same_origin(route.request.url):
        route.continue_()
    else:
        route.abort("blockedbyclient")


Snapshot = Callable[[Page, str], Path]


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> Snapshot:
    """`snapshot(page, "menu-open")`: a full-page screenshot of an intermediate step."""

    def _take(page: Page, label: str) -> Path:
        path = _artifact_path(request.node, f"-{label}")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


def _artifact_path(item: pytest.Item, suffix: str = "") -> Path:
    folder = item.config.rootpath / ARTIFACTS
    folder.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", item.name).strip("-")
    return folder / f"{stem}{re.sub(r'[^A-Za-z0-9_.-]+', '-', suffix)}.png"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Screenshot every page, then fail the test (not its teardown) on what the pages did."""
    record = getattr(item, "funcargs", {}).get("browser_record")
    try:
        result = yield
    finally:
        if isinstance(record, BrowserRecord):
            _save_screenshots(item, record)
    if isinstance(record, BrowserRecord) and record.problems():
        pytest.fail("\n".join(record.problems()), pytrace=False)
    return result


def _save_screenshots(item: pytest.Item, record: BrowserRecord) -> None:
    for index, page in enumerate(record.pages):
        if page.is_closed():
            continue
        path = _artifact_path(item, "" if index == 0 else f"-page{index + 1}")
        try:
            page.screenshot(path=str(path), full_page=True)
        except PlaywrightError as error:  # a crashed page must not hide the test's own failure
            item.warn(pytest.PytestWarning(f"no screenshot of page {index + 1}: {error}"))


# Shown to the user: rendered, not in a closed <details>, not visibility:hidden or transparent.
_SHOWN = """el => el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true,
    visibilityProperty: true}) && !el.closest('.visually-hidden')"""


class Layout:
    """Measurements of what a phone user sees.

    `page.evaluate` runs through the DevTools protocol, so it works when the page's own scripts
    are disabled: we measure the layout a JavaScript-less reporter gets (see test_harness.py).
    """

    @staticmethod
    def horizontal_overflow(page: Page) -> int:
        """How many CSS pixels the document is wider than the viewport (0 = no sideways scroll)."""
        overflow: int = page.evaluate(
            "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
        )
        return overflow

    @staticmethod
    def elements_outside_viewport(page: Page) -> list[str]:
        """Shown elements that stick out sideways, even where `overflow` hides the scrollbar."""
        found: list[str] = page.evaluate(
            f"""() => [...document.body.querySelectorAll('*')]
                .filter({_SHOWN})
                .filter(el => !el.closest('.skip-link'))
                .map(el => [el, el.getBoundingClientRect()])
                .filter(([el, box]) => box.width > 0
                    && (box.left < -0.5 || box.right > window.innerWidth + 0.5))
                .map(([el, box]) => `<${{el.tagName.toLowerCase()}} class="${{el.className}}">`
                    + ` from ${{Math.round(box.left)}} to ${{Math.round(box.right)}} px`)"""
        )
        return found

    @staticmethod
    def words_broken_in_cells(page: Page, within: str = "main td, main th, main dd") -> list[str]:
        """Words a table cell cuts over two lines although they are narrower than the page.

        A word is a run between spaces, hyphens, slashes and list separators: where a line may
        break anyway. Its pieces are the text range's line boxes; two line boxes at different
        heights mean it was cut. Only a word wider than the page's text column (main's content
        box) has to be cut, and `overflow-wrap: break-word` does that; a shorter one was cut by
        squeezing its column ("Nig er", "ad min @d em o.te st"), and is reported. The cell's own
        width proves nothing: a squeezed column is narrower than the word it cuts.
        """
        found: list[str] = page.evaluate(
            f"""(within) => {{
              const found = [];
              for (const cell of document.querySelectorAll(within)) {{
                if (!({_SHOWN})(cell)) continue;
                const column = cell.closest('main') || document.body;
                const style = getComputedStyle(column);
                const room = column.clientWidth
                  - parseFloat(style.paddingInlineStart) - parseFloat(style.paddingInlineEnd);
                const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
                  if (!node.parentElement || !({_SHOWN})(node.parentElement)) continue;
                  for (const word of node.textContent.matchAll(/[^\\s\\-\u2010/·,،;:]+/gu)) {{
                    if ([...word[0]].length < 2) continue;
                    const range = document.createRange();
                    range.setStart(node, word.index);
                    range.setEnd(node, word.index + word[0].length);
                    const boxes = [...range.getClientRects()].filter(box => box.width > 0);
                    const lines = boxes.filter(box =>
                      Math.abs(box.top - boxes[0].top) > box.height / 2);
                    const width = boxes.reduce((sum, box) => sum + box.width, 0);
                    if (lines.length && width <= room + 0.5) {{
                      found.push(`"${{word[0]}}" (${{Math.round(width)}} px) cut in a <`
                        + `${{cell.tagName.toLowerCase()}}> ${{cell.offsetWidth}} px wide`);
                    }}
                  }}
                }}
              }}
              return found;
            }}""",
            within,
        )
        return found

    @staticmethod
    def small_touch_targets(
        page: Page, within: str = "body", minimum: int = MIN_TOUCH_PX
    ) -> list[str]:
        """Shown links, buttons, summaries and fields with a line box under `minimum` px tall.

        Each line of a wrapped inline link is its own strip to aim at, so the shortest line box
        counts, not the union: a two-line 23 px link is not a 46 px target. Off-screen elements
        (the skip link until focused) are not touch targets. Links inside running text are:
        WCAG 2.5.8 exempts them, DESIGN §11 does not.
        """
        found: list[str] = page.evaluate(
            f"""([within, minimum]) => [...document.querySelector(within).querySelectorAll(
                    'a[href], button, summary, input:not([type=hidden]), select, textarea')]
                .filter({_SHOWN})
                .filter(el => {{
                    const box = el.getBoundingClientRect();
                    return box.bottom + window.scrollY > 0 && box.right + window.scrollX > 0;
                }})
                .map(el => [el, Math.min(...[...el.getClientRects()].map(r => r.height))])
                .filter(([el, height]) => height < minimum - 0.01)
                .map(([el, height]) => `<${{el.tagName.toLowerCase()}}`
                    + `${{el.className ? ' class="' + el.className + '"' : ''}}>`
                    + ` "${{(el.innerText || el.value || el.name || '').trim().slice(0, 40)}}"`
                    + ` ${{Math.round(height * 10) / 10}} px tall`)""",
            [within, minimum],
        )
        return found


@pytest.fixture
def layout() -> Layout:
    return Layout()
