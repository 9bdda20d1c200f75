"""The transparency page on a 360 px phone with JavaScript off, left-to-right and right-to-left."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from portal.domain.models import Compact

# The public tests' seeding fixtures, shared rather than copied; the browser fixtures come from
# this folder's conftest (one Playwright per session: a second would clash with its event loop).
from tests.public.conftest import PAGE, clock, demo, seeded  # noqa: F401

from .conftest import Layout, OpenPage, Snapshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_public_page_fits_a_phone_without_javascript(
    seeded: Compact,  # noqa: F811
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
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
    assert counts.locator("th[scope=col]").count() == 3  # region, the two half-years of 2026
    assert counts.locator("th[scope=row]").count() == 18 + 1 + 1
    # The table fits as it is: its scrolling wrapper is only a safety net for long translations.
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
