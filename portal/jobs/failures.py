"""Failed jobs: list them and retry one (DESIGN §7), for `portal jobs …` and `/admin/jobs`.

Two sources are merged. Outbox rows in state `failed` (the runner records the exception type; with
no Redis, inline jobs fail only there, and so do reporters' jobs run by a drain, which rq never
holds one by one), and rq's failed-job registry of each queue, which also holds jobs that are not
outbox rows (the scheduled sweep and retention purge) and jobs whose worker died mid-run. What is
shown is the job's id, queue and name, the exception's last line and, for an outbox row, its
attempts and the day it was added; never its arguments or rq's description, which repeats them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, cast

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import CursorResult, select, update

from portal import audit
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.drain import enqueue_drain
from portal.jobs.outbox import HELD_QUEUES, QUEUES, Dispatcher, rq_job_id
from portal.jobs.sweeper import outbox_lock

_OUTBOX_JOB_ID = re.compile(r"outbox-(\d+)")
# Per queue: a job that fails every minute must not make the page or the command endless.
MAX_PER_QUEUE = 200
_MAX_ERROR = 200


class NothingToRetry(Exception):
    """The job is not failed (any more): someone retried it, or it never failed."""


@dataclass(frozen=True)
class FailedJob:
    job_id: str  # `outbox-<id>` for outbox rows, rq's own id otherwise; what `retry` takes
    queue: str
    name: str
    error: str
    outbox_id: int | None = None
    in_rq: bool = False  # listed in rq's failed registry (as well as, or instead of, the outbox)
    attempts: int | None = None  # outbox rows: times handed to a worker or a drain
    day: dt.date | None = None  # outbox rows: the day the job was added (never finer)


@dataclass(frozen=True)
class Retried:
    job_id: str
    queue: str
    name: str
    # The outbox row's state once dispatched: `done` or `failed` when it ran inline at once,
    # `enqueued` when rq has it (or, for a held queue, a drain that will run it), `pending` when
    # Redis failed meanwhile (the sweeper sends it). None for a plain rq job, which rq requeued.
    state: OutboxState | None = None


def outbox_id_of(job_id: str) -> int | None:
    found = _OUTBOX_JOB_ID.fullmatch(job_id.strip())
    return int(found.group(1)) if found else None


def normalise_job_id(value: str) -> str:
    """What the CLI accepts: an outbox id (`12`) or any job id shown in the list."""
    value = value.strip()
    return rq_job_id(int(value)) if value.isdigit() else value


def last_line(text: str | None) -> str:
    """The last non-empty line of a traceback: `SomeError: what went wrong`, shortened."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 1] + "…"


def list_failed(database: Database, redis: Redis[bytes] | None) -> list[FailedJob]:
    """Every failed job, outbox and rq merged by job id, newest outbox rows first."""
    with database.transaction() as session:
        rows = session.scalars(
            select(OutboxJob)
            .where(OutboxJob.state == OutboxState.FAILED)
            .order_by(OutboxJob.id.desc())
            .limit(MAX_PER_QUEUE * len(QUEUES))
        ).all()
        found: dict[str, FailedJob] = {
            rq_job_id(row.id): FailedJob(
                job_id=rq_job_id(row.id),
                queue=row.queue,
                name=row.job,
                error=last_line(row.last_error),
                outbox_id=row.id,
                attempts=row.attempts,
                day=row.created_day,
            )
            for row in rows
        }
        if redis is None:
            return list(found.values())
        for job in _rq_failed(redis):
            known = found.get(job.id)
            outbox_id = outbox_id_of(job.id)
            row = session.get(OutboxJob, outbox_id) if outbox_id is not None else None
            name = known.name if known else row.job if row is not None else None
            found[job.id] = FailedJob(
                job_id=job.id,
                queue=job.origin,
                name=name or _function_name(job),
                # The runner's own record is the exception type alone; rq's last line would
                # only wrap it in `JobFailed`.
                error=known.error if known and known.error else _rq_error(job),
                outbox_id=outbox_id,
                in_rq=True,
                attempts=row.attempts if row is not None else None,
                day=row.created_day if row is not None else None,
            )
    return sorted(found.values(), key=_newest_first)


def _newest_first(job: FailedJob) -> tuple[int, int, str]:
    # Outbox rows by id, newest first, then the other rq jobs by id.
    return (0, -job.outbox_id, "") if job.outbox_id is not None else (1, 0, job.job_id)


def _rq_failed(redis: Redis[bytes]) -> Iterable[Job]:
    for queue in QUEUES:
        registry = FailedJobRegistry(queue, connection=redis)
        ids = registry.get_job_ids(0, MAX_PER_QUEUE - 1, desc=True)
        for job in Job.fetch_many(ids, connection=redis):
            if job is not None:
                yield job


def _function_name(job: Job) -> str:
    try:
        return job.func_name or "?"
    except Exception:  # a job whose data no longer loads is still listed
        return "?"


def _rq_error(job: Job) -> str:
    result = job.latest_result()
    return last_line(result.exc_string if result is not None else None) or "?"


def retry(
    database: Database,
    redis: Redis[bytes] | None,
    job_id: str,
    *,
    actor_id: int | None,
    via: str,
) -> Retried:
    """Run a failed job again and audit it as `jobs.retry`; raises `NothingToRetry`.

    An outbox job goes back to `pending` and through the dispatcher, like a new one; its old rq
    job is deleted first, so exactly one rq job exists for the row. Other rq jobs are requeued.
    Holds the outbox lock so a sweep cannot hand the same row over at the same moment.
    """
    outbox_id = outbox_id_of(job_id)
    with outbox_lock(redis, wait_seconds=10):
        if outbox_id is None:
            retried = _requeue_rq_job(redis, job_id)
        else:
            retried = _retry_outbox_row(database, redis, outbox_id)
        with database.transaction() as session:
            audit.record(
                session,
                actor_id=actor_id,
                action="jobs.retry",
                object_type="job",
                object_id=retried.job_id,
                detail={"queue": retried.queue, "job": retried.name, "via": via},
            )
    return retried


def _failed_registry_of(redis: Redis[bytes] | None, job_id: str) -> FailedJobRegistry | None:
    if redis is None:
        return None
    for queue in QUEUES:
        registry = FailedJobRegistry(queue, connection=redis)
        if job_id in registry:
            return registry
    return None


def _requeue_rq_job(redis: Redis[bytes] | None, job_id: str) -> Retried:
    registry = _failed_registry_of(redis, job_id)
    if registry is None:
        raise NothingToRetry(job_id)
    try:
        job = registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError) as error:
        raise NothingToRetry(job_id) from error
    return Retried(job_id=job.id, queue=job.origin, name=_function_name(job))


def _retry_outbox_row(database: Database, redis: Redis[bytes] | None, outbox_id: int) -> Retried:
    job_id = rq_job_id(outbox_id)
    registry = _failed_registry_of(redis, job_id)
    # A row still `enqueued` whose rq job failed had its worker die mid-run (rq moved the job to
    # the failed registry, the runner never recorded anything): retryable too.
    retryable = [OutboxState.FAILED] + ([OutboxState.ENQUEUED] if registry is not None else [])
    with database.transaction() as session:
        result = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == outbox_id, OutboxJob.state.in_(retryable))
            .values(state=OutboxState.PENDING, last_error=None)
        )
        if cast("CursorResult[Any]", result).rowcount != 1:
            raise NothingToRetry(job_id)
        row = session.get(OutboxJob, outbox_id)
        assert row is not None
        queue, name = row.queue, row.job
    if registry is not None:
        # NoSuchJobError: its hash expired already; the registry entry is gone all the same.
        with suppress(NoSuchJobError):
            registry.remove(job_id, delete_job=True)
    if redis is not None and queue in HELD_QUEUES:
        # A reporter's job: a drain runs it, queued now. An admin's retry dates nothing a
        # reporter did, and the drain names no row.
        try:
            enqueue_drain(redis, queue)
        except RedisError:
            # The row is pending again all the same: the next drain after Redis is back runs it.
            return Retried(job_id=job_id, queue=queue, name=name, state=OutboxState.PENDING)
        return Retried(job_id=job_id, queue=queue, name=name, state=OutboxState.ENQUEUED)
    Dispatcher(database, redis).dispatch([outbox_id])
    with database.transaction() as session:
        state = session.scalar(select(OutboxJob.state).where(OutboxJob.id == outbox_id))
    return Retried(job_id=job_id, queue=queue, name=name, state=state)
