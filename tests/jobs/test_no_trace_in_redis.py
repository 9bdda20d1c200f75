"""What Redis holds of a report's jobs ties no job to the report, and nothing stays once it ran.

rq stamps every job it holds to the microsecond. The submission test in
`tests/reporter/test_canaries_at_rest.py` shows the request itself leaves no such stamp; this one
follows the job through the tick and a real worker.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.models import Compact, OutboxJob, OutboxState, Report
from portal.jobs.outbox import QUEUES, add_job
from portal.web.services import EXTENSION
from tests.jobs.conftest import Ran, compact_on_page, outbox_states, submit, tick, torture_report
from tests.reporter.at_rest import everything_at_rest, leaks


def _in_redis(config: Config) -> list[tuple[str, bytes]]:
    """Every key and value in Redis (the database holds the report, of course)."""
    return [(name, data) for name, data in everything_at_rest(config) if name.startswith("redis ")]


def test_a_report_s_job_passes_through_redis_under_no_name_of_its_own_and_leaves_nothing(
    demo: Flask,
    session: Session,
    config: Config,
    redis: Redis,
    run_worker: Callable[[], Ran],
) -> None:
    client = demo.test_client()
    submit(client, torture_report(compact_on_page(client)))
    report = session.scalars(select(Report)).one()
    row = session.scalars(select(OutboxJob)).one()
    # Whatever could tie a job in Redis to this report.
    ties = [report.public_id, f"outbox-{row.id}", f"outbox {row.id}"]

    assert redis.keys("rq:*") == []  # the request queued nothing
    tick(redis)
    queued = [job for name in QUEUES for job in Queue(name, connection=redis).jobs]
    assert {job.func_name for job in queued} == {
        "portal.jobs.drain.drain_from_worker",
        "portal.jobs.sweeper.sweep_from_worker",
    }
    assert all(row.id not in job.args for job in queued)
    assert leaks(_in_redis(config), ties) == []

    run_worker()

    assert outbox_states(session) == {OutboxState.DONE: 1}
    assert redis.keys("rq:job:*") == [] and redis.keys("rq:results:*") == []
    for name in QUEUES:
        assert StartedJobRegistry(name, connection=redis).get_job_ids() == []
    assert leaks(_in_redis(config), ties) == []


def test_a_staff_job_goes_at_once_and_leaves_nothing_once_it_ran(
    demo: Flask, session: Session, redis: Redis, run_worker: Callable[[], Ran]
) -> None:
    compact = session.scalars(select(Compact.id)).first()
    assert compact is not None
    row = add_job(session, "scoring", "scorecards_stale", compact_id=compact)
    session.commit()
    demo.extensions[EXTENSION].dispatcher.dispatch([row.id])

    assert Queue("scoring", connection=redis).get_job_ids() == [f"outbox-{row.id}"]
    run_worker()

    assert outbox_states(session) == {OutboxState.DONE: 1}
    assert redis.keys("rq:job:*") == [] and redis.keys("rq:results:*") == []
