"""`flask --app portal portal blobs settle`: blob files dated to the day and padded."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.blobs import pad_existing_blobs, settle_staged_blobs
from portal.web.services import services


@click.group("blobs", cls=AppGroup)
def blobs_group() -> None:
    """Sealed attachment blobs (docs/security.md, "Blob files")."""


@blobs_group.command("settle")
@click.option(
    "--existing",
    is_flag=True,
    help="Also pad and re-date the blobs written before padding (once, after upgrading).",
)
def settle(existing: bool) -> None:
    """Move staged blobs into the store now (as every job tick does), dated to their day."""
    found = services()
    moved = settle_staged_blobs(found.database, found.store)
    click.echo(f"blobs settle: {moved} staged blob(s) moved to the store")
    if existing:
        result = pad_existing_blobs(found.database, found.store)
        click.echo(
            f"blobs settle: {result.padded} existing blob(s) padded and dated to their day,"
            f" {result.already} already padded, {result.missing} not in the store"
        )
