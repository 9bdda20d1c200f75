"""PORTAL_NEUTRAL_TITLE: what a phone's history says of the reporter pages (issue 16)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import Config, ConfigError
from tests.conftest import form_token
from tests.reporter.conftest import report_fields, run_demo

REPORTER_PAGES = {
    "/": "/",
    "/safety": "/m/help",
    "/report/new": "/m/new",
    "/report/followup": "/m/check",
}


@pytest.fixture
def neutral(config: Config) -> Flask:
    app = create_app(dataclasses.replace(config, neutral_title="Notes"))
    run_demo(app)
    return app


def _title(page: str) -> str:
    found = re.search(r"<title>([^<]*)</title>", page)
    assert found, page[:300]
    return found.group(1)


def test_every_reporter_page_is_titled_notes_under_neutral_paths(neutral: Flask) -> None:
    client = neutral.test_client()
    for documented, aliased in REPORTER_PAGES.items():
        for path in {documented, aliased}:
            for lang in ("en", "ar"):
                response = client.get(f"{path}?lang={lang}")
                page = response.get_data(as_text=True)
                assert response.status_code == 200, path
                assert _title(page) == "Notes", path
                assert re.search(
                    r'<link rel="icon" href="/static/img/notes\.[0-9a-f]+\.svg">', page
                )
    landing = client.get("/").get_data(as_text=True)
    # Links lead to the neutral paths; nothing in an address says "report".
    assert 'href="/m/new"' in landing and 'href="/m/check"' in landing
    assert 'href="/m/help"' in landing
    hrefs = re.findall(r'(?:href|action)="(/[^"]*)"', landing)
    assert not [h for h in hrefs if "report" in h and not h.startswith("/auth")]
    assert _title(client.get("/no/such/page").get_data(as_text=True)) == "Notes"


def test_the_whole_flow_stays_on_neutral_paths(neutral: Flask, session: Session) -> None:
    client = neutral.test_client()
    form = client.get("/m/new").get_data(as_text=True)
    assert 'action="/m/new"' in form
    sent = client.post("/m/new", data={**report_fields(session), **form_token(client, "/m/new")})
    assert sent.status_code == 303 and sent.headers["Location"] == "/m/done"
    cookie = next(c for c in sent.headers.getlist("Set-Cookie") if c.startswith("cw_sent="))
    assert "Path=/m" in cookie
    page = client.get("/m/done").get_data(as_text=True)
    assert _title(page) == "Notes"
    receipt = "".join(re.findall(r"<span>(\d{4})</span>", page))
    opened = client.post("/m/check", data={"receipt": receipt})
    assert opened.status_code == 302 and opened.headers["Location"] == "/m/check"
    follow = client.get("/m/check").get_data(as_text=True)
    assert _title(follow) == "Notes" and 'action="/m/check/reply"' in follow


def test_staff_pages_and_the_default_keep_their_titles(neutral: Flask, demo: Flask) -> None:
    staff = neutral.test_client().get("/auth/login").get_data(as_text=True)
    assert "Compact Watch" in _title(staff) and "notes." not in staff
    plain = demo.test_client().get("/report/new").get_data(as_text=True)
    assert _title(plain) == "Send a report · Compact Watch"
    assert 'rel="icon"' not in plain
    # The neutral paths work without the option too (documented ones are what links use).
    assert demo.test_client().get("/m/new").status_code == 200
    assert 'href="/report/new"' in demo.test_client().get("/").get_data(as_text=True)


def test_the_neutral_title_is_read_from_the_environment() -> None:
    assert Config.from_env({"SECRET_KEY": "x"}).neutral_title is None
    assert (
        Config.from_env({"SECRET_KEY": "x", "PORTAL_NEUTRAL_TITLE": " My  notes "}).neutral_title
        == "My notes"
    )
    with pytest.raises(ConfigError):
        Config.from_env({"SECRET_KEY": "x", "PORTAL_NEUTRAL_TITLE": "n" * 41})


def test_the_safety_page_names_the_neutral_title(neutral: Flask) -> None:
    page = neutral.test_client().get("/m/help").get_data(as_text=True)
    assert "the pages of this site are called \u201cNotes\u201d" in page
    arabic = neutral.test_client().get("/m/help?lang=ar").get_data(as_text=True)
    assert "\u00abNotes\u00bb" in arabic
