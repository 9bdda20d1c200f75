"""Exports through the API with bearer tokens: one period at once, a whole term as a job that a
client follows and downloads; every answer is checked against the OpenAPI document."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.assess.export_jobs import ACTIVE_LIMIT, request_export
from portal.assess.periods import Period
from portal.auth.api_tokens import issue_token
from portal.config import Config
from portal.domain.models import (
    AuditEvent,
    Compact,
    DataExport,
    ExportFormat,
    ExportKind,
    ExportState,
    Role,
    User,
)
from portal.domain.models.base import utcnow
from tests.api.conftest import ApiClient
from tests.assess.exports_world import (
    SCORED,
    SLUG,
    YEARS,
    Seeded,
    expected_incident_rows,
    seed,
    worker_process,
)

BASE = f"/api/v1/compacts/{SLUG}"


@dataclass(frozen=True)
class World:
    seeded: Seeded
    tokens: dict[str, str]
    users: dict[str, int]


@pytest.fixture
def world(demo: Flask, make_user, session: Session) -> World:  # type: ignore[no-untyped-def]
    seeded = seed(session)
    tokens, users = {}, {}
    for name, role in (("owner", Role.ASSESSOR), ("other", Role.ASSESSOR), ("admin", Role.ADMIN)):
        user = make_user(f"{name}@example.org", roles=(role,))
        tokens[name] = issue_token(session, user, name, ["exports:read"])
        users[name] = user.id
    session.commit()
    return World(seeded, tokens, users)


@pytest.fixture
def rq_worker(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    yield from worker_process(config, monkeypatch)


def _as(world: World, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}


def _ask(api: ApiClient, world: World, body: Any, who: str = "owner") -> Any:
    return api.post(f"{BASE}/exports", json=body, headers=_as(world, who))


def _built(
    api: ApiClient, world: World, body: dict[str, Any], config: Config, worker: Callable[[], None]
) -> dict[str, Any]:
    """Ask for an export and wait for it as a client would: follow Location until done."""
    asked = _ask(api, world, body)
    assert asked.status_code == 202
    status = asked.get_json()
    assert asked.headers["Location"] == f"/api/v1/exports/{status['id']}"
    if config.redis_url is not None:
        assert (status["state"], status["rows_total"], status["download"]) == ("queued", None, None)
        early = api.get(f"/api/v1/exports/{status['id']}/download", headers=_as(world, "owner"))
        assert early.status_code == 409 and early.headers["Retry-After"].isdigit()
        worker()
    followed = api.get(asked.headers["Location"], headers=_as(world, "owner"))
    assert followed.status_code == 200
    done: dict[str, Any] = followed.get_json()
    assert done["state"] == "done" and done["rows_done"] == done["rows_total"]
    assert done["download"] == f"/api/v1/exports/{status['id']}/download"
    return done


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_a_whole_term_time_series_is_the_periods_put_together(
    api: ApiClient, world: World, config: Config, rq_worker: Callable[[], None]
) -> None:
    done = _built(api, world, {"kind": "timeseries", "format": "json"}, config, rq_worker)
    assert done["rows_total"] == 16 * len(SCORED) and done["period"] is None
    response = api.get(done["download"], headers=_as(world, "owner"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-term-timeseries.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    term = response.get_json()
    assert term["compact"] == SLUG and len(term["indicators"]) == 16

    # The term's series is each year's series (answered at once) one after the other.
    joined: dict[str, list[dict[str, Any]]] = {}
    for year in (2026, 2027):
        one = api.get(f"{BASE}/timeseries.json?period={year}", headers=_as(world, "owner"))
        assert one.status_code == 200 and one.get_json()["period"] == str(year)
        for item in one.get_json()["indicators"]:
            joined.setdefault(item["code"], []).extend(item["points"])
    assert {i["code"]: i["points"] for i in term["indicators"]} == joined

    # A point is the entry of its period's scorecard.
    quarter = api.get(
        f"{BASE}/scorecards.json?period=2026-Q2", headers=_as(world, "owner")
    ).get_json()
    first = term["indicators"][0]
    point = next(p for p in first["points"] if p["period"] == "2026-Q2")
    entry = next(i for i in quarter["indicators"] if i["code"] == first["code"])
    assert {k: point[k] for k in ("estimate", "lower", "upper", "state", "threshold")} == {
        k: entry[k] for k in ("estimate", "lower", "upper", "state", "threshold")
    }
    assert point["snapshot_id"] == quarter["snapshot_id"]

    listed = api.get("/api/v1/exports", headers=_as(world, "owner")).get_json()["exports"]
    assert [e["id"] for e in listed] == [done["id"]]


def test_whole_term_incidents_are_every_year_of_verified_incidents(
    api: ApiClient, world: World, config: Config, rq_worker: Callable[[], None]
) -> None:
    done = _built(api, world, {"kind": "incidents"}, config, rq_worker)
    assert done["format"] == "csv"
    term = _csv_rows(api.get(done["download"], headers=_as(world, "owner")).get_data())
    assert [r[:3] + r[4:] for r in term[2:]] == expected_incident_rows(world.seeded)
    years = []
    for year in YEARS:
        one = api.get(f"{BASE}/incidents.csv?period={year}", headers=_as(world, "owner"))
        rows = _csv_rows(one.get_data())
        assert rows[:2] == term[:2]
        years += rows[2:]
        as_json = api.get(f"{BASE}/incidents.json?period={year}", headers=_as(world, "owner"))
        aggregates = as_json.get_json()["aggregates"]
        assert [[a["indicator_code"], a["quarter"], str(a["incidents"])] for a in aggregates] == [
            [r[2], r[4], r[5]] for r in rows[2:]
        ]
    assert years == term[2:]


def test_an_export_is_only_its_requesters_and_the_admins(
    api: ApiClient, world: World, config: Config, rq_worker: Callable[[], None]
) -> None:
    done = _built(api, world, {"kind": "scorecards", "format": "csv"}, config, rq_worker)
    status, download = f"/api/v1/exports/{done['id']}", done["download"]
    for url in (status, download):
        assert api.get(url, headers=_as(world, "other")).status_code == 404
    assert api.get("/api/v1/exports", headers=_as(world, "other")).get_json()["exports"] == []
    assert api.get(status, headers=_as(world, "admin")).status_code == 200
    table = _csv_rows(api.get(download, headers=_as(world, "admin")).get_data())
    assert len(table) == 2 + 16 * len(SCORED)
    assert [row[3] for row in table[2::16]] == sorted(SCORED, key=lambda p: (p[:4], p[5:] or "0"))


def test_refusals_are_documented_answers(api: ApiClient, world: World, session: Session) -> None:
    owner = _as(world, "owner")
    assert api.post(f"{BASE}/exports", data={"kind": "incidents"}, headers=owner).status_code == 415
    for body, field, code in (
        ({"kind": "reports"}, "kind", "unknown"),
        ({"format": "csv"}, "kind", "required"),
        ({"kind": "incidents", "format": "xlsx"}, "format", "unknown"),
        ({"kind": "incidents", "period": "2026-Q5"}, "period", "format"),
        ({"kind": "incidents", "period": 2026}, "period", "format"),
        ({"kind": "incidents", "narrative": True}, "narrative", "unknown"),
        (["incidents"], "body", "type"),
    ):
        refused = _ask(api, world, body)
        assert refused.status_code == 422, body
        assert refused.get_json()["codes"][field] == code
    assert (
        api.post(
            "/api/v1/compacts/nowhere/exports", json={"kind": "incidents"}, headers=owner
        ).status_code
        == 404
    )
    assert api.get("/api/v1/exports/nothing-here", headers=owner).status_code == 404
    without = api.get(f"{BASE}/incidents.csv", headers=owner)
    assert without.status_code == 400 and "/exports" in without.get_json()["error"]["detail"]
    assert session.scalars(select(DataExport)).all() == []


def _queued(session: Session, world: World, kind: ExportKind, period: str | None) -> DataExport:
    """An export asked for and not yet run (its job is never handed to a queue here)."""
    owner = session.get(User, world.users["owner"])
    compact = session.scalar(select(Compact).where(Compact.slug == SLUG))
    assert owner is not None and compact is not None
    requested = request_export(
        session,
        owner,
        compact,
        kind,
        ExportFormat.CSV,
        Period.parse(period) if period is not None else None,
        ttl=dt.timedelta(hours=1),
        via="test",
    )
    session.commit()
    return requested.export


def test_not_ready_failed_expired_and_too_many(
    api: ApiClient, world: World, session: Session
) -> None:
    owner = _as(world, "owner")
    queued = _queued(session, world, ExportKind.INCIDENTS, None)
    again = _queued(session, world, ExportKind.INCIDENTS, None)
    assert again.id == queued.id  # asked twice while waiting: one export, one job
    download = f"/api/v1/exports/{queued.public_id}/download"
    waiting = api.get(download, headers=owner)
    assert waiting.status_code == 409 and waiting.headers["Retry-After"].isdigit()

    session.execute(
        update(DataExport)
        .where(DataExport.id == queued.id)
        .values(state=ExportState.FAILED, error="RuntimeError")
    )
    session.commit()
    failed = api.get(download, headers=owner)
    assert failed.status_code == 409 and "Retry-After" not in failed.headers
    assert api.get(f"/api/v1/exports/{queued.public_id}", headers=owner).get_json()["state"] == (
        "failed"
    )

    session.execute(
        update(DataExport)
        .where(DataExport.id == queued.id)
        .values(state=ExportState.DONE, content=b"x", expires_at=utcnow())
    )
    session.commit()
    assert api.get(download, headers=owner).status_code == 410
    status = api.get(f"/api/v1/exports/{queued.public_id}", headers=owner).get_json()
    assert (status["state"], status["download"]) == ("expired", None)

    periods = ["2026", "2027", "2028", "2026-Q1", "2026-Q2", "2026-Q3"][:ACTIVE_LIMIT]
    for period in periods:
        _queued(session, world, ExportKind.TIMESERIES, period)
    busy = _ask(api, world, {"kind": "scorecards"})
    assert busy.status_code == 429 and busy.headers["Retry-After"].isdigit()
    # Asking for the expired one again purged it first.
    expired = select(DataExport).where(DataExport.public_id == queued.public_id)
    assert session.scalar(expired) is None


def test_exports_answered_at_once_are_audited(
    api: ApiClient, world: World, session: Session
) -> None:
    response = api.get(f"{BASE}/timeseries.csv?period=2026", headers=_as(world, "owner"))
    assert response.status_code == 200
    rows = _csv_rows(response.get_data())
    assert rows[1][0] == "#meta+compact+id" and len(rows) == 2 + 16 * 3  # 2026, Q1, Q2
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.download"))
    assert [(e.actor_id, e.detail) for e in events] == [
        (
            world.users["owner"],
            {
                "compact": SLUG,
                "kind": "timeseries",
                "format": "csv",
                "period": "2026",
                "via": "token",
            },
        )
    ]
