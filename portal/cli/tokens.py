"""`flask --app portal portal token …`: API tokens for scripts, as the admin pages make them.

`token create` prints the token alone on standard output, so a script can capture it
(`TOKEN=$(flask --app portal portal token create …)`); everything else goes to standard error.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.auth.api_tokens import (
    LIFETIMES_DAYS,
    MAX_DAYS,
    SCOPES,
    BadLifetime,
    OwnerCannotRead,
    UnknownScope,
    issue_token,
    list_tokens,
    revoke,
)
from portal.auth.service import find_user
from portal.domain.models import ApiToken
from portal.web.services import services


@click.group("token", cls=AppGroup)
def token_group() -> None:
    """API tokens for machine clients (shown once, stored hashed)."""


@token_group.command("create")
@click.option("--owner", "owner_email", required=True, help="Email of an assessor or admin.")
@click.option("--name", required=True, help="What the token is for, e.g. 'nightly export'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(SCOPES)),
    help="Repeat for several scopes.",
)
@click.option(
    "--days",
    default=90,
    show_default=True,
    type=click.IntRange(1, MAX_DAYS),
    help=f"Days the token works (the admin pages offer {', '.join(map(str, LIFETIMES_DAYS))}).",
)
def token_create(owner_email: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Make a token; print it once, alone, on standard output."""
    with services().database.transaction() as session:
        owner = find_user(session, owner_email)
        if owner is None:
            raise click.ClickException(f"no account with the email {owner_email}")
        try:
            token = issue_token(session, owner, name, scopes, days=days)
        except OwnerCannotRead as error:
            raise click.ClickException(
                f"{owner.email} is not an active assessor or admin, so the token could read nothing"
            ) from error
        except (UnknownScope, BadLifetime) as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"token for {owner.email}, {', '.join(sorted(scopes))}, {days} days:", err=True)
    click.echo(token)


@token_group.command("list")
def token_list() -> None:
    """Every token: id, state, owner, scopes, days made, last used and expiring; never the token."""
    with services().database.transaction() as session:
        for row in list_tokens(session):
            t = row.token
            click.echo(
                "\t".join(
                    [
                        str(t.id),
                        row.state,
                        row.owner_email,
                        ",".join(t.scopes),
                        f"made {t.created_day.isoformat()}",
                        f"used {t.last_used_day.isoformat() if t.last_used_day else 'never'}",
                        f"expires {t.expires_day.isoformat() if t.expires_day else 'never'}",
                        t.name,
                    ]
                )
            )


@token_group.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke the token with this id (from `token list`); it stops working at once."""
    with services().database.transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token with id {token_id}")
        done = revoke(session, token)
    click.echo(f"token {token_id} {'revoked' if done else 'was revoked already'}")
