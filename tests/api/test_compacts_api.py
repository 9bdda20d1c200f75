"""The token-authenticated read API: scopes, revocation, bodies validated against the document."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.auth.api_tokens import issue_token, revoke
from portal.domain.models import ApiToken, Compact, User
from portal.web.services import EXTENSION
from tests.api.conftest import ApiClient

ALL = ("compacts:read", "scorecards:read", "exports:read")


@pytest.fixture
def world(demo: Flask, make_user) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from portal.domain.models import Role

    make_user("api-owner@example.org", roles=(Role.ASSESSOR,))
    with demo.extensions[EXTENSION].database.transaction() as session:
        compact = session.scalars(select(Compact).where(Compact.country == "IQ")).first()
        assert compact is not None
        compact.partner = '=HYPERLINK("http://evil.example","click")'
        card = compute_scorecard(session, compact, Period(2026))
        owner = session.scalar(select(User).where(User.email == "api-owner@example.org"))
        assert owner is not None
        tokens = {scope: issue_token(session, owner, scope, [scope]) for scope in ALL}
        tokens["all"] = issue_token(session, owner, "all", ALL)
        world = {"slug": compact.slug, "tier": card.recommended_tier, "tokens": tokens}
    yield world


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_compacts_and_indicators_with_the_scope(api: ApiClient, world: dict[str, Any]) -> None:
    token = world["tokens"]["compacts:read"]
    listed = api.get("/api/v1/compacts", headers=_bearer(token))
    assert listed.status_code == 200
    assert world["slug"] in {c["id"] for c in listed.get_json()["compacts"]}
    catalogue = api.get("/api/v1/indicators", headers=_bearer(token))
    assert catalogue.status_code == 200
    assert len(catalogue.get_json()["indicators"]) == 16
    hurdles = {i["code"] for i in catalogue.get_json()["indicators"] if i["hard_hurdle_from_tier"]}
    assert {"HR-1", "OA-1", "OA-3", "AD-1"} <= hurdles


def test_scorecard_with_the_scope(api: ApiClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/compacts/{world['slug']}/scorecards?period=2026"
    response = api.get(url, headers=_bearer(world["tokens"]["scorecards:read"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["recommended_tier"] == world["tier"]
    assert len(body["indicators"]) == 16
    assert body["period"] == "2026"
    text = response.get_data(as_text=True)
    assert "narrative" not in text and "unit_key" not in text


def test_scorecard_errors(api: ApiClient, world: dict[str, Any]) -> None:
    headers = _bearer(world["tokens"]["scorecards:read"])
    base = f"/api/v1/compacts/{world['slug']}/scorecards"
    assert api.get(base + "?period=2019", headers=headers).status_code == 404
    assert api.get(base + "?period=nope", headers=headers).status_code == 400
    assert api.get(base, headers=headers).status_code == 400
    assert (
        api.get("/api/v1/compacts/nothing/scorecards?period=2026", headers=headers).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("url", "wrong"),
    [
        ("/api/v1/compacts", "scorecards:read"),
        ("/api/v1/indicators", "exports:read"),
        ("/api/v1/compacts/{slug}/scorecards?period=2026", "compacts:read"),
        ("/api/v1/compacts/{slug}/scorecards.csv?period=2026", "scorecards:read"),
        ("/api/v1/compacts/{slug}/scorecards.json?period=2026", "compacts:read"),
        ("/api/v1/compacts/{slug}/incidents.csv?period=2026", "scorecards:read"),
        ("/api/v1/compacts/{slug}/incidents.json?period=2026", "compacts:read"),
        ("/api/v1/compacts/{slug}/timeseries.csv?period=2026", "scorecards:read"),
        ("/api/v1/compacts/{slug}/timeseries.json?period=2026-Q1", "compacts:read"),
        ("/api/v1/exports", "scorecards:read"),
    ],
)
def test_wrong_scope_missing_and_invalid_token(
    api: ApiClient, world: dict[str, Any], url: str, wrong: str
) -> None:
    url = url.format(slug=world["slug"])
    assert api.get(url, headers=_bearer(world["tokens"][wrong])).status_code == 403
    assert api.get(url).status_code == 401
    assert api.get(url, headers=_bearer("cwt_not-a-token")).status_code == 401
    assert api.get(url, headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert api.get(url, headers=_bearer(world["tokens"]["all"])).status_code == 200


def test_revoked_token_is_refused(api: ApiClient, world: dict[str, Any], demo: Flask) -> None:
    token = world["tokens"]["compacts:read"]
    assert api.get("/api/v1/compacts", headers=_bearer(token)).status_code == 200
    with demo.extensions[EXTENSION].database.transaction() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == "compacts:read"))
        assert row is not None
        revoke(session, row)
    assert api.get("/api/v1/compacts", headers=_bearer(token)).status_code == 401


def test_csv_export_has_hxl_row_and_defused_cells(api: ApiClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/compacts/{world['slug']}/scorecards.csv?period=2026"
    response = api.get(url, headers=_bearer(world["tokens"]["exports:read"]))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8"))))
    header, hxl, data = rows[0], rows[1], rows[2:]
    assert header[0] == "compact" and all(tag.startswith("#") for tag in hxl)
    assert "#indicator+code" in hxl and "#value+estimate" in hxl
    assert len(data) == 16
    partner = data[0][header.index("partner")]
    assert partner == '\'=HYPERLINK("http://evil.example","click")'


def test_json_export_matches_the_scorecard(api: ApiClient, world: dict[str, Any]) -> None:
    token = world["tokens"]["all"]
    base = f"/api/v1/compacts/{world['slug']}/scorecards"
    card = api.get(base + "?period=2026", headers=_bearer(token)).get_json()
    exported = api.get(base + ".json?period=2026", headers=_bearer(token))
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith("attachment; ")
    assert exported.get_json() == card


def test_incidents_csv(api: ApiClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/compacts/{world['slug']}/incidents.csv?period=2026"
    response = api.get(url, headers=_bearer(world["tokens"]["exports:read"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["compact", "country", "indicator_code"]
    assert rows[1][0] == "#meta+compact+id"
    bad = f"/api/v1/compacts/{world['slug']}/incidents.csv?period=20x"
    assert api.get(bad, headers=_bearer(world["tokens"]["exports:read"])).status_code == 400
