"""Revision 0013 fills `reports.indicator_codes` for every report already stored, from its rows."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from portal.web.services import EXTENSION
from tests.conftest import FAST_KDF
from tests.desk.test_indicator_codes import codes_by_rows
from tests.reporter.conftest import report_fields, run_demo, submit_ok


def test_the_migration_fills_the_column_from_the_rows(empty_database: str, tmp_path: Path) -> None:
    cfg = alembic_config(empty_database)
    command.upgrade(cfg, "head")
    app = create_app(
        Config(
            database_url=empty_database,
            secret_key="migration-test-secret",
            instance_path=tmp_path / "instance",
            testing=True,
            kdf=FAST_KDF,
        )
    )
    run_demo(app)
    database = app.extensions[EXTENSION].database
    client = app.test_client()
    for happened in (
        ["IC-1.checkpoint-money"],
        ["HR-2.held-no-reason", "IN-2.targeted-group"],
        ["OA-3.reprisal", "HR-1.killing", "IC-1.checkpoint-money"],
    ):
        with database.transaction() as session:
            fields = report_fields(session, happened=happened)
        submit_ok(client, fields)
    with database.transaction() as session:
        before = codes_by_rows(session)
        assert sorted(before.values()) == ["HR-1,IC-1,OA-3", "HR-2,IN-2", "IC-1"]
    database.dispose()
    command.downgrade(cfg, "0012")  # the column goes
    command.upgrade(cfg, "head")  # and comes back filled from report_indicators
    with database.transaction() as session:
        stored = dict(session.execute(text("SELECT id, indicator_codes FROM reports")).all())
        assert {i: stored[i] for i in before} == before
        assert codes_by_rows(session) == before
    database.dispose()
