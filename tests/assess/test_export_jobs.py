"""Whole-term exports as `maintenance` jobs, through the assessor's pages and nothing else:
request → the job runs (inline without Redis; a real rq worker with it) → progress → the file
→ nobody else can see it → expired, it is refused and then purged."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import portal.assess.export_build
from portal import create_app
from portal.assess.export_worker import purge_expired_exports
from portal.assess.exports import INCIDENT_COLUMNS
from portal.config import Config
from portal.domain.models import (
    AuditEvent,
    DataExport,
    ExportState,
    OutboxJob,
    OutboxState,
    Role,
)
from portal.domain.models.base import utcnow
from portal.jobs.outbox import rq_job_id
from portal.web.services import EXTENSION
from tests.assess.exports_world import (
    SLUG,
    Seeded,
    expected_incident_rows,
    seed,
    worker_process,
)
from tests.conftest import csrf_token, sign_in

OWNER = "owner@example.org"
OTHER = "other-assessor@example.org"
ADMIN = "admin@example.org"
EXPORT_URL = re.compile(r"/assess/exports/([A-Za-z0-9_-]+)$")
ROWS = re.compile(r"(\d+) of (\d+) rows")


@dataclasses.dataclass
class World:
    app: Flask
    seeded: Seeded
    owner: FlaskClient
    other: FlaskClient
    admin: FlaskClient


def _world(app: Flask, make_user, session: Session) -> World:  # type: ignore[no-untyped-def]
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    seeded = seed(session)
    clients = []
    for email, role in ((OWNER, Role.ASSESSOR), (OTHER, Role.ASSESSOR), (ADMIN, Role.ADMIN)):
        make_user(email, roles=(role,))
        client = app.test_client()
        sign_in(client, email)
        clients.append(client)
    return World(app, seeded, *clients)


@pytest.fixture
def world(app: Flask, make_user, session: Session) -> World:  # type: ignore[no-untyped-def]
    return _world(app, make_user, session)


@pytest.fixture
def inline_world(config: Config, make_user, session: Session) -> World:  # type: ignore[no-untyped-def]
    """The same, with no Redis: the job runs in the web process right after the commit."""
    return _world(create_app(dataclasses.replace(config, redis_url=None)), make_user, session)


@pytest.fixture
def rq_worker(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    yield from worker_process(config, monkeypatch)


def _request(client: FlaskClient, kind: str = "incidents", fmt: str = "csv") -> str:
    page = f"/assess/compacts/{SLUG}"
    response = client.post(
        f"/assess/compacts/{SLUG}/exports",
        data={"csrf_token": csrf_token(client, page), "kind": kind, "format": fmt},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    found = EXPORT_URL.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def _status(client: FlaskClient, export_id: str) -> str:
    response = client.get(f"/assess/exports/{export_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _rows(table: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(table.decode("utf-8"))))


def _audit(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_whole_term_export_is_a_job_with_progress_a_private_download_and_an_end(
    world: World, session: Session, config: Config, rq_worker: Callable[[], None]
) -> None:
    export_id = _request(world.owner)
    row = session.scalar(select(DataExport).where(DataExport.public_id == export_id))
    assert row is not None and row.period is None and row.kind == "incidents"
    job = session.scalar(select(OutboxJob).where(OutboxJob.job == "export"))
    assert job is not None and job.queue == "maintenance" and job.args == {"export_id": row.id}

    if config.redis_url is not None:
        # Handed to rq, not run: the page says so and offers a reload, and no file yet.
        page = _status(world.owner, export_id)
        assert "Waiting to start" in page and f'/assess/exports/{export_id}"' in page
        early = world.owner.get(f"/assess/exports/{export_id}/download")
        assert early.status_code == 302 and early.headers["Location"].endswith(export_id)
        redis = Redis.from_url(config.redis_url)
        maintenance = Queue("maintenance", connection=redis)
        assert maintenance.get_job_ids() == [rq_job_id(job.id)]
        rq_worker()
        assert maintenance.get_job_ids() == []
        assert FailedJobRegistry("maintenance", connection=redis).get_job_ids() == []

    session.expire_all()
    assert session.get(OutboxJob, job.id).state == OutboxState.DONE  # type: ignore[union-attr]
    page = _status(world.owner, export_id)
    assert "Ready to download" in page
    expected = expected_incident_rows(world.seeded)
    done = ROWS.search(page)
    assert done and done.groups() == (str(len(expected)), str(len(expected)))

    response = world.owner.get(f"/assess/exports/{export_id}/download")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-term-incidents.csv"'
    )
    assert response.mimetype == "text/csv"
    rows = _rows(response.get_data())
    assert rows[0] == [c.header for c in INCIDENT_COLUMNS]
    assert rows[1] == [c.hxl for c in INCIDENT_COLUMNS]
    assert [r[:3] + r[4:] for r in rows[2:]] == expected
    assert {r[4][:4] for r in rows[2:]} == {"2026", "2027", "2028"}  # the whole term

    # Not the other assessor's to see or to fetch; an admin may (support), and it is audited.
    assert world.other.get(f"/assess/exports/{export_id}").status_code == 404
    assert world.other.get(f"/assess/exports/{export_id}/download").status_code == 404
    assert export_id not in world.other.get("/assess/exports").get_data(as_text=True)
    assert export_id in world.owner.get("/assess/exports").get_data(as_text=True)
    assert world.admin.get(f"/assess/exports/{export_id}/download").status_code == 200
    requests, downloads = _audit(session, "export.request"), _audit(session, "export.download")
    assert [(e.object_id, e.detail["period"], e.detail["via"]) for e in requests] == [
        (export_id, "term", "web")
    ]
    assert [e.detail["owner"] for e in downloads] == [True, False]

    # Its time is up: refused at once, deleted by the scheduled purge, then gone for everyone.
    session.execute(update(DataExport).where(DataExport.id == row.id).values(expires_at=utcnow()))
    session.commit()
    assert "Expired" in _status(world.owner, export_id)
    refused = world.owner.get(f"/assess/exports/{export_id}/download")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(export_id)
    purge_expired_exports()
    session.expire_all()
    assert session.scalar(select(DataExport).where(DataExport.public_id == export_id)) is None
    assert world.owner.get(f"/assess/exports/{export_id}/download").status_code == 404
    assert [e.detail for e in _audit(session, "export.purge")] == [{"purged": 1}]


def test_inline_jobs_build_the_export_before_the_page_is_shown(
    inline_world: World, session: Session
) -> None:
    export_id = _request(inline_world.owner, "timeseries", "json")
    page = _status(inline_world.owner, export_id)
    assert "Ready to download" in page
    response = inline_world.owner.get(f"/assess/exports/{export_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert [p["period"] for p in document["indicators"][0]["points"]] == [
        "2026",
        "2026-Q1",
        "2026-Q2",
        "2027",
        "2027-Q3",
    ]


def test_progress_is_committed_while_the_job_runs(
    inline_world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page reads the export from another connection: it must see rows done grow."""
    database = inline_world.app.extensions[EXTENSION].database
    seen: list[tuple[str, int, int | None]] = []
    real = portal.assess.export_build.incident_aggregates

    def observed(*args, **kwargs):  # type: ignore[no-untyped-def]
        with database.sessions() as other:
            export = other.scalars(select(DataExport)).one()
            seen.append((str(export.state), export.rows_done, export.rows_total))
        return real(*args, **kwargs)

    monkeypatch.setattr(portal.assess.export_build, "incident_aggregates", observed)
    export_id = _request(inline_world.owner)
    total = len(expected_incident_rows(inline_world.seeded))
    per_year = [len(expected_incident_rows(inline_world.seeded, y)) for y in (2026, 2027)]
    # One chunk per year; before each, what the earlier chunks did is visible elsewhere.
    assert seen == [
        ("running", 0, total),
        ("running", per_year[0], total),
        ("running", per_year[0] + per_year[1], total),
    ]
    assert ROWS.search(_status(inline_world.owner, export_id)).groups() == (  # type: ignore[union-attr]
        str(total),
        str(total),
    )


def test_a_failing_export_says_so_and_can_be_retried(
    inline_world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(portal.assess.export_build, "incident_aggregates", broken)
    export_id = _request(inline_world.owner)
    assert "Failed" in _status(inline_world.owner, export_id)
    session.expire_all()
    export = session.scalars(select(DataExport)).one()
    assert (export.state, export.error) == (ExportState.FAILED, "RuntimeError")
    job = session.scalars(select(OutboxJob).where(OutboxJob.job == "export")).one()
    assert job.state == OutboxState.FAILED
    refused = inline_world.owner.get(f"/assess/exports/{export_id}/download")
    assert refused.status_code == 302

    # The cause fixed, the admin's retry builds it: the job starts again from nothing.
    monkeypatch.undo()
    from portal.jobs.failures import retry

    services = inline_world.app.extensions[EXTENSION]
    retry(services.database, None, rq_job_id(job.id), actor_id=None, via="cli")
    assert "Ready to download" in _status(inline_world.owner, export_id)


def test_asking_again_while_it_is_built_answers_the_same_export(
    world: World, session: Session, config: Config
) -> None:
    if config.redis_url is None:
        pytest.skip("inline jobs finish before the second request")
    first, second = _request(world.owner), _request(world.owner)
    assert first == second
    assert len(session.scalars(select(OutboxJob)).all()) == 1
    assert _request(world.owner, fmt="json") != first


def test_the_scorecard_page_offers_the_exports(world: World) -> None:
    page = world.owner.get(f"/assess/compacts/{SLUG}?period=2026").get_data(as_text=True)
    for path in (
        f"/api/v1/compacts/{SLUG}/scorecards.csv?period=2026",
        f"/api/v1/compacts/{SLUG}/timeseries.json?period=2026",
        f"/api/v1/compacts/{SLUG}/incidents.csv?period=2026",
        f"/assess/compacts/{SLUG}/exports",
    ):
        assert path in page
    # The links a signed-in assessor follows from that page work with the session cookie.
    response = world.owner.get(f"/api/v1/compacts/{SLUG}/incidents.csv?period=2027")
    assert response.status_code == 200
    assert [r[:3] + r[4:] for r in _rows(response.get_data())[2:]] == expected_incident_rows(
        world.seeded, 2027
    )
