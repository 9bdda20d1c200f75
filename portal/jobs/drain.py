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

One drain per queue runs at a time (a Redis lock): each row runs once even with several intake
workers. The lock lives half a tick and a thread of the drain renews it every sixth of a tick, so
a drain whose worker was killed (SIGKILL, OOM) blocks the queue for at most half a tick and the
next tick's drain takes over. A drain that dies mid-row leaves that row `pending` (its transaction
rolls back) for the next one.

A drain that ends with no pending row left in the outbox writes the time to
`portal:outbox:clear` (a tick time): `/healthz` counts the oldest pending row's age from it, since
outbox rows carry no time of their own (docs/privacy.md).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from redis import Redis
from redis.exceptions import LockError, RedisError
from rq import Queue
from sqlalchemy import CursorResult, update

from portal.config import jobs_tick_seconds
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.outbox import HELD_QUEUES, pending_ids
from portal.jobs.runner import _worker_database, _worker_redis, execute

DRAIN_FUNCTION = "portal.jobs.drain.drain_from_worker"
DRAIN_LOCK_KEY = "portal:outbox:drain:{queue}"
CLEAR_KEY = "portal:outbox:clear"
# rq's timeout of a drain job: longer than its time budget below.
DRAIN_JOB_TIMEOUT = 300
# Rows read per batch; a drain reads batches until none is left or its time is up (well inside
# the job's timeout), and the rest wait for the next tick. 60 to 115 intake jobs a second ran on
# PostgreSQL here (docs/jobs.md), so one drain takes a backlog of 15,000 reports or more.
DRAIN_BATCH = 500
DRAIN_BUDGET_SECONDS = 240
DAY = 24 * 3600


def drain_lock_seconds(tick: int | None = None) -> float:
    """How long a drain's lock outlives its holder: half a tick (so a killed drain's lock is gone
    before the next tick's drain asks for it), never under 2 s."""
    return max(2.0, (jobs_tick_seconds() if tick is None else tick) / 2)


class _Heartbeat:
    """Renews a held lock from a thread while the drain runs, whatever one row takes."""

    def __init__(self, lock: Any, ttl: float) -> None:
        self.lock, self.ttl = lock, ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drain-lock", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.lock.extend(self.ttl, replace_ttl=True)
            except LockError:
                self.lost.set()  # expired and taken by another drain: stop after this row
                return
            except RedisError:
                continue  # Redis blinked; the lock may still hold, try at the next beat


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
    ttl = drain_lock_seconds()
    lock = (
        redis.lock(
            DRAIN_LOCK_KEY.format(queue=queue), timeout=ttl, blocking=False, thread_local=False
        )
        if redis is not None
        else None
    )
    if lock is not None and not lock.acquire():
        return Drained(busy=True)
    ran = 0
    deadline = time.monotonic() + budget_seconds
    after = 0
    heartbeat = _Heartbeat(lock, ttl) if lock is not None else contextlib.nullcontext()
    clear = False
    try:
        with heartbeat as beating:
            while time.monotonic() < deadline:
                with database.transaction() as session:
                    ids = pending_ids(session, batch, queues=[queue], after=after)
                if not ids:
                    with database.transaction() as session:
                        clear = not pending_ids(session, 1)
                    break
                for outbox_id in ids:
                    if isinstance(beating, _Heartbeat) and beating.lost.is_set():
                        raise LockError("the drain lock was taken over")
                    if _claim(database, outbox_id):
                        execute(database, outbox_id)
                        ran += 1
                    after = outbox_id
                    if time.monotonic() >= deadline:
                        break
    except LockError:
        lock = None
    finally:
        if lock is not None:
            with contextlib.suppress(LockError, RedisError):
                lock.release()
    if clear and redis is not None:
        with contextlib.suppress(RedisError):
            redis.set(CLEAR_KEY, f"{time.time():.3f}")
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
        job_timeout=DRAIN_JOB_TIMEOUT,
        # Waiting longer than two ticks, it is stale: the next tick brings another.
        ttl=2 * tick,
        result_ttl=0,
        # A drain that fails (the database was down) says so for a day, with tick times only.
        failure_ttl=DAY,
    )


def drain_from_worker(queue: str) -> None:
    """The rq entry point the scheduler enqueues every tick on each held queue."""
    drain(_worker_database(), _worker_redis(), queue)
