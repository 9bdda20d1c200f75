"""A database outage answers 503 with Retry-After and "nothing was saved", on the web form and the
API, and `/healthz` says so; once the database is back the same requests succeed (issue 13,
point 3). Against a private PostgreSQL cluster this test stops (tests/private_servers.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from flask import Flask

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from tests.conftest import form_token
from tests.jobs.conftest import compact_on_page, torture_report
from tests.private_servers import PrivatePostgres

pytestmark = pytest.mark.skipif(not PrivatePostgres.available(), reason="needs PostgreSQL's initdb")

NOT_SAVED = "Nothing was saved. Please try again in a minute"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().init().start()
    yield server
    server.close()


@pytest.fixture
def outage_app(config: Config, postgres: PrivatePostgres) -> Flask:
    url = postgres.create_database("outage")
    command.upgrade(alembic_config(url), "head")
    app = create_app(
        dataclasses.replace(
            config, database_url=url.replace("postgresql://", "postgresql+psycopg://")
        )
    )
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def _api_report(compact: str) -> dict[str, Any]:
    form = torture_report(compact)
    return {
        "compact": compact,
        "happened": [form["happened"]],
        "incident_month": f"{form['year']}-01",
        "region": form["region"],
        "force": form["force"],
        "narrative": form["narrative"],
    }


def test_a_database_outage_is_a_503_that_says_nothing_was_saved(
    outage_app: Flask, postgres: PrivatePostgres
) -> None:
    client = outage_app.test_client()
    compact = compact_on_page(client)
    listed = client.get("/api/v1/reference").get_json()["compacts"]
    api_compact = next(c["id"] for c in listed if c["country"] == "IQ")
    token = form_token(client, "/report/new")
    assert client.get("/healthz").status_code == 200
    before = client.post("/api/v1/reports", json=_api_report(api_compact))
    assert before.status_code == 201, before.get_json()
    postgres.stop("immediate")
    try:
        web = client.post("/report/new", data={**token, **torture_report(compact)})
        assert web.status_code == 503
        assert web.headers["Retry-After"] == "60"
        assert NOT_SAVED in web.get_data(as_text=True)
        api = client.post("/api/v1/reports", json=_api_report(api_compact))
        assert api.status_code == 503
        assert api.headers["Retry-After"] == "60"
        assert NOT_SAVED in api.get_json()["error"]["detail"]
        # (The empty form itself may still be served: it is rendered once per language and
        # kept in memory, portal/web/page_cache.py.)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"] == "unreachable"
        french = client.post("/report/new?lang=fr", data={**token, **torture_report(compact)})
        assert french.status_code == 503
        assert "Rien n’a été enregistré" in french.get_data(as_text=True)
        client.get("/?lang=en")
    finally:
        postgres.start()
    # Back: the pool reconnects on its own, the same request goes through.
    assert client.get("/healthz").status_code == 200
    api = client.post("/api/v1/reports", json=_api_report(api_compact))
    assert api.status_code == 201, (api.get_json(), api_compact, listed)
