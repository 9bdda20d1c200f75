"""Job tests: a real Redis and a real rq worker running in this process, the demo seed, the form.

The worker runs `portal.jobs.runner.run_from_worker`, which builds its database from the
environment exactly as a production worker does (`Config.from_env()`, cached per process). The
`worker_env` fixture points that environment at the test database and empties the cache, so
nothing in `portal/` bends for tests and no database URL (with its password) is put in Redis.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import Config, jobs_tick_seconds
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.outbox import QUEUES
from portal.jobs.runner import _worker_database
from portal.web.services import EXTENSION
from tests.conftest import form_token

NO_REDIS = "needs a real Redis server: set REDIS_URL (CI uses redis://127.0.0.1:6379/14)"
RECEIPT = re.compile(r'<p class="receipt"[^>]*>((?:<span>\d{4}</span>){4})</p>')


@pytest.fixture
def redis(config: Config) -> Redis:
    if config.redis_url is None:
        pytest.skip(NO_REDIS)
    return Redis.from_url(config.redis_url)


@pytest.fixture
def worker_env(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment a worker next to this test's web app would have."""
    monkeypatch.setenv("DATABASE_URL", config.database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(config.instance_path))
    monkeypatch.setenv("SECRET_KEY", config.secret_key)
    if config.redis_url:
        monkeypatch.setenv("REDIS_URL", config.redis_url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    _worker_database.cache_clear()
    yield
    if _worker_database.cache_info().currsize:
        _worker_database().dispose()
    _worker_database.cache_clear()


@dataclass(frozen=True)
class Ran:
    """rq's own record of the jobs it ran, across the three queues, since the test began."""

    finished: list[str]
    failed: list[str]


def rq_record(redis: Redis) -> Ran:
    finished: list[str] = []
    failed: list[str] = []
    for name in QUEUES:
        finished += FinishedJobRegistry(name, connection=redis).get_job_ids()
        failed += FailedJobRegistry(name, connection=redis).get_job_ids()
    return Ran(sorted(finished), sorted(failed))


@pytest.fixture
def run_worker(redis: Redis, worker_env: None) -> Callable[[], Ran]:
    """`rq worker --burst intake scoring maintenance`, in this process: runs what is queued."""

    def _run() -> Ran:
        worker = SimpleWorker([Queue(name, connection=redis) for name in QUEUES], connection=redis)
        worker.work(burst=True)
        return rq_record(redis)

    return _run


def scheduler(redis: Redis) -> CronScheduler:
    """What `rq cron portal.jobs.schedule` builds before it starts its loop."""
    found = CronScheduler(connection=redis)
    found.load_config_from_file("portal.jobs.schedule")
    return found


def tick(redis: Redis) -> list[str]:
    """What the scheduler enqueues at every tick (each held queue's drain, the outbox sweep)."""
    every_tick = [job for job in scheduler(redis).get_jobs() if job.interval == jobs_tick_seconds()]
    for job in every_tick:
        job.enqueue(redis)
    return sorted(job.name for job in every_tick)


def database_of(app: Flask) -> Database:
    found: Database = app.extensions[EXTENSION].database
    return found


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app with `portal demo` run: desks IQ SO NE PH, their compacts, keys and accounts."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def compact_on_page(client: FlaskClient, country: str = "Iraq") -> str:
    """The compact's public id, read off the form's select as a reporter's browser would."""
    page = client.get("/report/new").get_data(as_text=True)
    found = re.search(rf'<option value="([^"]+)">{country}</option>', page)
    assert found, f"no compact for {country} on the form"
    return found.group(1)


def torture_report(compact: str, **overrides: Any) -> dict[str, Any]:
    """An anonymous report of torture by police in Baghdad: a high-priority indicator."""
    fields: dict[str, Any] = {
        "compact": compact,
        "happened": "HR-1.torture",
        "month": "1",
        "year": str(dt.date.today().year),
        "region": "IQ-BG",
        "force": "police",
        "narrative": "Police beat a detainee at the station until he lost consciousness.",
        "identity": "anonymous",
        "place": "",
        "unit": "",
        "contact": "",
    }
    fields.update(overrides)
    return fields


def submit(client: FlaskClient, fields: dict[str, Any]) -> str:
    """POST the report form; returns the receipt shown (asserting the report was received)."""
    data = {**form_token(client, "/report/new"), **fields, "files": []}
    response = client.post(
        "/report/new", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    found = RECEIPT.search(page)
    assert response.status_code == 200 and found, page[:2000]
    return "".join(re.findall(r"\d{4}", found.group(1)))


def outbox_states(session: Session) -> dict[OutboxState, int]:
    session.expire_all()
    rows = session.execute(
        select(OutboxJob.state, func.count(OutboxJob.id)).group_by(OutboxJob.state)
    ).all()
    return {state: count for state, count in rows}
