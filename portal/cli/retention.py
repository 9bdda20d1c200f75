"""`flask --app portal portal retention …`: see and set desks' retention, run the purge by hand.

The daily purge runs as the rq job `portal.jobs.retention.run_scheduled_purge`; this is for an
administrator at the shell (docs/retention.md).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import audit
from portal.domain.models import Desk
from portal.domain.models.base import today
from portal.jobs.retention import (
    PurgeResult,
    due_for_purge,
    purge_expired,
    reclaim_freed_pages,
)
from portal.web.services import services

# At least a day: a report rejected this morning must stay readable long enough for its reporter
# to see the outcome and for a colleague to reopen a mistaken rejection.
_DAYS = click.IntRange(min=1, max=36500)


@click.group("retention", cls=AppGroup)
def retention_group() -> None:
    """Crypto-shredding of rejected and closed reports."""


@retention_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what is due, per desk; change nothing.")
def purge(dry_run: bool) -> None:
    """Shred every rejected or closed report whose desk's retention has run out."""
    database = services().database
    as_of = today()
    if dry_run:
        with database.transaction() as session:
            result = due_for_purge(session, as_of)
    else:
        with database.sessions() as session:
            result = purge_expired(session, services().store, as_of)
        reclaim_freed_pages(database)
    _print(result)


def _print(result: PurgeResult) -> None:
    done = "due for shredding" if result.dry_run else "shredded"
    for code, count in result.by_desk.items():
        click.echo(f"desk {code}: {count} report(s) {done}")
    click.echo(
        f"total on {result.as_of.isoformat()}: {result.total} report(s) and "
        f"{result.attachments} attachment(s) {done}"
    )


@retention_group.command("show")
def show() -> None:
    """List each desk's retention periods."""
    with services().database.transaction() as session:
        for desk in session.scalars(select(Desk).order_by(Desk.code)):
            click.echo(_describe(desk))


@retention_group.command("set")
@click.option("--desk", "desk_code", required=True, help="Desk code, e.g. IQ.")
@click.option("--rejected-days", type=_DAYS, help="Days a rejected report is kept.")
@click.option("--closed-days", type=_DAYS, help="Days a closed report is kept.")
def set_retention(desk_code: str, rejected_days: int | None, closed_days: int | None) -> None:
    """Change a desk's retention; counted from the day a report last changed."""
    if rejected_days is None and closed_days is None:
        raise click.UsageError("give --rejected-days, --closed-days or both")
    with services().database.transaction() as session:
        desk = session.scalar(select(Desk).where(Desk.code == desk_code.upper()))
        if desk is None:
            raise click.ClickException(f"no desk {desk_code.upper()}")
        before = {
            "rejected_days": desk.retention_rejected_days,
            "closed_days": desk.retention_closed_days,
        }
        if rejected_days is not None:
            desk.retention_rejected_days = rejected_days
        if closed_days is not None:
            desk.retention_closed_days = closed_days
        # Shortening a retention brings a purge forward: who changed it and from what is on record.
        audit.record(
            session,
            actor_id=None,
            action="retention.set",
            object_type="desk",
            object_id=desk.code,
            detail={
                "before": before,
                "after": {
                    "rejected_days": desk.retention_rejected_days,
                    "closed_days": desk.retention_closed_days,
                },
            },
        )
        click.echo(_describe(desk))


def _describe(desk: Desk) -> str:
    return (
        f"desk {desk.code}: rejected reports kept {desk.retention_rejected_days} days, "
        f"closed reports {desk.retention_closed_days} days"
    )
