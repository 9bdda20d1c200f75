"""The drain: reporters' jobs leave the outbox on a clock tick, under no row's name (docs/jobs.md).

The scheduler enqueues `drain_from_worker` on each held queue every tick, whether or not anything
waits, and a worker runs it: it takes the queue's pending rows from the database and runs each one
with `execute`, as an rq job of its own would. What Redis holds of it is one job with tick times and
the queue's name for an argument; it names no outbox row, so nothing there dates a report, and it
leaves nothing once it has run (`result_ttl=0`). It writes no log line: a count per tick, or an
outbox id next to a time, would date a report to the tick.

A drained job that fails is recorded on its outbox row only (`failed`, the exception type, one more
attempt): the drain itself succeeds, so rq keeps no failed job either. `/admin/jobs` lists the
row and its retry enqueues a drain at once; that is a staff action, its time says nothing of a
reporter's.

One drain per queue runs at a time (a Redis lock, renewed after each row): each row runs once even
with several intake workers. A drain that dies mid-row leaves that row `pending` (its transaction
rolls back) for the next one.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from redis import Redis
from redis.exceptions import LockError
from rq import Queue
from sqlalchemy import CursorResult, update

from portal.config import jobs_tick_seconds
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.outbox import HELD_QUEUES, pending_ids
from portal.jobs.runner import _worker_database, _worker_redis, execute

DRAIN_FUNCTION = "portal.jobs.drain.drain_from_worker"
DRAIN_LOCK_KEY = "portal:outbox:drain:{queue}"
# A drain killed while holding its lock blocks the next ones for at most this long; a running one
# renews it after every row.
DRAIN_LOCK_SECONDS = 300
# Rows read per batch; a drain reads batches until none is left or its time is up (well inside
# the job's timeout), and the rest wait for the next tick. 60 to 115 intake jobs a second ran on
# PostgreSQL here (docs/jobs.md), so one drain takes a backlog of 15,000 reports or more.
DRAIN_BATCH = 500
DRAIN_BUDGET_SECONDS = 240
DAY = 24 * 3600


@dataclass(frozen=True)
class Drained:
    """What one drain did. Counts for the caller; never logged (see the module's docstring)."""

    ran: int = 0
    busy: bool = False  # another drain of the queue held the lock; nothing was looked at


def drain(
    database: Database,
    redis: Redis[bytes] | None,
    queue: str,
    *,
    batch: int = DRAIN_BATCH,
    budget_seconds: float = DRAIN_BUDGET_SECONDS,
) -> Drained:
    """Run the pending rows of held `queue`, oldest first, each at most once."""
    if queue not in HELD_QUEUES:
        raise ValueError(f"{queue!r} is not a held queue")
    lock = (
        redis.lock(DRAIN_LOCK_KEY.format(queue=queue), timeout=DRAIN_LOCK_SECONDS, blocking=False)
        if redis is not None
        else None
    )
    if lock is not None and not lock.acquire():
        return Drained(busy=True)
    ran = 0
    deadline = time.monotonic() + budget_seconds
    after = 0
    try:
        while time.monotonic() < deadline:
            with database.transaction() as session:
                ids = pending_ids(session, batch, queues=[queue], after=after)
            if not ids:
                break
            for outbox_id in ids:
                if _claim(database, outbox_id):
                    execute(database, outbox_id)
                    ran += 1
                after = outbox_id
                if lock is not None:
                    # Taken over after an expiry: another drain owns the queue now; stop here.
                    lock.extend(DRAIN_LOCK_SECONDS, replace_ttl=True)
                if time.monotonic() >= deadline:
                    break
    except LockError:
        lock = None
    finally:
        if lock is not None:
            with contextlib.suppress(LockError):
                lock.release()
    return Drained(ran=ran)


def _claim(database: Database, outbox_id: int) -> bool:
    """Count one more attempt on a row still pending; False if someone else ran it meanwhile."""
    with database.transaction() as session:
        result = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == outbox_id, OutboxJob.state == OutboxState.PENDING)
            .values(attempts=OutboxJob.attempts + 1)
        )
        return cast("CursorResult[Any]", result).rowcount == 1


def enqueue_drain(redis: Redis[bytes], queue: str) -> None:
    """Queue one drain of `queue` now: for a retry or a sweep typed by hand (staff actions)."""
    tick = jobs_tick_seconds()
    Queue(queue, connection=redis).enqueue(DRAIN_FUNCTION, queue, **drain_job_options(tick))


class DrainJobOptions(TypedDict):
    job_timeout: int
    ttl: int
    result_ttl: int
    failure_ttl: int


def drain_job_options(tick: int) -> DrainJobOptions:
    """rq options of a drain job, the same from the scheduler and from `enqueue_drain`."""
    return DrainJobOptions(
        job_timeout=DRAIN_LOCK_SECONDS,
        # Waiting longer than two ticks, it is stale: the next tick brings another.
        ttl=2 * tick,
        result_ttl=0,
        # A drain that fails (the database was down) says so for a day, with tick times only.
        failure_ttl=DAY,
    )


def drain_from_worker(queue: str) -> None:
    """The rq entry point the scheduler enqueues every tick on each held queue."""
    drain(_worker_database(), _worker_redis(), queue)
