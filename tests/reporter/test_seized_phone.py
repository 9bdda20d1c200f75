"""What a seized phone's browser keeps of the reporter pages (issue 16): no page in its cache,
no cookie that outlives the browser (none at all before something was sent), a quick exit on
every page in every language."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal import create_app
from portal.config import DEFAULT_EXIT_URL, LOCALES, Config, ConfigError
from portal.domain.models import Report
from tests.conftest import form_token
from tests.reporter.conftest import open_followup, reply, report_fields, submit_ok

REPORTER_GETS = (
    "/",
    "/safety",
    "/report/new",
    "/report/followup",
    "/report/mine",  # a member page: an anonymous visitor is sent to sign in
    "/?lang=ar",
    "/report/new?lang=ckb",
    "/no/such/page",
    "/report/nothing-here",
)


def _cookies(response: TestResponse) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _expiring(cookie: str) -> bool:
    """A cookie the browser would keep after it closes. Deleting one (an expiry in 1970,
    Max-Age=0) keeps nothing, and is how a follow-up session is ended."""
    attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
    expires = [a for a in attributes if a.startswith("expires=")]
    if "max-age=0" in attributes or any("1970" in a for a in expires):
        return False
    return any(a.startswith(("expires=", "max-age=")) for a in attributes)


def _check(response: TestResponse, where: str) -> None:
    assert response.headers.get("Cache-Control") == "no-store", where
    assert not [c for c in _cookies(response) if _expiring(c)], where


def _every_reporter_response(
    app: Flask, client: FlaskClient, session: Session
) -> Iterator[tuple[str, TestResponse]]:
    for path in REPORTER_GETS:
        yield f"GET {path}", client.get(path)
    yield "GET ?lang=ar", client.get("/report/followup?lang=ar")
    yield "DELETE /", client.delete("/")  # 405
    yield "invalid report", client.post("/report/new", data={**form_token(client, "/report/new")})
    yield "no token", client.post("/report/new", data=report_fields(session))
    yield (
        "cross-site post",
        client.post(
            "/report/new",
            data={**report_fields(session), **form_token(client, "/report/new")},
            headers={"Sec-Fetch-Site": "cross-site"},
        ),
    )
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    yield (
        "413",
        client.post(
            "/report/new",
            data={"files": [(io.BytesIO(b"\0" * too_big), "big.jpg")]},
            content_type="multipart/form-data",
        ),
    )
    yield "wrong receipt", open_followup(client, "1234 5678 9012 3456")
    sent = submit_ok(client, report_fields(session, narrative="A report for the cookie test."))
    yield "receipt", sent.response
    yield "receipt again", client.get("/report/receipt")
    resent = client.post(
        "/report/new", data={**report_fields(session), **form_token(client, "/report/new")}
    )
    yield "sent, redirected", resent
    yield "open follow-up", open_followup(client, sent.receipt)
    yield "follow-up", client.get("/report/followup")
    yield "reply", reply(client, "More of what I saw.")
    yield "empty reply", reply(client, "")
    yield "leave", client.post("/report/followup/leave")
    yield "after leaving", client.post("/report/followup/reply", data={"body": "x"})


def test_every_reporter_response_is_no_store_and_no_cookie_outlives_the_browser(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    seen = set()
    for where, response in _every_reporter_response(demo, client, session):
        _check(response, where)
        seen.add(response.status_code)
    # Pages, redirects, refusals, a missing page, a wrong method and a body too large.
    assert {200, 302, 303, 400, 404, 405, 410, 413} <= seen


def test_no_cookie_at_all_before_a_report_is_sent(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    for path in REPORTER_GETS:
        assert _cookies(client.get(path)) == [], path
    refused = client.post("/report/new", data={**form_token(client, "/report/new")})
    assert refused.status_code == 400 and _cookies(refused) == []
    wrong = open_followup(client, "1234 5678 9012 3456")
    assert wrong.status_code == 400 and _cookies(wrong) == []


def test_a_chosen_language_travels_in_links_not_in_a_cookie(demo: Flask) -> None:
    client = demo.test_client()
    landing = client.get("/?lang=ar")
    assert _cookies(landing) == []
    page = landing.get_data(as_text=True)
    assert 'href="/report/new?lang=ar"' in page and 'href="/safety?lang=ar"' in page
    form = client.get("/report/new?lang=ar").get_data(as_text=True)
    assert 'action="/report/new?lang=ar"' in form
    # Staff pages still remember the choice, as before.
    assert any(c.startswith("lang=fr") for c in _cookies(client.get("/auth/login?lang=fr")))


def test_a_form_posted_from_another_site_is_refused_and_nothing_is_stored(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    fields = {**report_fields(session), **form_token(client, "/report/new")}
    for site in ("cross-site", "same-site"):
        response = client.post("/report/new", data=fields, headers={"Sec-Fetch-Site": site})
        assert response.status_code == 400
        assert '<p class="receipt"' not in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Report)) == 0
    refused = client.post(
        "/report/followup", data={"receipt": "1"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 400
    # The same form from this site goes through.
    sent = client.post("/report/new", data=fields, headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status_code == 303
    assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_a_forged_or_missing_form_token_keeps_what_was_typed(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    fields = report_fields(session, narrative="Typed on a slow phone, kept on the page.")
    response = client.post("/report/new", data={**fields, "submission": "forged"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Typed on a slow phone, kept on the page." in page
    assert "This form was open for too long" in page
    assert re.search(r'name="submission" type="hidden" value="[^"]+"', page)
    assert session.scalar(select(func.count()).select_from(Report)) == 0


QUICK_EXIT = re.compile(r'<a class="quick-exit" href="([^"]+)" rel="noreferrer"[^>]*>([^<]+)</a>')


@pytest.mark.parametrize("locale", LOCALES)
def test_every_reporter_page_has_the_quick_exit_early_in_every_locale(
    demo: Flask, locale: str
) -> None:
    client = demo.test_client()
    labels = set()
    for path in ("/", "/safety", "/report/new", "/report/followup", "/no/such/page"):
        page = client.get(f"{path}?lang={locale}").get_data(as_text=True)
        found = QUICK_EXIT.search(page)
        assert found and found.group(1) == DEFAULT_EXIT_URL, path
        labels.add(found.group(2))
        # The first thing a keyboard reaches after the skip link: nothing else comes before it.
        before = page[: found.start()].split("<body>", 1)[1]
        focusable = re.findall(r"<(?:a|button|input|select|textarea|summary)\b[^>]*>", before)
        assert len(focusable) == 1 and 'class="skip-link"' in focusable[0], path
    assert len(labels) == 1
    if locale != "en":
        assert labels != {"Quick exit"}, f"quick exit not translated in {locale}"


def test_staff_pages_have_no_quick_exit_and_no_script(demo: Flask) -> None:
    page = demo.test_client().get("/auth/login").get_data(as_text=True)
    assert "quick-exit" not in page and "<script" not in page


def test_the_exit_address_is_configurable_and_must_be_a_web_address(config: Config) -> None:
    assert Config.from_env({"SECRET_KEY": "x"}).exit_url == DEFAULT_EXIT_URL
    chosen = Config.from_env({"SECRET_KEY": "x", "PORTAL_EXIT_URL": "https://weather.example/"})
    assert chosen.exit_url == "https://weather.example/"
    for bad in ("javascript:alert(1)", "/relative", "https://", "data:text/html,x", 'https://a"b'):
        with pytest.raises(ConfigError):
            Config.from_env({"SECRET_KEY": "x", "PORTAL_EXIT_URL": bad})
    app = create_app(dataclasses.replace(config, exit_url="https://weather.example/"))
    page = app.test_client().get("/").get_data(as_text=True)
    assert QUICK_EXIT.search(page).group(1) == "https://weather.example/"  # type: ignore[union-attr]


def test_the_quick_exit_ends_a_follow_up_session(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    sent = submit_ok(client, report_fields(session))
    assert open_followup(client, sent.receipt).status_code == 302
    page = client.get("/report/followup").get_data(as_text=True)
    assert 'data-leave="/report/followup/leave"' in page
    # What the script's beacon sends: a bare POST, no token, from this site.
    ended = client.post("/report/followup/leave", headers={"Sec-Fetch-Site": "same-origin"})
    assert ended.status_code == 302
    assert "data-leave=" not in client.get("/report/followup").get_data(as_text=True)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_safety_page_says_what_the_site_does_and_what_the_reporter_must_do(
    demo: Flask, locale: str
) -> None:
    page = demo.test_client().get(f"/safety?lang={locale}").get_data(as_text=True)
    sections = re.findall(r'<h2 id="(phone|you)">([^<]+)</h2>', page)
    assert [anchor for anchor, _ in sections] == ["phone", "you"]
    assert "Tor Browser" in page  # a name, the same in every language
    advice = re.findall(r"<li>([^<]+)</li>", page)
    assert len(advice) >= 13
    if locale != "en":
        english = demo.test_client().get("/safety?lang=en").get_data(as_text=True)
        assert not {text for _, text in sections} & set(
            re.findall(r"<h2[^>]*>([^<]+)</h2>", english)
        )
        assert not set(advice) & set(re.findall(r"<li>([^<]+)</li>", english))
    # Without a neutral title, the page does not claim one.
    assert "history, the pages of this site are called" not in page
