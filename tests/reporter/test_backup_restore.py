"""Backup → wipe → restore (issue 13, point 4), through the commands an operator types.

An installation with reports, attachments (settled into the blob store) and receipts is backed up
with `portal backup PATH`; its database and instance folder are deleted; `portal restore PATH`
brings them back into a new, empty installation. Then every report opens for the verifier, every
receipt opens its report, every attachment downloads. A database restored without its instance
folder refuses to start and says why; a missing blob gives the "attachment unavailable" page.
Runs on SQLite (SQLite's backup API) and, when PostgreSQL's tools are installed, on a private
PostgreSQL cluster (pg_dump / pg_restore).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from portal.domain.models import Attachment, Report
from portal.keys.fingerprint import InstanceMismatch
from portal.web.services import EXTENSION
from tests.conftest import FAST_KDF, sign_in
from tests.private_servers import PrivatePostgres
from tests.reporter.conftest import (
    jpeg,
    open_followup,
    report_fields,
    run_demo,
    submit_ok,
    tick,
)

PASSPHRASE = "a long backup passphrase for the test"
REPORTS = 4


def _config(root: Path, database_url: str | None = None) -> Config:
    return Config(
        database_url=database_url or f"sqlite:///{root / 'portal.sqlite3'}",
        secret_key="backup-test-secret",
        instance_path=root,
        testing=True,
        kdf=FAST_KDF,
    )


def _new_app(config: Config, *, migrate: bool = True) -> Flask:
    config.instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if migrate:
        command.upgrade(alembic_config(config.database_url), "head")
    return create_app(config)


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["portal", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two database URLs: the installation's, and the empty one to restore into."""
    if request.param == "sqlite":
        yield str(tmp_path / "one.sqlite3"), str(tmp_path / "two.sqlite3")
        return
    if not PrivatePostgres.available() or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL's initdb, pg_dump and pg_restore")
    server = PrivatePostgres().init().start()
    try:
        one = server.create_database("one").replace("postgresql://", "postgresql+psycopg://")
        two = server.create_database("two").replace("postgresql://", "postgresql+psycopg://")
        yield one, two
    finally:
        server.close()


def _url(value: str) -> str:
    return value if "://" in value else f"sqlite:///{value}"


def test_backup_wipe_restore(
    tmp_path: Path, databases: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_BACKUP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PORTAL_EXPORT_TTL_HOURS", "48")  # a setting that travels with it
    first, second = databases
    config = _config(tmp_path / "instance", _url(first))
    app = _new_app(config)
    run_demo(app)
    client = app.test_client()
    database = app.extensions[EXTENSION].database
    receipts = []
    with database.transaction() as session:
        fields = report_fields(session)
    for n in range(REPORTS):
        sent = submit_ok(client, {**fields, "narrative": f"Report {n}: money taken at the bridge."},
                         files=[(jpeg(), f"photo{n}.jpg")])  # fmt: skip
        receipts.append(sent.receipt)
    assert tick(app) == REPORTS  # the photos now live in the blob store, as files
    archive = tmp_path / "backup.cwb"
    said = _cli(app, "backup", str(archive))
    assert "encrypted" in said
    assert b"money taken" not in archive.read_bytes()
    app.extensions[EXTENSION].database.engine.dispose()

    # Wipe: the installation is gone; a new, empty one gets the archive.
    shutil.rmtree(config.instance_path)
    restored_config = _config(tmp_path / "restored", _url(second))
    empty = _new_app(restored_config, migrate=False)
    said = _cli(empty, "restore", str(archive))
    assert "restored" in said and "PORTAL_EXPORT_TTL_HOURS" in said
    assert (
        "PORTAL_BACKUP_PASSPHRASE"
        not in (restored_config.instance_path / "restored-settings.env").read_text()
    )
    empty.extensions[EXTENSION].database.engine.dispose()

    restored = create_app(restored_config)
    verifier = restored.test_client()
    sign_in(verifier, "verifier@demo.test", restored_config.demo_password)
    with restored.extensions[EXTENSION].database.transaction() as session:
        reports = session.scalars(select(Report.public_id)).all()
        attachments = session.scalars(select(Attachment.public_id)).all()
    assert len(reports) == REPORTS and len(attachments) == REPORTS
    for public_id in reports:
        page = verifier.get(f"/desk/reports/{public_id}")
        assert page.status_code == 200, page.headers.get("Location")
        assert "money taken at the bridge" in page.get_data(as_text=True)
    for public_id in attachments:
        download = verifier.get(f"/desk/attachments/{public_id}")
        assert download.status_code == 200 and download.data[:2] == b"\xff\xd8"
    for n, receipt in enumerate(receipts):
        opened = open_followup(restored.test_client(), receipt, follow_redirects=True)
        assert opened.status_code == 200
        assert f"Report {n}: money taken" in opened.get_data(as_text=True)

    # A blob lost after the restore: a clear page, not an error.
    blobs = [p for p in (restored_config.instance_path / "blobs").rglob("*") if p.is_file()]
    for blob in blobs:
        blob.unlink()
    missing = verifier.get(f"/desk/attachments/{attachments[0]}")
    assert missing.status_code == 404
    assert "This attachment is unavailable" in missing.get_data(as_text=True)

    # The database alone, with the instance folder lost: the portal refuses to start.
    restored.extensions[EXTENSION].database.engine.dispose()
    shutil.rmtree(restored_config.instance_path)
    with pytest.raises(InstanceMismatch, match="belongs to instance keys that are not in"):
        create_app(restored_config)
    assert not (restored_config.keys_path / "server_key").exists()  # no new keys were made


def test_other_instance_keys_are_refused(tmp_path: Path) -> None:
    config = _config(tmp_path / "a")
    _new_app(config).extensions[EXTENSION].database.engine.dispose()
    other = dataclasses.replace(config, instance_path=tmp_path / "b")
    (tmp_path / "b").mkdir()
    shutil.copy(config.database_url.removeprefix("sqlite:///"), tmp_path / "b" / "portal.sqlite3")
    other = dataclasses.replace(
        other, database_url=f"sqlite:///{tmp_path / 'b' / 'portal.sqlite3'}"
    )
    (tmp_path / "b" / "keys").mkdir(mode=0o700)
    (tmp_path / "b" / "keys" / "server_key").write_bytes(b"\x01" * 32)
    (tmp_path / "b" / "keys" / "server_key").chmod(0o600)
    with pytest.raises(InstanceMismatch, match="do not belong to this database"):
        create_app(other)


def test_a_wrong_passphrase_restores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_BACKUP_PASSPHRASE", PASSPHRASE)
    app = _new_app(_config(tmp_path / "a"))
    _cli(app, "backup", str(tmp_path / "b.cwb"))
    monkeypatch.setenv("PORTAL_BACKUP_PASSPHRASE", "another passphrase entirely")
    empty = _new_app(_config(tmp_path / "c"), migrate=False)
    result = empty.test_cli_runner().invoke(args=["portal", "restore", str(tmp_path / "b.cwb")])
    assert result.exit_code == 1
    assert "wrong passphrase" in result.output
