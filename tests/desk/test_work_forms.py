"""The report page's form fields come from a per-process cache (portal/desk/work_forms.py): each
page must still show its own report's values, in its own language, with its own CSRF tokens."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.domain.models import Report
from portal.web.csrf import unmask
from tests.desk.conftest import FileReport, SignedIn
from tests.desk.pages import follow, post_form

TOKEN = re.compile(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">')


def _page(browser: FlaskClient, report: Report, lang: str = "en") -> str:
    response = browser.get(f"/desk/reports/{report.public_id}?lang={lang}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_each_report_page_shows_its_own_grade_priority_and_status(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    graded, plain = file_report().report, file_report().report
    browser = signed_in()
    _page(browser, plain)  # the cache now holds the ungraded fields
    path = f"/desk/reports/{graded.public_id}"
    for action, data in (
        ("grade", {"reliability": "B", "credibility": "2"}),
        ("priority", {"priority": "77"}),
        ("status", {"status": "triaged"}),
    ):
        follow(browser, post_form(browser, f"{path}/{action}", data, token_from=path))
    for _ in range(2):
        shown = _page(browser, graded)
        assert '<option selected value="B">' in shown
        assert '<option selected value="2">' in shown
        assert 'value="77"' in shown
        assert '<option value="triaged">' not in shown  # no move to where it already is
        other = _page(browser, plain)
        reliability = other.split('id="reliability"')[1].split("</select>")[0]
        assert "<option selected value=" not in reliability
        assert 'value="77"' not in other
        assert '<option value="triaged">' in other


def test_the_fields_follow_the_language_and_every_form_has_a_fresh_token(
    demo: Flask, session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    report = file_report().report
    browser = signed_in()
    english, french = _page(browser, report, "en"), _page(browser, report, "fr")
    assert "Source reliability" in english and "Source reliability" not in french
    again = _page(browser, report, "en")
    tokens = TOKEN.findall(english) + TOKEN.findall(again)
    assert len(tokens) == 12  # six forms, two pages
    assert len(set(tokens)) == 12  # masked anew for each form
    # All the session's one token. Flask-WTF signs it with the time in seconds, so two pages
    # made across a second's boundary carry it signed twice: compare what was signed.
    assert len({unmask(t).split(".")[0] for t in tokens}) == 1
