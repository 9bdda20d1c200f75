"""`flask --app portal portal …`: init, demo, user create."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.audit import verify_chain
from portal.auth.passwords import PasswordHashParams
from portal.domain.models import AuditEvent, Role
from portal.provision.accounts import AccountError, NewAccount, create_account
from portal.provision.catalogue import sync_catalogue
from portal.provision.demo import seed_demo
from portal.web.services import services


@click.group("portal", cls=AppGroup, help="Compact Watch administration.")
def portal_group() -> None:
    pass


@portal_group.command("init")
def init() -> None:
    """Create the instance folders and load the indicator catalogue."""
    config = services().config
    for folder in (config.instance_path, config.blob_path, config.keys_path):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with services().database.transaction() as session:
        added = sync_catalogue(session)
    click.echo(f"instance ready at {config.instance_path}; {added} indicator definitions added")


@portal_group.command("demo")
def demo() -> None:
    """Seed the demo desks, compacts and accounts (safe to run again)."""
    config = services().config
    with services().database.transaction() as session:
        added = seed_demo(session, password=config.demo_password, params=PasswordHashParams())
    click.echo("demo data: " + ", ".join(f"{n} {what} added" for what, n in added.items()))


@portal_group.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every link of the audit chain; exit 1 naming the first broken event."""
    with services().database.transaction() as session:
        broken = verify_chain(session)
        count = session.scalar(select(func.count(AuditEvent.id))) or 0
    if broken is not None:
        raise click.ClickException(str(broken))
    click.echo(f"audit chain intact: {count} events")


@portal_group.group("user", cls=AppGroup)
def user_group() -> None:
    """Staff and member accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", default="")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--desk", "desks", multiple=True, help="Desk code, e.g. IQ; repeat for several.")
@click.password_option(help="Asked for when not given.")
def create_user(
    email: str, display_name: str, roles: tuple[str, ...], desks: tuple[str, ...], password: str
) -> None:
    """Create a staff account."""
    account = NewAccount(
        email=email,
        display_name=display_name,
        password=password,
        roles=frozenset(Role(r) for r in roles),
        desk_codes=frozenset(desks),
    )
    try:
        with services().database.transaction() as session:
            user = create_account(session, account, PasswordHashParams())
            click.echo(f"created {user.email} ({', '.join(sorted(roles))})")
    except AccountError as error:
        raise click.ClickException(str(error)) from error
