"""The plan's scoring-rule pages (issue 12.4) on a 360 px phone, left-to-right and right-to-left,
JavaScript off: no sideways scroll, every region's number field labelled with its region's
name, a refused value shown on its field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Compact, Role, User
from tests.conftest import PASSWORD

from .conftest import Layout, OpenPage, Snapshot
from .test_landing import sign_in

pytestmark = pytest.mark.browser

MakeUser = Callable[..., User]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_plan_rule_pages_fit_a_phone(
    open_page: OpenPage,
    app: Flask,
    session: Session,
    make_user: MakeUser,
    layout: Layout,
    snapshot: Snapshot,
    lang: str,
) -> None:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None
    make_user("chief@example.org", roles=(Role.ADMIN,))
    page = open_page("/auth/login")
    sign_in(page, app, "chief@example.org", PASSWORD)
    base = f"/assess/compacts/{compact.slug}/plan"
    for path in (base, f"{base}/tiers", f"{base}/hurdles", f"{base}/population"):
        page.goto(f"{path}?lang={lang}")
        assert "/auth/" not in page.url, path
        assert page.locator("main h1").count() == 1, path
        assert layout.horizontal_overflow(page) == 0, path
        assert layout.elements_outside_viewport(page) == [], path
        snapshot(page, f"{lang}-{path.rsplit('/', 1)[1]}")
    # Every number field of the population table has a visible label: its region's name.
    inputs = page.locator("main table input")
    assert inputs.count() >= 18
    for i in range(inputs.count()):
        field_id = inputs.nth(i).get_attribute("id")
        label = page.locator(f"label[for='{field_id}']")
        assert label.count() == 1 and label.inner_text().strip(), field_id
        assert label.is_visible()
    # A figure without its source is refused on the source field.
    inputs.first.fill("1000000")
    page.locator("input[name='note']").fill("Census")
    page.locator("main form button[type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("#population_source-error").is_visible()
    assert layout.horizontal_overflow(page) == 0
    snapshot(page, f"{lang}-population-refused")
