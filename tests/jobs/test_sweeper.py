"""The outbox sweeper: nothing a reporter sends is lost when Redis is down or forgets its queues,
and nothing runs twice (DESIGN §4, §7)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import portal.jobs.intake
from portal import create_app
from portal.config import Config
from portal.domain.models import OutboxState, Report
from portal.jobs.outbox import rq_job_id
from portal.jobs.sweeper import outbox_lock, sweep
from tests.jobs.conftest import (
    Ran,
    compact_on_page,
    database_of,
    outbox_states,
    submit,
    torture_report,
)

# Nothing listens on port 1: connections are refused at once, as with a stopped Redis.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(config: Config) -> Flask:
    """The portal as its web processes see it while Redis is down; the demo seeded.

    The queue and the rate-limit counters both fail; the counters fall back to the database.
    """
    app = create_app(dataclasses.replace(config, redis_url=DEAD_REDIS))
    result = app.test_cli_runner().invoke(args=["portal", "demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def intakes(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How often the intake job ran for each report id (the runner looks it up at each run)."""
    calls: Counter[int] = Counter()
    real = portal.jobs.intake.intake_report

    def counted(session: Session, report_id: int) -> None:
        calls[report_id] += 1
        real(session, report_id)

    monkeypatch.setattr(portal.jobs.intake, "intake_report", counted)
    return calls


def _send(app: Flask, count: int) -> list[str]:
    """`count` reports, each from its own browser, as from a training room sharing one network."""
    compact = compact_on_page(app.test_client())
    return [submit(app.test_client(), torture_report(compact)) for _ in range(count)]


def _report_ids(session: Session) -> list[int]:
    session.expire_all()
    return list(session.scalars(select(Report.id).order_by(Report.id)))


def test_fifty_reports_sent_while_redis_is_down_are_received_and_each_run_exactly_once(
    redis_down: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    intakes: Counter[int],
) -> None:
    receipts = _send(redis_down, 50)

    assert len(set(receipts)) == 50  # every reporter was told the report arrived
    assert outbox_states(session) == {OutboxState.PENDING: 50}
    database = database_of(redis_down)

    first = sweep(database, redis)  # Redis is back
    second = sweep(database, redis)

    assert (first.handed_over, first.left_pending) == (50, 0)
    assert (second.handed_over, second.lost, second.already_queued) == (0, 0, 0)
    queued = Queue("intake", connection=redis).get_job_ids()
    assert sorted(queued) == sorted(rq_job_id(i) for i in range(1, 51))  # no duplicates
    assert outbox_states(session) == {OutboxState.ENQUEUED: 50}

    ran = run_worker()

    assert len(ran.finished) == 50 and ran.failed == []
    assert outbox_states(session) == {OutboxState.DONE: 50}
    reports = _report_ids(session)
    assert intakes == Counter(dict.fromkeys(reports, 1))
    assert session.scalar(select(func.count(Report.id)).where(Report.intake_done)) == 50

    assert sweep(database, redis).handed_over == 0
    assert run_worker().finished == ran.finished  # nothing ran again
    assert intakes == Counter(dict.fromkeys(reports, 1))


def test_jobs_redis_forgot_in_a_restart_are_handed_over_again_and_run_once(
    demo: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    intakes: Counter[int],
) -> None:
    _send(demo, 3)
    assert outbox_states(session) == {OutboxState.ENQUEUED: 3}
    redis.flushdb()  # what a restart does to a Redis run with --save "" --appendonly no

    swept = sweep(database_of(demo), redis)

    assert (swept.lost, swept.handed_over) == (3, 3)
    assert sweep(database_of(demo), redis).handed_over == 0
    assert len(run_worker().finished) == 3
    assert outbox_states(session) == {OutboxState.DONE: 3}
    assert intakes == Counter(dict.fromkeys(_report_ids(session), 1))


def test_a_pending_job_rq_already_holds_is_not_pushed_a_second_time(
    redis_down: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    intakes: Counter[int],
) -> None:
    _send(redis_down, 1)
    # A web process pushed the job, then died before committing `enqueued`.
    Queue("intake", connection=redis).enqueue(
        "portal.jobs.runner.run_from_worker", 1, job_id=rq_job_id(1)
    )

    swept = sweep(database_of(redis_down), redis)

    assert (swept.handed_over, swept.already_queued) == (0, 1)
    assert Queue("intake", connection=redis).get_job_ids() == [rq_job_id(1)]
    assert run_worker().finished == [rq_job_id(1)]
    assert intakes == Counter({_report_ids(session)[0]: 1})
    assert outbox_states(session) == {OutboxState.DONE: 1}


def test_a_second_sweep_stands_aside_while_one_is_running(
    redis_down: Flask, session: Session, redis: Redis
) -> None:
    _send(redis_down, 2)

    with outbox_lock(redis):
        swept = sweep(database_of(redis_down), redis)

    assert swept.busy and swept.handed_over == 0
    assert outbox_states(session) == {OutboxState.PENDING: 2}
    assert Queue("intake", connection=redis).count == 0


def test_without_redis_the_sweep_runs_pending_jobs_in_process(
    redis_down: Flask, config: Config, session: Session, intakes: Counter[int]
) -> None:
    _send(redis_down, 2)
    inline = create_app(dataclasses.replace(config, redis_url=None))

    result = inline.test_cli_runner().invoke(args=["portal", "outbox", "sweep"])

    assert result.exit_code == 0, result.output
    assert "2 job(s) handed to the queue" in result.output
    assert outbox_states(session) == {OutboxState.DONE: 2}
    assert intakes == Counter(dict.fromkeys(_report_ids(session), 1))


def test_the_sweep_command_says_plainly_when_redis_is_down(
    redis_down: Flask, session: Session
) -> None:
    _send(redis_down, 1)

    result = redis_down.test_cli_runner().invoke(args=["portal", "outbox", "sweep"])

    assert result.exit_code == 1
    assert "Redis is not answering" in result.output
    assert outbox_states(session) == {OutboxState.PENDING: 1}
