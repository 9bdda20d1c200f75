"""Scheduled work: rq's cron drains reporters' jobs and sweeps every tick, purges on its days."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy.orm import Session

import portal.jobs.retention
from portal.config import ConfigError
from portal.domain.models import OutboxState
from portal.jobs import schedule
from portal.jobs.outbox import Dispatcher
from portal.web.services import EXTENSION
from tests.jobs.conftest import (
    Ran,
    compact_on_page,
    outbox_states,
    scheduler,
    submit,
    torture_report,
)


def test_the_schedule_drains_and_sweeps_every_tick_and_purges_once_a_day() -> None:
    # Loading the configuration does not talk to Redis.
    jobs = {job.name: job for job in scheduler(Redis(port=1)).get_jobs()}

    assert set(jobs) == {"intake-drain", "outbox-sweep", "retention-purge", "export-purge"}
    drain, sweep, purge = jobs["intake-drain"], jobs["outbox-sweep"], jobs["retention-purge"]
    assert (drain.queue_name, drain.interval, drain.cron, drain.args) == (
        "intake",
        60,
        None,
        ("intake",),
    )
    assert drain.func_name == "portal.jobs.drain.drain_from_worker"
    assert (sweep.queue_name, sweep.interval, sweep.cron) == ("maintenance", 60, None)
    assert sweep.func_name == "portal.jobs.sweeper.sweep_from_worker"
    assert (purge.queue_name, purge.interval, purge.cron) == ("maintenance", None, "15 3 * * *")
    assert purge.func_name == "portal.jobs.schedule.purge_retention"
    # A job that ran leaves nothing in Redis; a stale drain or sweep gives way to the next tick.
    for job in jobs.values():
        assert job.job_options["result_ttl"] == 0
    assert drain.job_options["ttl"] == sweep.job_options["ttl"] == 120


def test_the_tick_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_JOBS_TICK_SECONDS", "30")
    jobs = {job.name: job for job in scheduler(Redis(port=1)).get_jobs()}

    assert jobs["intake-drain"].interval == jobs["outbox-sweep"].interval == 30
    assert jobs["intake-drain"].job_options["ttl"] == 60

    monkeypatch.setenv("PORTAL_JOBS_TICK_SECONDS", "1")
    with pytest.raises(Exception, match="PORTAL_JOBS_TICK_SECONDS") as refused:
        scheduler(Redis(port=1))
    assert isinstance(refused.value.__cause__, ConfigError)


def test_the_daily_job_runs_the_retention_purge_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _, name = schedule.RETENTION_PURGE.rpartition(".")
    assert module == "portal.jobs.retention" and callable(getattr(portal.jobs.retention, name))
    runs: list[str] = []
    monkeypatch.setattr(portal.jobs.retention, name, lambda: runs.append("purged"))

    schedule.purge_retention()

    assert runs == ["purged"]


def test_the_first_tick_run_by_a_worker_takes_in_what_waited(
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

    enqueued = {job.name for job in scheduler(redis).enqueue_jobs()}
    ran = run_worker()

    assert {"intake-drain", "outbox-sweep"} <= enqueued
    assert "retention-purge" not in enqueued  # it waits for 03:15
    assert ran.failed == []
    assert outbox_states(session) == {OutboxState.DONE: 1}
