"""`flask --app portal portal public …`: make releases ahead of the page, and read the ledger."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.domain.models import Compact, CompactStatus
from portal.public.ledger import spent_by_quarter, stored_releases
from portal.public.service import Outcome, ledger_rows, release
from portal.public.settings import public_settings
from portal.web.services import services


@click.group("public", cls=AppGroup)
def public_group() -> None:
    """Public transparency pages: releases and their privacy budget."""


def _compacts(slug: str | None, every_compact: bool) -> list[tuple[int, str]]:
    with services().database.transaction() as session:
        query = select(Compact.id, Compact.slug).where(Compact.status != CompactStatus.DRAFT)
        if not every_compact:
            if not slug:
                raise click.UsageError("name a compact with --compact, or use --all")
            query = query.where(Compact.slug == slug)
        found = [(row.id, row.slug) for row in session.execute(query.order_by(Compact.slug))]
    if not found and not every_compact:
        raise click.ClickException(f"no published compact {slug!r} (drafts have no public page)")
    return found


@public_group.command("release")
@click.option("--compact", "slug", help="The compact's slug, e.g. iq-2026.")
@click.option("--all", "every_compact", is_flag=True, help="Every compact that is not a draft.")
@click.option(
    "--again",
    is_flag=True,
    help="Publish fresh figures for the newest release due (after late verifications). "
    "Spends ε again; refused when it would take budget kept for scheduled releases.",
)
def release_command(slug: str | None, every_compact: bool, again: bool) -> None:
    """Make the scheduled release now instead of on the page's first visit (idempotent)."""
    settings = public_settings(current_app)
    refused = 0
    for compact_id, compact_slug in _compacts(slug, every_compact):
        with services().database.transaction() as session:
            compact = session.get(Compact, compact_id)
            assert compact is not None
            result = release(
                session,
                compact,
                settings.schedule,
                today=settings.today(),
                rng=settings.rng,
                again=again,
            )
        quarters = ", ".join(result.due.quarter_names) if result.due is not None else ""
        if result.made > 1:
            click.echo(f"{compact_slug}: {result.made} releases made (every one due and missing)")
        if result.outcome is Outcome.NOTHING_DUE:
            click.echo(f"{compact_slug}: no release due yet")
        elif result.outcome is Outcome.CACHED:
            click.echo(
                f"{compact_slug}: {quarters} already released; use --again for fresh figures"
            )
        elif result.outcome is Outcome.RELEASED:
            epsilon = settings.schedule.epsilon_per_release.normalize()
            what = result.due.name if result.due is not None else quarters
            click.echo(
                f"{compact_slug}: released {what} ({quarters}), ε {epsilon} on each quarter"
            )
        elif result.outcome is Outcome.WITHHELD:
            click.echo(f"{compact_slug}: {quarters} cannot be protected; nothing published")
        else:
            refused += 1
            click.echo(f"{compact_slug}: refused, {result.refused}; the last release stays up")
    if refused:
        raise click.ClickException(f"{refused} release(s) refused for lack of privacy budget")


@public_group.command("budget")
@click.option("--compact", "slug", required=True, help="The compact's slug, e.g. iq-2026.")
def budget_command(slug: str) -> None:
    """Show the ε spent on each quarter and the releases made."""
    settings = public_settings(current_app)
    cap = settings.schedule.budget.epsilon_per_quarter
    [(compact_id, _slug)] = _compacts(slug, every_compact=False)
    with services().database.transaction() as session:
        compact = session.get(Compact, compact_id)
        assert compact is not None
        rows = ledger_rows(session, compact)
        spent = spent_by_quarter(rows)
        releases = stored_releases(rows)
    for quarter in sorted(spent):
        click.echo(f"{quarter}: ε {spent[quarter].normalize()} of {cap.normalize()} spent")
    for stored in releases:
        what = "withheld" if stored.withheld else "published"
        if stored.legacy is not None:
            what = "published (first design, no longer shown)"
        name = stored.figures.name if stored.figures is not None else ""
        quarters = ", ".join(stored.key.quarters)
        click.echo(f"{stored.day} {stored.release_id}: {name} {quarters} {what}".replace("  ", " "))
    if not releases:
        click.echo("no releases yet")
