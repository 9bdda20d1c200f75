"""The plan's other scoring rules from the UI (issue 12.4): tier counts, the hard hurdles'
confidence, intervals and clocks, and the population by region. Each save is a new plan version
named in words in the diff; each refused value is shown on its field, translated, and saves
nothing; only admins may post; the population by region reaches the scorecard's coverage gate."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.models import Compact, MonitoringPlan, Role, Scorecard
from portal.i18n.places import regions
from tests.assess import world
from tests.conftest import csrf_token, sign_in

Q1 = Period(2026, 1)


@pytest.fixture
def compact(app: Flask, session: Session) -> Compact:
    return world.demo_iraq(app, session)


@pytest.fixture
def admin(app: Flask, compact: Compact, make_user: Any) -> FlaskClient:
    make_user("chief@example.org", roles=(Role.ADMIN,))
    client = app.test_client()
    sign_in(client, "chief@example.org")
    return client


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _form(client: FlaskClient, path: str, **changes: str) -> dict[str, str]:
    """The section's form as the page fills it, with `changes` typed over it."""
    page = client.get(path)
    assert page.status_code == 200, _text(page)[:500]
    main = page.get_data(as_text=True).split("<main", 1)[1]
    form = main.split("<form", 1)[1].split("</form>")[0]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    values.update(changes)
    return values


def _versions(session: Session, compact: Compact) -> list[MonitoringPlan]:
    session.expire_all()
    return list(
        session.scalars(
            select(MonitoringPlan)
            .where(MonitoringPlan.compact_id == compact.id)
            .order_by(MonitoringPlan.version)
        )
    )


def _diff(page: str) -> str:
    return page.split('id="diff-h"')[1].split("</table>")[0]


TIERS = "tiers"
HURDLES = "hurdles"

# (section, field, value typed, stored key, stored value, words in the diff, value in the diff)
CHANGES = [
    (TIERS, "tier1_min_passes", "7", "tiers", 7, "Tier 1: indicators that pass, at least", "7"),
    (TIERS, "tier2_min_passes", "11", "tiers", 11, "Tier 2: indicators that pass, at least", "11"),
    (TIERS, "tier3_min_passes", "14", "tiers", 14, "Tier 3: indicators that pass, at least", "14"),
    (TIERS, "reform_min_passes", "5", "tiers", 5, "Reform track: indicators that pass", "5"),
    (TIERS, "integrity_min_passes", "3", "tiers", 3, "integrity indicators (IC-1 to IC-3)", "3"),
    (TIERS, "unit_flag_min_incidents", "2", "tiers", 2, "Unit flag: verified grave-violation", "2"),
    (TIERS, "unit_flag_window_months", "24", "tiers", 24, "Unit flag: counted within", "24"),
    (TIERS, "peer_minimum", "5", "tiers", 5, "Peer median: comparable compacts", "5"),
    (HURDLES, "hurdle_confidence", "97,5", None, 0.975, "Confidence of the exact bounds", "97.5%"),
    (HURDLES, "interval_mass", "80", None, 0.8, "Probability inside the intervals", "80%"),
    (HURDLES, "checklist_min_half_width", "7.5", None, 7.5, "Narrowest checklist interval", "7.5"),
    (HURDLES, "response_window_days", "120", None, 120, "Days after the incident month", "120"),
]


@pytest.mark.parametrize(
    ("section", "name", "typed", "group", "stored", "words", "shown"),
    CHANGES,
    ids=[c[1] for c in CHANGES],
)
def test_each_rule_saves_a_new_version_named_in_words_in_the_diff(
    admin: FlaskClient,
    session: Session,
    compact: Compact,
    section: str,
    name: str,
    typed: str,
    group: str | None,
    stored: float,
    words: str,
    shown: str,
) -> None:
    before = _versions(session, compact)[-1]
    path = f"/assess/compacts/{compact.slug}/plan/{section}"
    data = _form(admin, path, **{name: typed, "note": "Board decision of May"})
    response = admin.post(path, data=data)
    assert response.status_code == 302, _text(response)[:3000]
    latest = _versions(session, compact)[-1]
    assert latest.version == before.version + 1 and latest.note == "Board decision of May"
    rules = latest.rules[group] if group else latest.rules
    assert rules[name] == stored
    old_rules = before.rules[group] if group else before.rules
    assert old_rules[name] != stored  # the old version keeps its value
    page = _text(admin.get(response.headers["Location"]))
    assert f"Plan version {latest.version} saved." in page
    diff = _diff(page)
    assert words in diff and f">{shown}<" in diff
    assert "rules." not in diff  # words, never the stored keys
    assert diff.count("<tr><td") == 1  # only the changed value
    old = _text(admin.get(f"/assess/compacts/{compact.slug}/plan?version={before.version}"))
    assert f"Version {before.version} of {latest.version}" in old
    # The form shows the saved value back as typed (97.5, not cut to 97).
    again = admin.get(path).get_data(as_text=True)
    assert re.search(rf'name="{name}"[^>]*value="{re.escape(typed.replace(",", "."))}"', again)


REFUSALS = [
    (TIERS, {"tier1_min_passes": "0"}, "tier1_min_passes", "Enter a whole number from 1 to 16."),
    (TIERS, {"tier3_min_passes": "17"}, "tier3_min_passes", "Enter a whole number from 1 to 16."),
    (TIERS, {"tier2_min_passes": "ten"}, "tier2_min_passes", "Enter a whole number from 1 to 16."),
    # The domain's rule across fields (PlanRuleError), shown on the field it names.
    (TIERS, {"tier1_min_passes": "12"}, "tier1_min_passes", "Pass counts must rise"),
    (
        TIERS,
        {"integrity_min_passes": "4"},
        "integrity_min_passes",
        "Enter a whole number from 1 to 3.",
    ),
    (TIERS, {"peer_minimum": ""}, "peer_minimum", "Enter a whole number, 1 or more."),
    (
        TIERS,
        {"unit_flag_window_months": "0"},
        "unit_flag_window_months",
        "Enter a whole number, 1 or more.",
    ),
    (TIERS, {"note": " "}, "note", "Say why the plan changes."),
    (
        HURDLES,
        {"hurdle_confidence": "100"},
        "hurdle_confidence",
        "Enter a percentage from 50 to 99.99.",
    ),
    (HURDLES, {"interval_mass": "0.9"}, "interval_mass", "Enter a percentage from 50 to 99.99."),
    (
        HURDLES,
        {"hurdle_confidence": "high"},
        "hurdle_confidence",
        "Enter a percentage from 50 to 99.99.",
    ),
    (
        HURDLES,
        {"checklist_min_half_width": "51"},
        "checklist_min_half_width",
        "Enter a number of points from 0 to 50.",
    ),
    (
        HURDLES,
        {"response_window_days": "731"},
        "response_window_days",
        "Enter a whole number of days from 1 to 730.",
    ),
    (
        HURDLES,
        {"response_window_days": "0"},
        "response_window_days",
        "Enter a whole number of days from 1 to 730.",
    ),
    (
        "population",
        {"region_IQ_BG": "-5", "population_source": "census"},
        "region_IQ_BG",
        "Enter a number of people, 0 or more, or leave it empty.",
    ),
    (
        "population",
        {"region_IQ_BG": "100", "population_source": ""},
        "population_source",
        "Say where the population figures come from",
    ),
]


@pytest.mark.parametrize(
    ("section", "typed", "field", "message"),
    REFUSALS,
    ids=[f"{r[0]}-{next(iter(r[1]))}-{r[1][next(iter(r[1]))]!s}" for r in REFUSALS],
)
def test_a_wrong_value_is_refused_on_its_field_and_no_version_is_written(
    admin: FlaskClient,
    session: Session,
    compact: Compact,
    section: str,
    typed: dict[str, str],
    field: str,
    message: str,
) -> None:
    count = len(_versions(session, compact))
    path = f"/assess/compacts/{compact.slug}/plan/{section}"
    data = {"note": "Board decision of May", **typed}
    response = admin.post(path, data=_form(admin, path, **data))
    assert response.status_code == 400
    page = _text(response)
    error = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', page)
    assert error is not None, page[:4000]
    assert message in error.group(1)
    assert 'aria-invalid="true"' in page and "Please check the form" in page
    assert len(_versions(session, compact)) == count


def test_the_refusal_is_in_the_admins_language(
    admin: FlaskClient, session: Session, compact: Compact
) -> None:
    count = len(_versions(session, compact))
    path = f"/assess/compacts/{compact.slug}/plan/tiers?lang=fr"
    response = admin.post(
        path, data=_form(admin, path, tier1_min_passes="12", note="Décision du conseil")
    )
    assert response.status_code == 400
    page = _text(response)
    error = re.search(r'id="tier1_min_passes-error">([^<]*)<', page)
    assert error is not None and "16" in error.group(1)
    assert "Pass counts must rise" not in page and "Lower tier 1" not in page
    assert len(_versions(session, compact)) == count


@pytest.mark.parametrize("section", [TIERS, HURDLES, "population", "rules"])
def test_saving_unchanged_makes_no_version(
    admin: FlaskClient, session: Session, compact: Compact, section: str
) -> None:
    count = len(_versions(session, compact))
    path = f"/assess/compacts/{compact.slug}/plan/{section}"
    response = admin.post(path, data=_form(admin, path, note="Looked again, no change"))
    assert response.status_code == 302
    assert "Nothing changed." in _text(admin.get(response.headers["Location"]))
    assert len(_versions(session, compact)) == count


@pytest.mark.parametrize("section", [TIERS, HURDLES, "population", "rules"])
def test_only_an_admin_may_change_these_rules(
    app: Flask, session: Session, compact: Compact, make_user: Any, section: str
) -> None:
    make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    count = len(_versions(session, compact))
    path = f"/assess/compacts/{compact.slug}/plan/{section}"
    assert client.get(path).status_code == 403
    response = client.post(path, data={"note": "x", "tier1_min_passes": "1"})
    assert response.status_code in (400, 403)  # refused before the form (CSRF or role)
    assert len(_versions(session, compact)) == count
    # Not offered on the plan page either.
    plan_page = _text(client.get(f"/assess/compacts/{compact.slug}/plan"))
    assert f"/plan/{section}" not in plan_page


def _coverage_share(session: Session, compact: Compact) -> float:
    session.expire_all()
    card = session.scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id, Scorecard.period == str(Q1))
        .order_by(Scorecard.id.desc())
        .limit(1)
    )
    assert card is not None
    figures = {r["criterion"]: r for r in card.assessment["coverage"]["results"]}
    share: float = figures["population"]["figure"]
    return share


def _set_population(admin: FlaskClient, compact: Compact, figures: dict[str, str]) -> str:
    path = f"/assess/compacts/{compact.slug}/plan/population"
    data = _form(admin, path, note="2026 census", population_source="Census 2026, table 3")
    data.update({k: "" for k in data if k.startswith("region_")})
    data.update({"region_" + code.replace("-", "_"): v for code, v in figures.items()})
    response = admin.post(path, data=data)
    assert response.status_code == 302, _text(response)[:3000]
    return _text(admin.get(response.headers["Location"]))


def test_population_by_region_moves_the_scorecards_population_share(
    admin: FlaskClient, session: Session, compact: Compact
) -> None:
    codes = {p.code for p in regions("IQ")}
    assert {"IQ-BG", "IQ-BA"} <= codes
    orgs = world.partners(session)
    month = Q1.first_month
    for i in range(3):  # reports from Baghdad only
        day = dt.date(month.year, month.month + i, 1)
        session.add(world.report(compact, day, region="IQ-BG", organisation=orgs[i]))
    session.commit()

    page = _set_population(admin, compact, {"IQ-BG": "9000000", "IQ-BA": "1000000"})
    diff = _diff(page)
    # Region by region, named in the reader's words, with grouped digits.
    assert "Population by region: Baghd" in diff and "9,000,000" in diff
    assert "Population by region: Al Ba" in diff
    assert "Census 2026, table 3" in diff and "exposure." not in diff
    latest = _versions(session, compact)[-1]
    assert latest.exposure["region_population"] == {"IQ-BG": 9_000_000, "IQ-BA": 1_000_000}

    compute = f"/assess/compacts/{compact.slug}/compute?period={Q1}"
    token = csrf_token(admin, f"/assess/compacts/{compact.slug}?period={Q1}")
    assert admin.post(compute, data={"csrf_token": token}).status_code == 302
    assert _coverage_share(session, compact) == pytest.approx(0.9)

    # Basra now holds most people: the same reports cover a tenth of the population.
    _set_population(admin, compact, {"IQ-BG": "1000000", "IQ-BA": "9000000"})
    card_page = _text(admin.get(f"/assess/compacts/{compact.slug}?period={Q1}"))
    assert "Recompute it to apply the current plan." in card_page  # computed with the old one
    assert admin.post(compute, data={"csrf_token": token}).status_code == 302
    assert _coverage_share(session, compact) == pytest.approx(0.1)
    card_page = _text(admin.get(f"/assess/compacts/{compact.slug}?period={Q1}"))
    assert "10%" in card_page and "Recompute it to apply the current plan." not in card_page

    # Emptying every region clears the figures (and needs no source); older versions keep theirs.
    path = f"/assess/compacts/{compact.slug}/plan/population"
    data = _form(admin, path, note="Figures withdrawn", population_source="")
    data.update({k: "" for k in data if k.startswith("region_")})
    assert admin.post(path, data=data).status_code == 302
    versions = _versions(session, compact)
    assert not versions[-1].exposure.get("region_population")
    old = _text(admin.get(f"/assess/compacts/{compact.slug}/plan?version={versions[-2].version}"))
    assert "People living in each region" in old and "9,000,000" in old
