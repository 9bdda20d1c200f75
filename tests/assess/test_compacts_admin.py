"""Compacts and plan versions from the UI (issue 12.4): every change is a new version with a diff,
and old versions stay readable."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import AuditEvent, Compact, Desk, MonitoringPlan, Role
from portal.domain.scoring.rules import FRACTION_CODES
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def admin(app: Flask, session: Session, make_user: Any) -> FlaskClient:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    make_user("chief@example.org", roles=(Role.ADMIN,))
    client = app.test_client()
    sign_in(client, "chief@example.org")
    return client


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _desk(session: Session, code: str = "IQ") -> int:
    found = session.scalar(select(Desk.id).where(Desk.code == code))
    assert found is not None
    return found


def _terms(session: Session, **changes: Any) -> dict[str, Any]:
    terms = {
        "country": "IQ",
        "partner": "Government of Iraq",
        "title": "Iraq security compact 2027–2033",
        "start_day": "2027-01-01",
        "end_day": "2032-12-31",
        "status": "active",
        "fragility_band": "high",
        "population": "46000000",
        "desks": [str(_desk(session))],
    }
    terms.update(changes)
    return terms


def _create(admin: FlaskClient, session: Session, **changes: Any) -> Any:
    token = csrf_token(admin, "/assess/compacts/new")
    return admin.post(
        "/assess/compacts/new", data={"csrf_token": token, **_terms(session, **changes)}
    )


def test_an_admin_creates_a_compact_with_its_first_plan(
    admin: FlaskClient, session: Session
) -> None:
    response = _create(admin, session)
    assert response.status_code == 302, _text(response)[:2000]
    compact = session.scalar(select(Compact).where(Compact.slug == "iq-2027"))
    assert compact is not None and compact.status.value == "active"
    assert [d.desk_id for d in compact.desks] == [_desk(session)]
    [plan] = session.scalars(
        select(MonitoringPlan).where(MonitoringPlan.compact_id == compact.id)
    ).all()
    assert plan.version == 1 and plan.rules["coverage"]["min_reports"] == 30
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "compact.create"))
    assert event.detail["after"]["partner"] == "Government of Iraq"
    # It is listed for assessors and admins, with its title to tell it from the demo compact.
    assert "Iraq security compact 2027–2033" in _text(admin.get("/assess/"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_day": "2030-12-31"}, "A compact's term is 5 to 10 years."),
        ({"end_day": "2040-01-01"}, "A compact's term is 5 to 10 years."),
        ({"desks": []}, "Choose the desk or desks that verify its reports."),
        ({"partner": " "}, "Name the partner government."),
    ],
)
def test_a_wrong_compact_is_refused_with_a_sentence(
    admin: FlaskClient, session: Session, changes: dict[str, Any], message: str
) -> None:
    before = len(session.scalars(select(Compact)).all())
    response = _create(admin, session, **changes)
    assert response.status_code == 400
    assert message in _text(response) or "This field is required." in _text(response)
    session.expire_all()
    assert len(session.scalars(select(Compact)).all()) == before


def test_each_change_to_a_compact_is_a_version_with_its_diff(
    admin: FlaskClient, session: Session
) -> None:
    assert _create(admin, session).status_code == 302
    path = "/assess/compacts/iq-2027/edit"
    token = csrf_token(admin, path)
    response = admin.post(
        path,
        data={
            "csrf_token": token,
            **_terms(session, fragility_band="extreme", status="suspended"),
        },
    )
    assert response.status_code == 302
    page = _text(admin.get(path))
    assert "The change is saved as a new version of the compact." in page
    versions = page.split("Versions of the compact")[1]
    assert "Version 2," in versions and "Version 1," in versions
    version2 = versions.split('<section class="version">')[1]  # newest first
    assert "High fragility" in version2 and "Extreme fragility" in version2
    assert "Active: open to reports" in version2 and "Suspended" in version2
    assert "Partner government" not in version2  # unchanged terms are not listed
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "compact.edit"))
    assert event.detail["changes"]["fragility_band"] == ["high", "extreme"]
    # Saving again unchanged records nothing.
    response = admin.post(
        path,
        data={
            "csrf_token": token,
            **_terms(session, fragility_band="extreme", status="suspended"),
        },
    )
    assert "Nothing changed." in _text(admin.get(response.headers["Location"]))
    session.expire_all()
    assert (
        len(session.scalars(select(AuditEvent).where(AuditEvent.action == "compact.edit")).all())
        == 1
    )


def _rules_form(admin: FlaskClient, slug: str, **changes: str) -> dict[str, Any]:
    page = admin.get(f"/assess/compacts/{slug}/plan").get_data(as_text=True)
    form = page.split('id="rules-h"')[1]
    values = dict(re.findall(r'name="([a-z_0-9A-Z-]+)"[^>]*value="([^"]*)"', form))
    values = {k: html.unescape(v) for k, v in values.items()}
    values.update(changes)
    return values


def test_plan_rules_change_as_a_new_version_with_a_diff_and_old_versions_stay_readable(
    admin: FlaskClient, session: Session
) -> None:
    assert _create(admin, session).status_code == 302
    slug = "iq-2027"
    data = _rules_form(
        admin,
        slug,
        min_reports="40",
        min_population_share="80",
        note="Board decision of March: a denser network",
        **{"fraction-HR-1": "0.25", "fraction-source-HR-1": "Capture-recapture study 2026"},
    )
    response = admin.post(f"/assess/compacts/{slug}/plan/rules", data=data)
    assert response.status_code == 302, re.findall(r"error-message[^<]*<", _text(response))
    page = _text(admin.get(response.headers["Location"]))
    assert "Plan version 2 saved." in page
    diff = page.split('id="diff-h"')[1].split("</table>")[0]
    # Named in words, each value in its unit (issue 12.4), never by its stored key.
    assert "rules." not in diff
    assert "Monitoring coverage minimum: Reports about the period, at least" in diff
    assert ">30<" in diff and ">40<" in diff
    assert "Share of the population in regions with a report" in diff
    assert ">70%<" in diff and ">80%<" in diff
    assert "HR-1: where this fraction comes from" in diff
    assert "Capture-recapture study 2026" in diff
    assert "Partner organisations active" not in diff  # unchanged
    # Version 1 is still readable as it was.
    old = _text(admin.get(f"/assess/compacts/{slug}/plan?version=1"))
    assert "Version 1 of 2" in old and "30 reports about the period" in old
    # A fraction without its source is refused, and no version is made.
    bad = _rules_form(admin, slug, note="try", **{"fraction-source-HR-1": ""})
    response = admin.post(f"/assess/compacts/{slug}/plan/rules", data=bad)
    assert response.status_code == 400  # the form again, the refusal on its field
    assert re.search(
        r'id="fraction-source-HR-1-error">Say where each reporting fraction comes from.<',
        _text(response),
    )
    # So is a fraction of 0 (the domain's rule: a rate is divided by it).
    bad = _rules_form(admin, slug, note="try", **{"fraction-HR-1": "0"})
    response = admin.post(f"/assess/compacts/{slug}/plan/rules", data=bad)
    assert response.status_code == 400
    assert re.search(
        r'id="fraction-HR-1-error">Each reporting fraction is a number above 0 and at most 1.<',
        _text(response),
    )
    # And a coverage minimum below its range.
    bad = _rules_form(admin, slug, note="try", min_reports="-1")
    response = admin.post(f"/assess/compacts/{slug}/plan/rules", data=bad)
    assert response.status_code == 400
    assert 'id="min_reports-error">Enter a whole number, 0 or more.<' in _text(response)
    session.expire_all()
    compact = session.scalar(select(Compact).where(Compact.slug == slug))
    assert compact is not None
    versions = session.scalars(
        select(MonitoringPlan.version).where(MonitoringPlan.compact_id == compact.id)
    ).all()
    assert sorted(versions) == [1, 2]
    assert set(FRACTION_CODES) >= {"HR-1"}
