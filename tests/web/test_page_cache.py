"""Reporter pages rendered once per language, the token spliced in (portal/web/page_cache.py)."""

from __future__ import annotations

import gzip
import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.domain.models import Role
from tests.conftest import sign_in
from tests.reporter.conftest import run_demo

# The values each response must have its own of: CSRF tokens and the report form's one-time token.
TOKEN = re.compile(r'(name="(?:csrf_token|submission)"(?: type="hidden")? value=")([^"]+)(")')
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    run_demo(app)
    return app


def _page(response_data: bytes) -> str:
    return TOKEN.sub(r"\1…\3", response_data.decode())


def test_a_cached_page_is_the_rendered_page_with_a_new_token_each_time(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for path in ("/report/new", "/report/followup", "/", "/safety"):
        first = client.get(path, headers={"Accept-Language": "fr"})
        demo_app.extensions["page_cache"].clear()
        # Rendered afresh (a miss) and then served from the cache (a hit), gzip and plain.
        fresh = client.get(path, headers={"Accept-Language": "fr"})
        cached = client.get(path, headers={"Accept-Language": "fr", **GZIP})
        assert cached.headers["Content-Encoding"] == "gzip"
        unpacked = gzip.decompress(cached.get_data())
        assert _page(first.get_data()) == _page(fresh.get_data()) == _page(unpacked), path
        if path == "/report/new":
            tokens = [TOKEN.findall(r.decode())[0][1] for r in (fresh.get_data(), unpacked)]
            assert tokens[0] != tokens[1], path
        assert "Accept-Encoding" in cached.headers["Vary"]
    # One copy per language.
    assert 'lang="ar"' in client.get("/report/new", headers={"Accept-Language": "ar"}).text
    assert 'lang="fr"' in client.get("/report/new?lang=fr").text


def test_a_cached_form_still_sends_a_report(demo_app: Flask, session: Session) -> None:
    from tests.reporter.conftest import report_fields, submit_ok

    client = demo_app.test_client()
    client.get("/report/new")  # fills the cache
    assert submit_ok(client, report_fields(session)).receipt


def test_a_new_compact_shows_at_once(app: Flask) -> None:
    client = app.test_client()
    before = client.get("/report/new").text
    assert "Iraq" not in before
    run_demo(app)  # opens compacts in this process
    assert "Iraq" in client.get("/report/new").text


def test_signed_in_people_and_waiting_messages_get_their_own_page(
    demo_app: Flask,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    anonymous = demo_app.test_client()
    anonymous.get("/")
    staff = demo_app.test_client()
    make_user("admin@example.org", roles=(Role.ADMIN,))
    sign_in(staff, "admin@example.org")
    page = staff.get("/").text
    assert "staff-bar" in page and "staff-bar" not in anonymous.get("/").text
    # A message flashed for the next page is shown, not the shared copy.
    reporter = demo_app.test_client()
    reporter.get("/report/followup")
    with reporter.session_transaction() as waiting:
        waiting["_flashes"] = [("info", "Enter your receipt code again.")]
    assert "Enter your receipt code again" in reporter.get("/report/followup").text
    assert "Enter your receipt code again" not in reporter.get("/report/followup").text
