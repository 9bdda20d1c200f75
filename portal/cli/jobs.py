"""`flask --app portal portal outbox sweep` and `portal jobs failed|retry` (DESIGN §7, §12)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from redis import Redis
from redis.exceptions import RedisError

from portal.jobs.failures import NothingToRetry, list_failed, normalise_job_id, retry
from portal.jobs.sweeper import DEFAULT_LIMIT, OutboxBusy, sweep
from portal.web.services import services


def _redis() -> Redis[bytes] | None:
    return services().dispatcher.redis


def _redis_down(error: RedisError) -> click.ClickException:
    return click.ClickException(
        f"Redis is not answering ({type(error).__name__}); nothing was changed. "
        "Pending jobs stay in the outbox: run this again once Redis is back."
    )


@click.group("outbox", cls=AppGroup)
def outbox_group() -> None:
    """The transactional outbox between the database and rq."""


@outbox_group.command("sweep")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, help="Most jobs handed over.")
def outbox_sweep(limit: int) -> None:
    """Hand pending jobs, and jobs Redis lost, to the queue (without Redis: run them here)."""
    try:
        result = sweep(
            services().database,
            _redis(),
            limit=limit,
            store=services().store,
            keys_path=services().config.keys_path,
        )
    except RedisError as error:
        raise _redis_down(error) from error
    click.echo(f"outbox sweep: {result}")
    if result.busy:
        raise SystemExit(75)  # EX_TEMPFAIL: a scheduled sweep is running; try again


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Background jobs that failed."""


@jobs_group.command("failed")
def jobs_failed() -> None:
    """List failed jobs: id, queue, name and the error's last line (never arguments)."""
    try:
        failed = list_failed(services().database, _redis())
    except RedisError as error:
        raise _redis_down(error) from error
    if not failed:
        click.echo("no failed jobs")
        return
    for job in failed:
        click.echo(f"{job.job_id}\t{job.queue}\t{job.name}\t{job.error}")
    click.echo(f"{len(failed)} failed job(s); retry one with `portal jobs retry <id>`")


@jobs_group.command("retry")
@click.argument("job_id")
def jobs_retry(job_id: str) -> None:
    """Run a failed job again: an outbox id (12), `outbox-12`, or another job id from the list."""
    key = normalise_job_id(job_id)
    try:
        retried = retry(services().database, _redis(), key, actor_id=None, via="cli")
    except NothingToRetry as error:
        raise click.ClickException(f"{key} is not a failed job (retried already?)") from error
    except OutboxBusy as error:
        raise click.ClickException("a sweep is running; try again in a minute") from error
    except RedisError as error:
        raise _redis_down(error) from error
    state = f" (now {retried.state})" if retried.state is not None else ""
    click.echo(f"retried {retried.job_id} on {retried.queue}: {retried.name}{state}")
