"""Work on a clock, for rq's own cron scheduler (DESIGN §7). See docs/jobs.md.

Run one scheduler next to the workers; it only enqueues, the workers run:

    rq worker --url "$REDIS_URL" intake scoring maintenance
    python -m portal.jobs.scheduler     # rq's cron loop on this module, surviving Redis losses

Both processes need the portal's environment (DATABASE_URL, PORTAL_INSTANCE_PATH, SECRET_KEY, …):
the scheduled functions build what they need from `Config.from_env()` when a worker runs them.

- every tick (`PORTAL_JOBS_TICK_SECONDS`, 60 s by default): the drain of each held queue
  (`portal.jobs.drain.drain_from_worker`: reporters' jobs, run on the clock, never with the request
  that caused them) and the outbox sweep (`portal.jobs.sweeper.sweep_from_worker`);
- every quarter hour: the purge of expired exports (`portal.assess.export_worker`, docs/exports.md);
- every day at 03:15 (the scheduler host's local time): the retention purge.

Two schedulers would enqueue everything twice: harmless (the sweep takes a lock, the purge is
idempotent) but wasteful, so run exactly one.
"""

from __future__ import annotations

import importlib

from rq import cron

from portal.config import jobs_tick_seconds
from portal.jobs.drain import drain_from_worker, drain_job_options
from portal.jobs.outbox import HELD_QUEUES
from portal.jobs.sweeper import LOCK_SECONDS, sweep_from_worker

# Named, not imported: the retention module belongs to another part of the portal and may change
# shape; a name that no longer resolves fails one scheduled job, visibly, on /admin/jobs.
RETENTION_PURGE = "portal.jobs.retention.run_scheduled_purge"
# Named too: portal/jobs/ imports nothing from portal/assess/ (which imports the outbox).
EXPORT_PURGE = "portal.assess.export_worker.purge_expired_exports"
DAY = 24 * 3600
TICK = jobs_tick_seconds()


def purge_retention() -> None:
    """The rq entry point the daily schedule enqueues: runs the retention purge by name."""
    module, _, name = RETENTION_PURGE.rpartition(".")
    getattr(importlib.import_module(module), name)()


def purge_expired_exports() -> None:
    """The rq entry point the quarter-hour schedule enqueues: runs the export purge by name."""
    module, _, name = EXPORT_PURGE.rpartition(".")
    getattr(importlib.import_module(module), name)()


# Every tick, whether or not anything waits: a drain enqueued only when reports wait would date
# them to the tick in rq's own records and the workers' logs.
for held in sorted(HELD_QUEUES):
    cron.register(
        drain_from_worker,
        held,
        args=(held,),
        interval=TICK,
        name=f"{held}-drain",
        **drain_job_options(TICK),
    )
# A sweep waiting longer than two ticks is stale (the next one is queued already): rq drops
# it instead of letting sweeps pile up behind a stopped worker. Failures stay a day, not the
# 30 days outbox jobs stay: a sweep failing every minute would otherwise bury the list. A
# successful job leaves nothing in Redis (`result_ttl=0`).
cron.register(
    sweep_from_worker,
    "maintenance",
    interval=TICK,
    job_timeout=LOCK_SECONDS,
    ttl=2 * TICK,
    result_ttl=0,
    failure_ttl=DAY,
    name="outbox-sweep",
)
cron.register(
    purge_retention,
    "maintenance",
    cron="15 3 * * *",
    job_timeout=6 * 3600,
    result_ttl=0,
    failure_ttl=30 * DAY,
    name="retention-purge",
)
# A file past its time must not stay fetchable for long: downloads refuse it at once, and this
# deletes it within the quarter hour.
cron.register(
    purge_expired_exports,
    "maintenance",
    interval=15 * 60,
    job_timeout=600,
    ttl=15 * 60,
    result_ttl=0,
    failure_ttl=DAY,
    name="export-purge",
)
