"""Failed jobs are listed (reason, never arguments) and retried, on /admin/jobs and the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

import portal.jobs.runner
import tests.jobs.entry_points
from portal.config import Config
from portal.domain.models import AuditEvent, OutboxJob, OutboxState, Role, User
from portal.jobs.outbox import add_job
from portal.web.services import EXTENSION
from tests.conftest import csrf_token, sign_in
from tests.jobs.conftest import Ran, rq_record, tick

CANARY = "CANARY-7f3a-argument"


class Flaky:
    """An outbox job that fails until it is mended."""

    def __init__(self) -> None:
        self.broken = True
        self.runs = 0

    def __call__(self, session: Session, report_id: int) -> None:
        self.runs += 1
        if self.broken:
            raise RuntimeError(f"the printer is on fire ({CANARY})")


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Flaky:
    job = Flaky()
    real = portal.jobs.runner.registry
    monkeypatch.setattr(portal.jobs.runner, "registry", lambda: {**real(), "flaky": job})
    return job


@pytest.fixture
def drain(config: Config, request: pytest.FixtureRequest) -> Callable[[], None]:
    """Let queued jobs run: a real rq worker with Redis; without it jobs already ran inline."""
    if config.redis_url is None:
        return lambda: None
    run_worker: Callable[[], Ran] = request.getfixturevalue("run_worker")

    def _drain() -> None:
        run_worker()

    return _drain


@pytest.fixture
def admin(demo: Flask, make_user: Callable[..., User]) -> FlaskClient:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    client = demo.test_client()
    sign_in(client, "admin@example.org")
    return client


def _fail_one(app: Flask, session: Session, drain: Callable[[], None]) -> int:
    row = add_job(session, "maintenance", "flaky", report_id=7)
    session.commit()
    app.extensions[EXTENSION].dispatcher.dispatch([row.id])
    drain()
    session.expire_all()
    assert session.get(OutboxJob, row.id).state == OutboxState.FAILED
    return row.id


def _retry(client: FlaskClient, job_id: str) -> str:
    response = client.post(
        "/admin/jobs/retry",
        data={"csrf_token": csrf_token(client, "/admin/jobs"), "job_id": job_id},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/jobs")
    return client.get("/admin/jobs").get_data(as_text=True)


def test_a_failed_job_is_listed_for_an_admin_and_runs_again_after_retry(
    demo: Flask,
    admin: FlaskClient,
    session: Session,
    flaky: Flaky,
    drain: Callable[[], None],
) -> None:
    outbox_id = _fail_one(demo, session, drain)
    job_id = f"outbox-{outbox_id}"

    page = admin.get("/admin/jobs").get_data(as_text=True)

    assert job_id in page and "flaky" in page and "RuntimeError" in page
    assert CANARY not in page and "printer" not in page
    assert 'name="job_id" value="' + job_id + '"' in page

    flaky.broken = False
    page = _retry(admin, job_id)
    drain()

    assert flaky.runs == 2
    session.expire_all()
    assert session.get(OutboxJob, outbox_id).state == OutboxState.DONE
    assert job_id not in admin.get("/admin/jobs").get_data(as_text=True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "jobs.retry")).one()
    retried_by = session.get(User, event.actor_id)
    assert retried_by is not None and retried_by.email == "admin@example.org"
    assert (event.object_type, event.object_id) == ("job", job_id)
    assert event.detail == {"queue": "maintenance", "job": "flaky", "via": "web"}

    again = _retry(admin, job_id)
    assert "has not failed (any more)" in again
    assert flaky.runs == 2
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.id > event.id)) is None


def test_a_reporter_s_job_that_fails_in_a_drain_is_listed_from_its_row_and_retried(
    demo: Flask,
    admin: FlaskClient,
    session: Session,
    flaky: Flaky,
    redis: Redis,
    run_worker: Callable[[], Ran],
) -> None:
    row = add_job(session, "intake", "flaky", report_id=7)
    session.commit()
    demo.extensions[EXTENSION].dispatcher.dispatch([row.id])
    tick(redis)
    run_worker()
    session.expire_all()
    failed = session.get(OutboxJob, row.id)
    job_id = f"outbox-{row.id}"

    assert failed is not None and failed.state == OutboxState.FAILED and failed.attempts == 1
    # The drain itself succeeded: rq holds no job, failed or not, that names the row.
    assert rq_record(redis).failed == [] and redis.keys("rq:job:*") == []
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert job_id in page and "flaky" in page and "RuntimeError" in page
    assert CANARY not in page and "printer" not in page
    assert re.search(r"<dt>Attempts</dt><dd>1</dd>", page)
    assert re.search(r"<dt>Added on</dt><dd>[^<]+</dd>", page)

    flaky.broken = False
    page = _retry(admin, job_id)

    assert "is back in the queue" in page
    assert [job.args for job in Queue("intake", connection=redis).jobs] == [("intake",)]
    run_worker()
    session.expire_all()
    assert session.get(OutboxJob, row.id).state == OutboxState.DONE  # type: ignore[union-attr]
    assert flaky.runs == 2
    assert job_id not in admin.get("/admin/jobs").get_data(as_text=True)


def test_the_command_line_lists_and_retries_an_outbox_job_by_its_number(
    demo: Flask, session: Session, flaky: Flaky, drain: Callable[[], None]
) -> None:
    cli = demo.test_cli_runner()
    assert cli.invoke(args=["portal", "jobs", "failed"]).output.startswith("no failed jobs")
    outbox_id = _fail_one(demo, session, drain)

    listed = cli.invoke(args=["portal", "jobs", "failed"])

    assert listed.exit_code == 0
    assert f"outbox-{outbox_id}\tmaintenance\tflaky\tRuntimeError" in listed.output
    assert CANARY not in listed.output

    flaky.broken = False
    retried = cli.invoke(args=["portal", "jobs", "retry", str(outbox_id)])
    drain()

    assert retried.exit_code == 0, retried.output
    assert f"retried outbox-{outbox_id}" in retried.output
    session.expire_all()
    assert session.get(OutboxJob, outbox_id).state == OutboxState.DONE
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "jobs.retry")).one()
    assert event.actor_id is None and event.detail["via"] == "cli"
    refused = cli.invoke(args=["portal", "jobs", "retry", str(outbox_id)])
    assert refused.exit_code == 1 and "not a failed job" in refused.output


def test_an_rq_job_outside_the_outbox_shows_its_error_line_and_never_its_arguments(
    demo: Flask,
    admin: FlaskClient,
    redis: Redis,
    run_worker: Callable[[], Ran],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = Queue("maintenance", connection=redis).enqueue(
        "tests.jobs.entry_points.refuse", CANARY, job_id="archive-export"
    )
    assert run_worker().failed == [job.id]

    page = admin.get("/admin/jobs").get_data(as_text=True)
    listed = demo.test_cli_runner().invoke(args=["portal", "jobs", "failed"]).output

    for shown in (page, listed):
        assert "archive-export" in shown and "tests.jobs.entry_points.refuse" in shown
        assert "ValueError: the archive refused the batch" in shown
        assert CANARY not in shown

    monkeypatch.setattr(tests.jobs.entry_points, "refuse", lambda secret: None)
    _retry(admin, "archive-export")
    ran = run_worker()

    assert ran.failed == [] and ran.finished == ["archive-export"]
    assert "archive-export" not in admin.get("/admin/jobs").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/"),
        ("get", "/admin/jobs"),
        ("get", "/admin/audit"),
        ("post", "/admin/jobs/retry"),
    ],
)
def test_only_admins_reach_the_admin_pages(
    demo: Flask, make_user: Callable[..., User], method: str, path: str
) -> None:
    anonymous = demo.test_client()
    make_user("verifier@example.org", desks=("IQ",))
    verifier = demo.test_client()
    sign_in(verifier, "verifier@example.org")
    data: dict[str, Any] = {}
    if method == "post":
        data = {"csrf_token": csrf_token(verifier, "/auth/account"), "job_id": "outbox-1"}

    assert getattr(verifier, method)(path, data=data).status_code == 403
    response = getattr(anonymous, method)(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")


def test_the_admin_index_links_to_each_section(admin: FlaskClient) -> None:
    page = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r'href="/admin/jobs"', page) and re.search(r'href="/admin/audit"', page)
