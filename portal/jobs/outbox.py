"""Adding jobs to the outbox and handing them to the queue after commit.

rq writes created_at and enqueued_at to the microsecond into every job it holds. A job enqueued by
the request that caused it would keep that request's exact time in Redis, and its id
(`outbox-<row>`) ties it to the row and so to the report. Jobs a reporter's request causes
therefore go on a *held* queue (`intake`): the web request leaves them in the outbox, and the
scheduler's drain (`portal/jobs/drain.py`) runs them on a clock tick under no row's name. Jobs
staff cause (scoring, maintenance, exports) are handed to rq at once. docs/jobs.md.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState

log = logging.getLogger("portal.jobs")

QUEUES = ("intake", "scoring", "maintenance")
# Every job a reporter's request causes (a submission, a follow-up reply) goes on one of these.
HELD_QUEUES = frozenset({"intake"})


def add_job(session: Session, queue: str, job: str, **args: int | str) -> OutboxJob:
    """Record a job in the caller's transaction. Arguments are ids and names only."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    row = OutboxJob(queue=queue, job=job, args=dict(args))
    session.add(row)
    return row


def rq_job_id(outbox_id: int) -> str:
    # One rq job id per outbox row: enqueuing a row twice (web process and sweeper racing)
    # replaces the job instead of running the work twice.
    return f"outbox-{outbox_id}"


class Dispatcher:
    """Hands committed outbox rows to rq, or runs them inline when there is no Redis.

    With Redis, rows of a held queue are left pending for the drain: the request that made them
    touches no Redis key at all.
    """

    def __init__(self, database: Database, redis: Redis[bytes] | None) -> None:
        self.database = database
        self.redis = redis

    def dispatch(self, outbox_ids: Iterable[int]) -> None:
        ids = list(outbox_ids)
        if not ids:
            return
        if self.redis is None:
            from portal.jobs.runner import execute

            for outbox_id in ids:
                execute(self.database, outbox_id)
            return
        try:
            self._enqueue(ids)
        except (RedisError, SQLAlchemyError) as error:
            # The rows stay pending; the sweeper enqueues them once Redis (or the database,
            # gone right after the commit) is back. Nothing the reporter sent is lost, and the
            # request, whose data is committed, still succeeds: it must not say "not saved".
            log.warning(
                "queue unavailable (%s); %d job(s) left for the sweeper",
                type(error).__name__,
                len(ids),
            )

    def _enqueue(self, ids: list[int]) -> None:
        assert self.redis is not None
        with self.database.transaction() as session:
            rows = session.scalars(
                select(OutboxJob).where(
                    OutboxJob.id.in_(ids),
                    OutboxJob.state == OutboxState.PENDING,
                    OutboxJob.queue.not_in(HELD_QUEUES),
                )
            ).all()
            for row in rows:
                queue = Queue(row.queue, connection=self.redis)
                # A web request and a sweep handing over the same row at once: the second is
                # refused (already in the queue) instead of queueing the work twice.
                with contextlib.suppress(DuplicateJobError):
                    queue.enqueue(
                        "portal.jobs.runner.run_from_worker",
                        row.id,
                        job_id=rq_job_id(row.id),
                        # A finished job leaves nothing behind; a failed one stays for an admin.
                        result_ttl=0,
                        failure_ttl=30 * 24 * 3600,
                        description=f"{row.job} (outbox {row.id})",
                        unique=True,
                    )
                row.state = OutboxState.ENQUEUED
                row.attempts += 1


def pending_ids(
    session: Session, limit: int = 500, *, queues: Iterable[str] | None = None, after: int = 0
) -> list[int]:
    """Pending rows by id (those above `after`), of `queues` only when given."""
    query = select(OutboxJob.id).where(OutboxJob.state == OutboxState.PENDING, OutboxJob.id > after)
    if queues is not None:
        query = query.where(OutboxJob.queue.in_(list(queues)))
    return list(session.scalars(query.order_by(OutboxJob.id).limit(limit)))


def immediate_queues() -> list[str]:
    """The queues staff work goes on: handed to rq by the request that caused it."""
    return [queue for queue in QUEUES if queue not in HELD_QUEUES]


def job_args(row: OutboxJob) -> dict[str, Any]:
    return dict(row.args)
