"""The rq worker class to run: rq's forking worker with the job modules imported before any fork.

rq's worker forks a "work horse" for every job, and the horse imports the job's module on first
use: the whole portal package, since the jobs build models, crypto and services. Measured under a
loaded machine (tests/faults/test_stream_faults.py, load average 14 on 2 cores), that import took
longer than a tick, so drains queued every tick barely ran while a stream of reports came in. Here
the job modules are imported once in the worker process; a fork then starts a horse with them in
memory. Nothing that holds a connection is made before the fork (`_worker_database` is built in
each horse), so no socket is shared between horses.

    rq worker -w portal.jobs.worker.Worker --url "$REDIS_URL" intake scoring maintenance
"""

from __future__ import annotations

import importlib
from typing import Any

from rq import Worker as RqWorker

from portal.jobs.runner import JOBS

PRELOAD = (
    "portal.jobs.drain",
    "portal.jobs.sweeper",
    "portal.jobs.schedule",
    "portal.jobs.retention",
    *(path.rpartition(".")[0] for path in JOBS.values()),
)


def preload() -> None:
    for module in PRELOAD:
        importlib.import_module(module)


class Worker(RqWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preload()
