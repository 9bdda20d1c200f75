"""`flask --app portal portal ledger …`: verify the books, reconcile a quarter, set a currency."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.domain.models import Compact
from portal.domain.models.base import today
from portal.ledger import service, vetting
from portal.ledger.reconcile import BadQuarter, Quarter, reconcile
from portal.ledger.verify import verify_ledger
from portal.web.services import services


@click.group("ledger", cls=AppGroup)
def ledger_group() -> None:
    """The assistance ledger and reform endowment."""


@ledger_group.command("verify")
def verify() -> None:
    """Chain, balances and reconciliation; exit 1 naming the first bad row."""
    with services().database.transaction() as session:
        problem, summary = verify_ledger(session)
    if problem is not None:
        raise click.ClickException(f"ledger broken at {problem}")
    click.echo(
        f"ledger intact: {summary.entries} entries in {summary.transactions} transactions, "
        f"{summary.disbursements} disbursements reconciled"
    )


@ledger_group.command("reconcile")
@click.option("--quarter", required=True, help="e.g. 2026Q1")
@click.option("--compact", "slug", default=None, help="one compact's slug (default: all)")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def reconcile_command(quarter: str, slug: str | None, as_json: bool) -> None:
    """Σ levies = Σ L × gross per rate period; exit 1 if any period does not balance."""
    try:
        period = Quarter.parse(quarter)
    except BadQuarter as error:
        raise click.BadParameter("write the quarter like 2026Q1", param_hint="--quarter") from error
    with services().database.transaction() as session:
        compact = None
        if slug is not None:
            compact = session.scalar(select(Compact).where(Compact.slug == slug))
            if compact is None:
                raise click.BadParameter(f"no compact {slug!r}", param_hint="--compact")
        lines = reconcile(session, period, compact)
    if as_json:
        click.echo(json.dumps({"quarter": str(period), "periods": [x.as_dict() for x in lines]},
                              indent=2))
    else:
        click.echo(f"quarter {period}: {len(lines)} rate period(s)")
        for line in lines:
            click.echo(
                f"{line.compact} {line.currency} rate v{line.rate_version} L={line.rate}: "
                f"{line.disbursements} disbursements, {line.reversals} reversals, "
                f"gross {line.gross:.2f}, levy posted {line.levy_posted:.2f}, "
                f"recomputed {line.levy_expected:.2f}, L×gross {line.levy_exact}, "
                f"{'balanced' if line.balanced else 'NOT BALANCED'}"
            )
    if not all(line.balanced for line in lines):
        raise SystemExit(1)


@ledger_group.command("currency")
@click.argument("slug")
@click.argument("currency")
def currency(slug: str, currency: str) -> None:
    """Set a compact's reporting currency (only before its first disbursement)."""
    with services().database.transaction() as session:
        compact = session.scalar(select(Compact).where(Compact.slug == slug))
        if compact is None:
            raise click.BadParameter(f"no compact {slug!r}", param_hint="SLUG")
        try:
            service.set_reporting_currency(session, compact, currency)
        except service.LedgerError as error:
            raise click.ClickException(error.message) from error
    click.echo(f"{slug}: reporting currency {currency.upper()}")


@ledger_group.command("refresh-vetting")
@click.option("--compact", "slug", default=None, help="one compact's slug (default: all)")
def refresh_vetting(slug: str | None) -> None:
    """Flag units over the threshold from verified incidents (for a daily timer or cron)."""
    with services().database.transaction() as session:
        query = select(Compact).order_by(Compact.slug)
        if slug is not None:
            query = query.where(Compact.slug == slug)
        compacts = session.scalars(query).all()
        if slug is not None and not compacts:
            raise click.BadParameter(f"no compact {slug!r}", param_hint="--compact")
        for compact in compacts:
            added = vetting.refresh(session, None, compact, today())
            click.echo(f"{compact.slug}: {added} unit(s) newly flagged")
