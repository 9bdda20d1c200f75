"""The browser harness catches what it claims to, with JavaScript off.

These tests serve tiny pages of their own instead of the portal, so they can break the rules on
purpose: a page that did nothing wrong cannot show that the watch would have noticed.
"""

from __future__ import annotations

import pytest
from flask import Flask

from portal.web.headers import CSP

from .conftest import BrowserRecord, Layout, OpenPage

pytestmark = pytest.mark.browser

FOREIGN = "http://192.0.2.7"  # TEST-NET-1: nothing answers there, and the route aborts it anyway


@pytest.fixture
def app() -> Flask:
    pages = Flask("harness")

    @pages.route("/script")
    def script() -> str:
        return (
            "<!doctype html><title>before</title>"
            "<script>document.title = 'after'</script><p>plain</p>"
        )

    @pages.route("/rule-breaker")
    def rule_breaker() -> tuple[str, int, dict[str, str]]:
        body = (
            "<!doctype html><title>x</title>"
            f'<link rel="stylesheet" href="{FOREIGN}/font.css">'
            '<p style="color: red">inline style</p>'
        )
        return body, 200, {"Content-Security-Policy": CSP}

    return pages


def test_javascript_off_runs_no_page_script_yet_the_layout_can_be_measured(
    open_page: OpenPage, layout: Layout
) -> None:
    page = open_page("/script")

    assert page.title() == "before"
    assert page.evaluate("window.innerWidth") == 360
    assert layout.horizontal_overflow(page) == 0


def test_javascript_on_runs_page_script(open_page: OpenPage) -> None:
    page = open_page("/script", javascript=True)

    assert page.title() == "after"


def test_csp_violations_and_other_origins_are_caught_without_javascript(
    open_page: OpenPage, browser_record: BrowserRecord
) -> None:
    open_page("/rule-breaker")

    assert any("style-src" in text for text in browser_record.csp_violations)
    assert f"{FOREIGN}/font.css" in browser_record.foreign_requests
    assert len(browser_record.problems()) >= 2
    # Seen and asserted: forget them so the harness does not fail this test for them.
    browser_record.console.clear()
    browser_record.requests.clear()
