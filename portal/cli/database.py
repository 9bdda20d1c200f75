"""`flask --app portal db upgrade|downgrade|check`: Alembic with the portal's own URL."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup

from portal.paths import ALEMBIC_INI, MIGRATIONS
from portal.web.services import services


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = database_url
    return cfg


def _config() -> AlembicConfig:
    with current_app.app_context():
        return alembic_config(services().config.database_url)


@click.group("db", cls=AppGroup, help="Database migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    services().config.instance_path.mkdir(parents=True, exist_ok=True)
    command.upgrade(_config(), revision)
    if revision == "head":
        # The first design's match-hash key sat in the clear in the instance folder: seal it to
        # the desks and delete it (portal/keys/match.py). A no-op once done.
        from portal.keys.match import adopt_legacy_match_key

        with services().database.sessions() as session:
            if adopt_legacy_match_key(session, services().config.keys_path):
                click.echo("the instance's match-hash key is now sealed to the desk keys")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    command.downgrade(_config(), revision)


@db_group.command("check")
def check() -> None:
    """Fail if the models and the migrations disagree."""
    command.check(_config())
