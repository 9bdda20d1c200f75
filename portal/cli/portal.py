"""`flask --app portal portal …`: init, demo, users, keys, audit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal import audit
from portal.audit import verify_chain
from portal.auth.service import find_user
from portal.crypto import WrongPassword
from portal.domain.models import AuditEvent, Desk, DeskKey, Role
from portal.keys.desks import DeskKeyError, grant_desk_keys, provision_desk_key
from portal.keys.rotation import run_batches, start_or_resume
from portal.provision.accounts import AccountError, NewAccount, create_account
from portal.provision.catalogue import sync_catalogue
from portal.provision.demo import seed_demo
from portal.provision.demo_story.env import story_env
from portal.provision.demo_story.planner import tour_receipt
from portal.provision.demo_story.progress import ProgressFile, progress_path
from portal.provision.demo_story.story import seed_story, tour
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
@click.option(
    "--empty",
    is_flag=True,
    help="Only desks, compacts and accounts: no reports, incidents or scorecards.",
)
@click.option(
    "--scale",
    type=click.FloatRange(0.05, 1.0),
    default=1.0,
    show_default=True,
    help="Share of the story's reports to seed (a smaller demo seeds faster).",
)
@click.option(
    "--background",
    is_flag=True,
    help="Seed the bare demo now and play the story in a background process that reports its "
    "progress on the landing page (what `make run` does, so the server starts at once).",
)
@click.option("--progress-file", is_flag=True, hidden=True)
def demo(empty: bool, scale: float, background: bool, progress_file: bool) -> None:
    """Seed the demo: accounts, desks, compacts and two years of synthetic evidence played
    through the real services (safe to run again)."""
    config = services().config
    with services().database.transaction() as session:
        added = seed_demo(
            session,
            password=config.demo_password,
            params=config.password_hash,
            personal=services().keyring.personal,
        )
    if not progress_file:
        click.echo("demo data: " + ", ".join(f"{n} {what} added" for what, n in added.items()))
    if empty:
        return
    if background:
        # The same command in a child process of this one's group: stopping `make run` stops
        # it too, and the next run resumes where it stopped.
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments, no shell
            [sys.executable, "-m", "flask", "--app", "portal", "portal", "demo",
             "--scale", str(scale), "--progress-file"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        click.echo("demo story: seeding in the background; the landing page shows how far")
        click.echo("")
        click.echo("Receipt of a demo anonymous report (opens at /report/followup once seeded):")
        click.echo(f"    {tour_receipt().display()}")
        return
    if progress_file:
        _story_to_landing_page(scale)
        return
    story = seed_story(story_env(_echo_steps(), scale=scale))
    click.echo("demo story: " + ", ".join(f"{n} {what} added" for what, n in story.items()))
    with services().database.transaction() as session:
        receipt = tour(session)
    if receipt is not None:
        click.echo("")
        click.echo("Receipt of a demo anonymous report (open it at /report/followup):")
        click.echo(f"    {receipt}")


def _story_to_landing_page(scale: float) -> None:
    """Play the story, writing its progress where the landing page reads it."""
    progress = ProgressFile(progress_path(services().config.instance_path))
    progress.write("running", 0)
    try:
        seed_story(story_env(progress, scale=scale))
    except Exception:
        progress.write("failed", 0)
        raise
    progress.write("done", 100)


def _echo_steps() -> Callable[[str, int, int], None]:
    """Print each new step of the demo story once, with how far the whole story is."""
    last = [""]

    def echo(step: str, done: int, total: int) -> None:
        if step != last[0]:
            last[0] = step
            click.echo(f"{100 * done // max(total, 1):3d}% {step}")

    return echo


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
    config = services().config
    try:
        with services().database.transaction() as session:
            created = create_account(
                session, account, config.password_hash, services().keyring.personal
            )
            user = created.user
            pending = []
            for membership in user.desks:
                if session.scalar(select(DeskKey.id).where(DeskKey.desk_id == membership.desk_id)):
                    pending.append(membership.desk.code)
                else:
                    provision_desk_key(session, membership.desk, include_pending=True)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {user.email} ({', '.join(sorted(roles))})")
    click.echo("")
    click.echo("Recovery key, shown only this once. Give it to the account holder on paper:")
    click.echo(f"    {created.recovery_key.display()}")
    for code in pending:
        click.echo(
            f"Desk {code} already has a key: someone who holds it must grant it on the desk "
            f"access page (/desk/access), or with `flask --app portal portal keys grant "
            f"--desk {code} --to {user.email} --by <holder>`."
        )


@portal_group.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Desk keys."""


@keys_group.command("grant")
@click.option("--desk", "desk_code", required=True, help="Desk code, e.g. IQ.")
@click.option("--to", "grantee_email", required=True, help="Email of the new desk member.")
@click.option("--by", "granter_email", required=True, help="Email of someone holding the key.")
@click.password_option(
    "--granter-password", confirmation_prompt=False, prompt="Password of the granting account"
)
def keys_grant(
    desk_code: str, grantee_email: str, granter_email: str, granter_password: str
) -> None:
    """Wrap a desk's keys for a new member, unlocked with an existing holder's password."""
    keyring = services().keyring
    with services().database.transaction() as session:
        desk = session.scalar(select(Desk).where(Desk.code == desk_code.upper()))
        grantee = find_user(session, grantee_email)
        granter = find_user(session, granter_email)
        if desk is None or grantee is None or granter is None:
            raise click.ClickException("unknown desk or account")
        if granter.private_key_by_password is None:
            raise click.ClickException(f"{granter.email} has no personal key")
        try:
            private = keyring.personal.unlock_with_password(
                granter.private_key_by_password, granter_password
            )
            count = grant_desk_keys(session, desk, grantee, granter, private)
        except (WrongPassword, DeskKeyError) as error:
            raise click.ClickException(str(error) or type(error).__name__) from error
        audit.record(
            session,
            actor_id=granter.id,
            action="keys.grant",
            object_type="desk",
            object_id=desk.code,
            detail={"to": grantee.id, "versions": count},
        )
    click.echo(f"granted {count} key version(s) of desk {desk.code} to {grantee.email}")


@keys_group.command("rotate")
@click.option("--desk", "desk_code", required=True, help="Desk code, e.g. IQ.")
@click.option("--by", "holder_email", required=True, help="Email of someone holding the key.")
@click.option("--batch", default=500, show_default=True, help="Reports re-sealed per commit.")
@click.password_option(
    "--holder-password", confirmation_prompt=False, prompt="Password of the key holder"
)
def keys_rotate(desk_code: str, holder_email: str, batch: int, holder_password: str) -> None:
    """Create a new desk key version and re-seal every report to it (resumable)."""
    keyring = services().keyring
    database = services().database
    with database.transaction() as session:
        desk = session.scalar(select(Desk).where(Desk.code == desk_code.upper()))
        holder = find_user(session, holder_email)
        if desk is None or holder is None or holder.private_key_by_password is None:
            raise click.ClickException("unknown desk or account")
        try:
            private = keyring.personal.unlock_with_password(
                holder.private_key_by_password, holder_password
            )
            rotation = start_or_resume(session, desk)
        except (WrongPassword, DeskKeyError) as error:
            raise click.ClickException(str(error) or type(error).__name__) from error
        rotation_id, holder_id = rotation.id, holder.id
        audit.record(
            session,
            actor_id=holder.id,
            action="keys.rotate",
            object_type="desk",
            object_id=desk.code,
            detail={"rotation": rotation.id},
        )
    try:
        progress = run_batches(database.sessions, rotation_id, holder_id, private, batch=batch)
    except DeskKeyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"desk {desk_code.upper()}: {progress.moved} report key(s) re-sealed; rotation done")
