"""The transparency page on a 360 px phone with JavaScript off, left-to-right and right-to-left."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from portal.domain.models import Compact

# The browser harness's fixtures, shared rather than copied (a conftest may not load plugins).
from tests.browser.conftest import (  # noqa: F401
    Layout,
    OpenPage,
    Snapshot,
    browser,
    browser_record,
    layout,
    live_server,
    open_page,
    snapshot,
)

from .conftest import PAGE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_public_page_fits_a_phone_without_javascript(
    seeded: Compact,
    open_page: OpenPage,  # noqa: F811
    layout: Layout,  # noqa: F811
    snapshot: Snapshot,  # noqa: F811
    lang: str,
    direction: str,
) -> None:
    page: Page = open_page(f"{PAGE}?lang={lang}", locale=lang)
    assert page.locator("html").get_attribute("dir") == direction
    snapshot(page, lang)
    assert layout.horizontal_overflow(page) == 0
    assert layout.elements_outside_viewport(page) == []
    assert layout.small_touch_targets(page, within="main") == []
    counts = page.locator("table.counts")
    assert counts.locator("caption").count() == 1
    assert counts.locator("th[scope=col]").count() == 6
    assert counts.locator("th[scope=row]").count() == 18 + 1 + 1
    # The table fits as it is: its scrolling wrapper is only a safety net for long translations.
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
