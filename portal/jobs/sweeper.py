"""The outbox sweeper: hand rq whatever the web processes could not (DESIGN §4, §7).

Two kinds of rows need it. A row still `pending` was committed while Redis was down (the
dispatcher logged and moved on). A row `enqueued` whose rq job no longer exists was lost with
Redis itself: production Redis may run without persistence (`--save "" --appendonly no`), so a
restart empties every queue. Both go back through the same `Dispatcher` the web process uses.

A row must never run twice. Sweeps and retries hold one Redis lock, so only one of them looks
at the outbox at a time; a pending row whose rq job already exists (a dispatcher pushed it, then
failed before its commit) is left to that job; and `execute` skips rows already done. Failed rows
are not swept: a job that fails every minute would only fill the failed registry; an admin
retries them (`portal jobs retry`, `/admin/jobs`).

Outbox rows carry no timestamp (docs/privacy.md), so "stuck" cannot mean "older than N
seconds": every pending row is swept, and an `enqueued` row counts as lost only when Redis has no
job for it.

Rows of a held queue (reporters' jobs, `portal/jobs/outbox.py`) are the drain's, not the
sweeper's: they are never enqueued one by one. The scheduled sweep only counts them (the scheduler
enqueues a drain every tick anyway); a sweep typed by hand enqueues a drain for them. The sweep
also deletes expired rate-limit counters from the database (`DatabaseCounters.purge_expired`):
a row must not outlive its window until the next hit happens to clear it. And it moves the blobs
reporters' requests staged in the database into the blob store (`portal/blobs`), so that their
files are written on the tick and dated to the day.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from redis import Redis
from redis.exceptions import LockError
from rq.job import Job
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from portal.blobs import settle_staged_blobs
from portal.config import Config
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.drain import _Heartbeat, drain_lock_seconds, enqueue_drain
from portal.jobs.outbox import HELD_QUEUES, Dispatcher, immediate_queues, pending_ids, rq_job_id
from portal.jobs.runner import _worker_database, _worker_redis
from portal.keys.match import adopt_legacy_match_key
from portal.limits import DatabaseCounters
from portal.store import FileStore, Store

log = logging.getLogger("portal.jobs")

DEFAULT_LIMIT = 500
LOCK_KEY = "portal:outbox:lock"
# rq's timeout of a sweep job: longer than any sweep of `DEFAULT_LIMIT` rows takes. The lock
# itself lives half a tick and is renewed while the sweep runs (`outbox_lock`).
LOCK_SECONDS = 300
# Existence checks per Redis round trip while scanning enqueued rows.
_CHUNK = 500


class OutboxBusy(Exception):
    """Another sweep or retry holds the outbox lock; try again shortly."""


@dataclass(frozen=True)
class Swept:
    """What one sweep did. Counts only: ids of reports have no business in a log line."""

    handed_over: int = 0  # rows rq now holds (or, without Redis, that ran inline)
    lost: int = 0  # `enqueued` rows whose rq job had vanished, made pending again
    already_queued: int = 0  # pending rows whose rq job exists: left to that job
    left_pending: int = 0  # rows still pending after the sweep (Redis failed during it)
    held: int = 0  # reporters' rows waiting for a drain (never a log line: see drain.py)
    drain_queued: bool = False  # this sweep enqueued a drain for them
    busy: bool = False  # another sweep held the lock; nothing was looked at

    def __str__(self) -> str:
        if self.busy:
            return "another sweep is running; nothing done"
        text = (
            f"{self.handed_over} job(s) handed to the queue, {self.lost} found lost with Redis, "
            f"{self.already_queued} already queued, {self.left_pending} still pending"
        )
        if self.held:
            then = "a drain is queued" if self.drain_queued else "the next tick drains them"
            text += f"; {self.held} reporter job(s) held for the drain ({then})"
        return text


@contextmanager
def outbox_lock(redis: Redis[bytes] | None, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the one lock sweeps and retries share; raise `OutboxBusy` if it cannot be had.

    Without Redis there is one process running jobs inline, and nothing to race with.
    """
    if redis is None:
        yield
        return
    # Like the drain's: half a tick, renewed by a thread while held, so a sweep whose worker was
    # killed blocks the next ones for half a tick, not minutes (docs/jobs.md).
    ttl = drain_lock_seconds()
    lock = redis.lock(
        LOCK_KEY,
        timeout=ttl,
        blocking=wait_seconds is not None,
        blocking_timeout=wait_seconds,
        thread_local=False,
    )
    if not lock.acquire():
        raise OutboxBusy
    try:
        with _Heartbeat(lock, ttl):
            yield
    finally:
        try:
            lock.release()
        except LockError:
            # Expired (Redis blinked past the heartbeat) and taken over: not ours to free.
            log.warning("outbox lock expired before the sweep ended")


def sweep(
    database: Database,
    redis: Redis[bytes] | None,
    *,
    limit: int = DEFAULT_LIMIT,
    drain_held: bool = True,
    store: Store | None = None,
    keys_path: Path | None = None,
) -> Swept:
    """Hand every pending row, and every enqueued row rq lost, to the queue (at most `limit`).

    With Redis, rows of held queues are counted, and handed to a drain if `drain_held` (a sweep
    typed by hand); the scheduled sweep passes False, as its scheduler drains them every tick.
    With `store`, blobs staged by reporters' requests are moved into it (`portal/blobs`): this is
    the tick their files are dated to. With `keys_path`, a match-hash key left in the clear by the
    first design is sealed to the desks and deleted (`portal/keys/match.py`), if `db upgrade` did
    not already.
    """
    DatabaseCounters(database.sessions).purge_expired()
    if store is not None:
        settle_staged_blobs(database, store)
    if keys_path is not None:
        with database.sessions() as session:
            adopt_legacy_match_key(session, keys_path)
    try:
        with outbox_lock(redis):
            lost = _reset_lost(database, redis, limit) if redis is not None else 0
            # Without Redis everything runs here, held rows too, as it does after a request.
            queues = immediate_queues() if redis is not None else None
            with database.transaction() as session:
                candidates = pending_ids(session, limit, queues=queues)
                held = _held(session) if redis is not None else {}
            queued = _with_job(redis, candidates) if redis is not None else set()
            to_send = [i for i in candidates if i not in queued]
            Dispatcher(database, redis).dispatch(to_send)
            with database.transaction() as session:
                still = set(
                    session.scalars(
                        select(OutboxJob.id).where(
                            OutboxJob.id.in_(to_send), OutboxJob.state == OutboxState.PENDING
                        )
                    )
                )
            drained = False
            if redis is not None and drain_held:
                for queue in held:
                    enqueue_drain(redis, queue)
                    drained = True
    except OutboxBusy:
        return Swept(busy=True)
    return Swept(
        handed_over=len(to_send) - len(still),
        lost=lost,
        already_queued=len(queued),
        left_pending=len(still),
        held=sum(held.values()),
        drain_queued=drained,
    )


def _held(session: Session) -> dict[str, int]:
    """Pending rows per held queue, for the queues that have any."""
    rows = session.execute(
        select(OutboxJob.queue, func.count(OutboxJob.id))
        .where(OutboxJob.state == OutboxState.PENDING, OutboxJob.queue.in_(HELD_QUEUES))
        .group_by(OutboxJob.queue)
    ).all()
    return {queue: count for queue, count in rows if count}


def _reset_lost(database: Database, redis: Redis[bytes], limit: int) -> int:
    """Put `enqueued` rows whose rq job is gone back to `pending`; returns how many."""
    lost: list[int] = []
    after = 0
    while len(lost) < limit:
        with database.transaction() as session:
            ids = list(
                session.scalars(
                    select(OutboxJob.id)
                    .where(OutboxJob.state == OutboxState.ENQUEUED, OutboxJob.id > after)
                    .order_by(OutboxJob.id)
                    .limit(_CHUNK)
                )
            )
        if not ids:
            break
        present = _with_job(redis, ids)
        lost.extend(i for i in ids if i not in present)
        after = ids[-1]
    lost = lost[:limit]
    if not lost:
        return 0
    with database.transaction() as session:
        # Compare-and-set: a row a worker finished since the scan above stays done.
        result = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(lost), OutboxJob.state == OutboxState.ENQUEUED)
            .values(state=OutboxState.PENDING)
        )
        reset = cast("CursorResult[Any]", result).rowcount
    if reset:
        log.warning("%d outbox job(s) were lost by Redis; handing them over again", reset)
    return reset


def _with_job(redis: Redis[bytes], outbox_ids: list[int]) -> set[int]:
    """The ids among `outbox_ids` that rq holds a job for (queued, running, finished or failed)."""
    if not outbox_ids:
        return set()
    with redis.pipeline(transaction=False) as pipe:
        for outbox_id in outbox_ids:
            pipe.exists(Job.key_for(rq_job_id(outbox_id)))
        found = pipe.execute()
    return {outbox_id for outbox_id, exists in zip(outbox_ids, found, strict=True) if exists}


def sweep_from_worker() -> None:
    """The rq entry point `portal.jobs.schedule` runs every minute on queue `maintenance`."""
    config = Config.from_env()
    result = sweep(
        _worker_database(),
        _worker_redis(),
        drain_held=False,
        store=FileStore(config.blob_path),
        keys_path=config.keys_path,
    )
    # Staff jobs only: a count of reporters' held jobs per tick would date reports to the tick.
    if result.handed_over or result.left_pending or result.lost or result.busy:
        log.info("outbox sweep: %s", dataclasses.replace(result, held=0))
