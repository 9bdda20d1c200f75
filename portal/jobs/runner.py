"""Running an outbox job: in an rq worker, or inline in the web process. Same code path."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from functools import cache
from typing import Any

from redis import Redis
from rq import get_current_job

from portal.config import Config
from portal.database import Database
from portal.domain.models import OutboxJob, OutboxState

log = logging.getLogger("portal.jobs")

JobFunction = Callable[..., None]


# Job name → the function's dotted path. Named, not imported: the job bodies belong to the parts
# of the portal they serve (portal/assess/ imports portal.jobs.outbox to add its jobs), and
# portal/jobs/ imports none of them, so there is no import loop between the packages.
JOBS = {
    "intake": "portal.jobs.intake.intake_report",
    "scorecards_stale": "portal.assess.scoring_job.mark_scorecards_stale",
    "export": "portal.assess.export_worker.build_export_file",
}


def registry() -> dict[str, JobFunction]:
    found: dict[str, JobFunction] = {}
    for name, path in JOBS.items():
        module, _, function = path.rpartition(".")
        found[name] = getattr(importlib.import_module(module), function)
    return found


class JobFailed(Exception):
    """A job raised; the outbox row records the exception type, never report content."""


def execute(database: Database, outbox_id: int, *, raise_errors: bool = False) -> None:
    """Run one outbox job in its own transaction, unless it already ran (idempotence)."""
    with database.transaction() as session:
        row = session.get(OutboxJob, outbox_id)
        if row is None or row.state == OutboxState.DONE:
            return
        function = registry().get(row.job)
        if function is None:
            row.state = OutboxState.FAILED
            row.last_error = f"unknown job {row.job!r}"
            return
        args: dict[str, Any] = dict(row.args)
    try:
        with database.transaction() as session:
            function(session, **args)
            done = session.get(OutboxJob, outbox_id)
            if done is not None:
                done.state = OutboxState.DONE
                done.last_error = None
    except Exception as error:
        _record_failure(database, outbox_id, error)
        # The type only, as on the row, and no outbox id: next to the line's time, a reporter's
        # job's id would date the report (docs/jobs.md); a traceback may quote values.
        log.warning("a %s job failed (%s); see the failed jobs", row.job, type(error).__name__)
        if raise_errors:
            raise JobFailed(type(error).__name__) from error


def _record_failure(database: Database, outbox_id: int, error: Exception) -> None:
    with database.transaction() as session:
        row = session.get(OutboxJob, outbox_id)
        if row is not None:
            row.state = OutboxState.FAILED
            # The type and the first line only: messages of some libraries quote values.
            row.last_error = type(error).__name__


@cache
def _worker_database() -> Database:
    # One engine per worker process, built from the same environment as the web processes;
    # files it creates (blobs on the tick, exports) are for its own user only, as in create_app.
    os.umask(0o077)
    return Database(Config.from_env().database_url)


def _worker_redis() -> Redis[bytes] | None:
    """The Redis the running rq job came through, else the one the environment names."""
    job = get_current_job()
    if job is not None:
        return job.connection
    url = Config.from_env().redis_url
    return Redis.from_url(url) if url else None


def run_from_worker(outbox_id: int) -> None:
    """The rq entry point; rq records a raised error in its failed-job registry."""
    execute(_worker_database(), outbox_id, raise_errors=True)
