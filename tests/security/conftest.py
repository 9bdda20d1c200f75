"""Visitors of every kind, signed in through the real pages, for the security tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.auth.api_tokens import issue_token
from portal.domain.models import Role, User
from portal.web.services import EXTENSION
from tests.conftest import sign_in


@dataclass
class Persona:
    name: str
    client: FlaskClient
    roles: frozenset[Role]
    headers: dict[str, str]


def _reporter_session(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = client.get("/report/new").get_data(as_text=True)
    token = re.search(r'name="submission" type="hidden" value="([^"]+)"', page)
    compact = re.search(r'<option value="([^"]+)">Iraq', page)
    assert token and compact
    receipt_page = client.post(
        "/report/new",
        data={
            "submission": token.group(1),
            "compact": compact.group(1),
            "happened": "IC-1.checkpoint-money",
            "month": "3",
            "year": "2026",
            "region": "IQ-BG",
            "force": "police",
            "narrative": "n",
            "identity": "anonymous",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    receipt = " ".join(re.findall(r"<span>(\d{4})</span>", receipt_page))
    opened = client.post("/report/followup", data={"receipt": receipt})
    assert opened.status_code == 302
    return client


@pytest.fixture
def personas(app: Flask, make_user) -> Iterator[list[Persona]]:  # type: ignore[no-untyped-def]
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    people = {
        "verifier of desk A": ("a@example.org", (Role.VERIFIER,), ("IQ",)),
        "verifier of desk B": ("b@example.org", (Role.VERIFIER,), ("SO",)),
        "assessor": ("assessor@example.org", (Role.ASSESSOR,), ()),
        "admin": ("admin@example.org", (Role.ADMIN,), ()),
    }
    found = [
        Persona("anonymous", app.test_client(), frozenset(), {}),
        Persona("reporter session", _reporter_session(app), frozenset(), {}),
    ]
    for name, (email, roles, desks) in people.items():
        make_user(email, roles=roles, desks=desks)
        client = app.test_client()
        sign_in(client, email)
        found.append(Persona(name, client, frozenset(roles), {}))
    services = app.extensions[EXTENSION]
    with services.database.transaction() as session:
        owner = session.query(User).filter_by(email="assessor@example.org").one()
        token = issue_token(
            session,
            owner,
            "matrix",
            ["compacts:read", "scorecards:read", "exports:read", "ledger:read"],
        )
    found.append(
        Persona("API token", app.test_client(), frozenset(), {"Authorization": f"Bearer {token}"})
    )
    yield found
