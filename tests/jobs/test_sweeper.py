"""The outbox sweeper and the drain: nothing a reporter sends is lost when Redis is down or forgets
its queues, and nothing runs twice (DESIGN §4, §7)."""

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
import portal.jobs.runner
from portal import create_app
from portal.config import Config
from portal.domain.models import OutboxState, Report
from portal.jobs.drain import DRAIN_FUNCTION, DRAIN_LOCK_KEY, drain
from portal.jobs.outbox import add_job, rq_job_id
from portal.jobs.sweeper import outbox_lock, sweep
from portal.web.services import EXTENSION
from tests.jobs.conftest import (
    Ran,
    compact_on_page,
    database_of,
    outbox_states,
    submit,
    tick,
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
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
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


@pytest.fixture
def tallies(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """A staff job (`tally`, queue `scoring`) that counts its runs per number."""
    calls: Counter[int] = Counter()

    def tally(session: Session, number: int) -> None:
        calls[number] += 1

    real = portal.jobs.runner.registry
    monkeypatch.setattr(portal.jobs.runner, "registry", lambda: {**real(), "tally": tally})
    return calls


def _send(app: Flask, count: int) -> list[str]:
    """`count` reports, each from its own browser, as from a training room sharing one network."""
    compact = compact_on_page(app.test_client())
    return [submit(app.test_client(), torture_report(compact)) for _ in range(count)]


def _tally_rows(app: Flask, session: Session, count: int) -> list[int]:
    """`count` staff jobs committed and dispatched by `app`, as a desk action would."""
    rows = [add_job(session, "scoring", "tally", number=n) for n in range(count)]
    session.commit()
    ids = [row.id for row in rows]
    app.extensions[EXTENSION].dispatcher.dispatch(ids)
    return ids


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

    # Redis is back: a sweep typed by hand hands the 50 to one drain, and the scheduler's tick
    # queues its own drain and sweep meanwhile.
    first = sweep(database, redis)
    assert (first.held, first.drain_queued, first.handed_over, first.left_pending) == (
        50,
        True,
        0,
        0,
    )
    assert tick(redis) == ["intake-drain", "outbox-sweep"]
    drains = Queue("intake", connection=redis).jobs
    assert [job.func_name for job in drains] == [DRAIN_FUNCTION] * 2
    # What rq holds names no outbox row: the queue's name is the drain's only argument.
    assert all(job.args == ("intake",) and not job.id.startswith("outbox-") for job in drains)
    assert outbox_states(session) == {OutboxState.PENDING: 50}

    ran = run_worker()

    assert ran.failed == []
    assert outbox_states(session) == {OutboxState.DONE: 50}
    reports = _report_ids(session)
    assert intakes == Counter(dict.fromkeys(reports, 1))  # two drains, each report once
    assert session.scalar(select(func.count(Report.id)).where(Report.intake_done)) == 50

    again = sweep(database, redis)
    tick(redis)
    run_worker()

    assert (again.held, again.drain_queued, again.handed_over) == (0, False, 0)
    assert intakes == Counter(dict.fromkeys(reports, 1))  # nothing ran again
    assert redis.keys("rq:job:*") == []  # and nothing that ran is left in Redis


def test_a_drain_redis_forgot_in_a_restart_is_replaced_at_the_next_tick(
    demo: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    intakes: Counter[int],
) -> None:
    _send(demo, 3)
    tick(redis)
    redis.flushdb()  # what a restart does to a Redis run with --save "" --appendonly no

    assert outbox_states(session) == {OutboxState.PENDING: 3}  # the rows never left the outbox
    tick(redis)
    run_worker()

    assert outbox_states(session) == {OutboxState.DONE: 3}
    assert intakes == Counter(dict.fromkeys(_report_ids(session), 1))


def test_staff_jobs_redis_forgot_in_a_restart_are_handed_over_again_and_run_once(
    demo: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    tallies: Counter[int],
) -> None:
    _tally_rows(demo, session, 3)
    assert outbox_states(session) == {OutboxState.ENQUEUED: 3}  # staff work goes at once
    redis.flushdb()

    swept = sweep(database_of(demo), redis)

    assert (swept.lost, swept.handed_over, swept.held) == (3, 3, 0)
    assert sweep(database_of(demo), redis).handed_over == 0
    run_worker()
    assert outbox_states(session) == {OutboxState.DONE: 3}
    assert tallies == Counter({0: 1, 1: 1, 2: 1})
    assert redis.keys("rq:job:*") == []  # a finished job leaves nothing (result_ttl=0)


def test_a_pending_staff_job_rq_already_holds_is_not_pushed_a_second_time(
    redis_down: Flask,
    session: Session,
    redis: Redis,
    run_worker: Callable[[], Ran],
    tallies: Counter[int],
) -> None:
    [row_id] = _tally_rows(redis_down, session, 1)
    assert outbox_states(session) == {OutboxState.PENDING: 1}
    # A web process pushed the job, then died before committing `enqueued`.
    Queue("scoring", connection=redis).enqueue(
        "portal.jobs.runner.run_from_worker", row_id, job_id=rq_job_id(row_id)
    )

    swept = sweep(database_of(redis_down), redis)

    assert (swept.handed_over, swept.already_queued) == (0, 1)
    assert Queue("scoring", connection=redis).get_job_ids() == [rq_job_id(row_id)]
    assert run_worker().finished == [rq_job_id(row_id)]
    assert tallies == Counter({0: 1})
    assert outbox_states(session) == {OutboxState.DONE: 1}


def test_one_drain_at_a_time_runs_a_queue(
    redis_down: Flask, session: Session, redis: Redis, intakes: Counter[int]
) -> None:
    _send(redis_down, 2)
    database = database_of(redis_down)

    with redis.lock(DRAIN_LOCK_KEY.format(queue="intake"), timeout=30):
        busy = drain(database, redis, "intake")
    ran = drain(database, redis, "intake")

    assert busy.busy and busy.ran == 0
    assert ran.ran == 2 and drain(database, redis, "intake").ran == 0
    assert outbox_states(session) == {OutboxState.DONE: 2}
    assert intakes == Counter(dict.fromkeys(_report_ids(session), 1))


def test_a_drain_reads_batch_after_batch_until_nothing_is_left_or_its_time_is_up(
    redis_down: Flask, session: Session, intakes: Counter[int]
) -> None:
    _send(redis_down, 5)
    database = database_of(redis_down)

    assert drain(database, None, "intake", budget_seconds=0).ran == 0
    assert drain(database, None, "intake", batch=2).ran == 5

    assert outbox_states(session) == {OutboxState.DONE: 5}
    assert intakes == Counter(dict.fromkeys(_report_ids(session), 1))
    with pytest.raises(ValueError, match="not a held queue"):
        drain(database, None, "scoring")


def test_a_second_sweep_stands_aside_while_one_is_running(
    redis_down: Flask, session: Session, redis: Redis
) -> None:
    _send(redis_down, 2)

    with outbox_lock(redis):
        swept = sweep(database_of(redis_down), redis)

    assert swept.busy and swept.handed_over == 0 and not swept.drain_queued
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


def test_the_sweep_command_says_what_waits_for_the_drain(
    redis_down: Flask, demo: Flask, session: Session, redis: Redis
) -> None:
    _send(redis_down, 2)

    result = demo.test_cli_runner().invoke(args=["portal", "outbox", "sweep"])

    assert result.exit_code == 0, result.output
    assert "2 reporter job(s) held for the drain (a drain is queued)" in result.output
    assert Queue("intake", connection=redis).count == 1


def test_the_sweep_command_says_plainly_when_redis_is_down(
    redis_down: Flask, session: Session
) -> None:
    _send(redis_down, 1)

    result = redis_down.test_cli_runner().invoke(args=["portal", "outbox", "sweep"])

    assert result.exit_code == 1
    assert "Redis is not answering" in result.output
    assert outbox_states(session) == {OutboxState.PENDING: 1}
