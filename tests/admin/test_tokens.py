"""API tokens: made in the admin pages or by `portal token create`, shown once, hashed at rest,
listed with their last-used day, expiring, and revoked at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import ApiToken, AuditEvent, Role, User
from portal.domain.models.base import today
from tests.auth.test_admin_reset import one_time
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def seeded(app: Flask) -> Flask:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(admin: FlaskClient, owner: User, scopes: list[str], days: str = "30") -> str:
    page = admin.post(
        "/admin/tokens/new",
        data={
            "csrf_token": csrf_token(admin, "/admin/tokens/new"),
            "name": "ministry  dashboard",
            "owner": str(owner.id),
            "scopes": scopes,
            "days": days,
        },
    )
    assert page.status_code == 200, page.get_data(as_text=True)[:1500]
    return one_time(page.get_data(as_text=True), "api-token")


def test_a_token_made_in_the_pages_reads_through_the_api_until_revoked(
    seeded: Flask,
    make_user,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    owner = make_user("analyst@example.org", roles=(Role.ASSESSOR,))
    admin = seeded.test_client()
    sign_in(admin, "admin@example.org")

    token = make_token(admin, owner, ["compacts:read"])
    machine = seeded.test_client()
    assert machine.get("/api/v1/compacts", headers=bearer(token)).status_code == 200
    assert machine.get("/api/v1/compacts/x/scorecards", headers=bearer(token)).status_code == 403

    row = session.scalar(select(ApiToken))
    assert row is not None
    # Hashed at rest, never in clear; expiring; its last-used day recorded.
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row.__dict__)
    assert row.expires_day == today() + dt.timedelta(days=30)
    assert row.last_used_day == today()
    assert row.name == "ministry dashboard"
    listed = html.unescape(admin.get("/admin/tokens").get_data(as_text=True))
    assert "ministry dashboard" in listed and "analyst@example.org" in listed
    assert token not in listed  # shown once, on the page that made it

    admin.post(
        f"/admin/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(admin, "/admin/tokens")}
    )
    assert machine.get("/api/v1/compacts", headers=bearer(token)).status_code == 401
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["token.created", "token.revoked"]


def test_an_expired_token_and_a_disabled_owner_read_nothing(
    seeded: Flask,
    make_user,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    owner = make_user("analyst@example.org", roles=(Role.ASSESSOR,))
    admin = seeded.test_client()
    sign_in(admin, "admin@example.org")
    token = make_token(admin, owner, ["compacts:read"])
    machine = seeded.test_client()
    row = session.scalar(select(ApiToken))
    assert row is not None
    row.expires_day = today() - dt.timedelta(days=1)
    session.commit()
    assert machine.get("/api/v1/compacts", headers=bearer(token)).status_code == 401
    assert "Expired on" in admin.get("/admin/tokens").get_data(as_text=True)

    row.expires_day = today()  # the last day it works
    session.commit()
    assert machine.get("/api/v1/compacts", headers=bearer(token)).status_code == 200
    page = f"/admin/users/{owner.id}"
    admin.post(f"{page}/disable", data={"csrf_token": csrf_token(admin, page)})
    assert machine.get("/api/v1/compacts", headers=bearer(token)).status_code == 401


def test_only_assessors_and_admins_own_tokens(seeded: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("admin@example.org", roles=(Role.ADMIN,))
    verifier = make_user("desk@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    admin = seeded.test_client()
    sign_in(admin, "admin@example.org")
    form = admin.get("/admin/tokens/new").get_data(as_text=True)
    assert "desk@example.org" not in form
    refused = admin.post(
        "/admin/tokens/new",
        data={
            "csrf_token": csrf_token(admin, "/admin/tokens/new"),
            "name": "x",
            "owner": str(verifier.id),
            "scopes": ["compacts:read"],
            "days": "30",
        },
    )
    assert refused.status_code == 400


def test_the_cli_makes_a_token_for_scripts(seeded: Flask, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    make_user("analyst@example.org", roles=(Role.ASSESSOR,))
    runner = seeded.test_cli_runner()
    made = runner.invoke(
        args=[
            "portal", "token", "create", "--owner", "analyst@example.org",
            "--name", "nightly export", "--scope", "scorecards:read", "--scope", "compacts:read",
            "--days", "7",
        ]
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("cwt_")
    assert seeded.test_client().get("/api/v1/compacts", headers=bearer(token)).status_code == 200
    listed = runner.invoke(args=["portal", "token", "list"])
    assert "nightly export" in listed.output and token not in listed.output
    row = session.scalar(select(ApiToken))
    assert row is not None and row.expires_day == today() + dt.timedelta(days=7)
    refused = runner.invoke(
        args=["portal", "token", "create", "--owner", "nobody@example.org", "--name", "x",
              "--scope", "compacts:read"]
    )  # fmt: skip
    assert refused.exit_code != 0 and "no account" in refused.output
    revoked = runner.invoke(args=["portal", "token", "revoke", str(row.id)])
    assert revoked.exit_code == 0
    assert seeded.test_client().get("/api/v1/compacts", headers=bearer(token)).status_code == 401
