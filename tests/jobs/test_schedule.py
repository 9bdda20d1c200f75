"""Scheduled work: rq's cron runs the sweep every minute and the retention purge daily."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis
from rq.cron import CronScheduler
from sqlalchemy.orm import Session

import portal.jobs.retention
from portal.domain.models import OutboxState
from portal.jobs import schedule
from portal.jobs.outbox import Dispatcher
from portal.web.services import EXTENSION
from tests.jobs.conftest import Ran, compact_on_page, outbox_states, submit, torture_report


def _scheduler(redis: Redis) -> CronScheduler:
    """What `rq cron portal.jobs.schedule` builds before it starts its loop."""
    scheduler = CronScheduler(connection=redis)
    scheduler.load_config_from_file("portal.jobs.schedule")
    return scheduler


def test_the_schedule_sweeps_every_minute_and_purges_once_a_day() -> None:
    # Loading the configuration does not talk to Redis.
    jobs = {job.name: job for job in _scheduler(Redis(port=1)).get_jobs()}

    assert set(jobs) == {"outbox-sweep", "retention-purge", "export-purge"}
    sweep, purge = jobs["outbox-sweep"], jobs["retention-purge"]
    assert (sweep.queue_name, sweep.interval, sweep.cron) == ("maintenance", 60, None)
    assert sweep.func_name == "portal.jobs.sweeper.sweep_from_worker"
    assert (purge.queue_name, purge.interval, purge.cron) == ("maintenance", None, "15 3 * * *")
    assert purge.func_name == "portal.jobs.schedule.purge_retention"


def test_the_daily_job_runs_the_retention_purge_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _, name = schedule.RETENTION_PURGE.rpartition(".")
    assert module == "portal.jobs.retention" and callable(getattr(portal.jobs.retention, name))
    runs: list[str] = []
    monkeypatch.setattr(portal.jobs.retention, name, lambda: runs.append("purged"))

    schedule.purge_retention()

    assert runs == ["purged"]


def test_a_scheduled_sweep_run_by_a_worker_hands_over_what_waited(
    demo: Flask, session: Session, redis: Redis, run_worker: Callable[[], Ran]
) -> None:
    services = demo.extensions[EXTENSION]
    live = services.dispatcher
    demo.extensions[EXTENSION] = dataclasses.replace(
        services, dispatcher=Dispatcher(services.database, Redis(port=1))
    )
    client = demo.test_client()
    submit(client, torture_report(compact_on_page(client)))
    demo.extensions[EXTENSION] = dataclasses.replace(services, dispatcher=live)
    assert outbox_states(session) == {OutboxState.PENDING: 1}

    enqueued = _scheduler(redis).enqueue_jobs()
    ran = run_worker()

    assert [job.name for job in enqueued] == ["outbox-sweep"]  # the purge waits for 03:15
    assert ran.failed == [] and "outbox-1" in ran.finished and len(ran.finished) == 2
    assert outbox_states(session) == {OutboxState.DONE: 1}
