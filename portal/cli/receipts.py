"""`flask --app portal portal receipts …`: stretch the first design's receipt look-ups."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.reporter.receipts import migrate_legacy_lookups, remaining_legacy
from portal.web.services import services


@click.group("receipts", cls=AppGroup)
def receipts_group() -> None:
    """Receipt look-ups (docs/security.md, "Receipts")."""


@receipts_group.command("migrate")
@click.option("--batch", default=64, show_default=True, help="Reports per committed batch.")
@click.option(
    "--max-seconds", default=None, type=float, help="Stop after about this long; run it again."
)
def migrate(batch: int, max_seconds: float | None) -> None:
    """Replace every fast (HMAC) receipt look-up with one that costs an Argon2id per guess.

    Resumable: each batch commits, and a second run goes on where the first stopped. Receipts keep
    working throughout. Exit 3 while some remain (e.g. after --max-seconds). On PostgreSQL,
    several can run at once: each locks its batch and the others skip it.
    """
    found = services()
    result = migrate_legacy_lookups(
        found.database.sessions,
        found.keyring.receipts,
        batch=batch,
        max_seconds=max_seconds,
        progress=lambda done, left: click.echo(f"receipts: {done} stretched, {left} to go"),
    )
    click.echo(
        f"receipts migrate: {result.stretched} look-up(s) stretched, {result.remaining} remaining,"
        f" {result.schemes_dropped} unused scheme(s) dropped"
    )
    if result.remaining:
        raise SystemExit(3)


@receipts_group.command("status")
def status() -> None:
    """How many reports still have a fast look-up (0 once `receipts migrate` finished)."""
    left = remaining_legacy(services().database.sessions)
    click.echo(f"receipts: {left} report(s) with a fast look-up value")
    if left:
        raise SystemExit(3)
