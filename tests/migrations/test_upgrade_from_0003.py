"""An instance with reports from the first design (revision 0003) upgrades and keeps them.

The reports are submitted through the real form, then put back into the shape the first design
stored (HMAC look-up values, per-report receipt wraps) and the database is downgraded to 0003: what
an operator upgrading a live desk has. After `db upgrade` and `portal receipts migrate`, no fast
look-up value is left and every receipt still opens its report.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from portal.crypto import DataKey, KdfParams, ReceiptCode
from portal.crypto.envelope import Kind, aead_seal, bind, start_header
from portal.domain.models import KeyHolder, ReceiptLookupScheme, Report
from portal.reporter.receipts import find_by_receipt, migrate_legacy_lookups
from portal.web.services import EXTENSION
from tests.conftest import FAST_KDF
from tests.reporter.conftest import open_followup, report_fields, run_demo, submit_ok


@pytest.fixture
def upgraded_app(empty_database: str, tmp_path: Path) -> Iterator[Flask]:
    command.upgrade(alembic_config(empty_database), "head")
    config = Config(
        database_url=empty_database,
        secret_key="migration-test-secret",
        instance_path=tmp_path / "instance",
        testing=True,
        kdf=FAST_KDF,
    )
    app = create_app(config)
    run_demo(app)
    yield app
    app.extensions[EXTENSION].database.engine.dispose()


def _first_design_wrap(
    pepper: bytes, params: KdfParams, data_key: DataKey, receipt: ReceiptCode, report_id: str
) -> bytes:
    """The receipt wrap as the first design wrote it: Argon2id under a per-report salt."""
    secret = hmac.new(pepper, b"compact-watch receipt kdf secret v1", hashlib.sha256).digest()
    salt = secrets.token_bytes(16)
    header = start_header(Kind.DATA_KEY_UNDER_RECEIPT) + params.to_header() + salt
    key = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
        secret=secret,
    ).derive(receipt.digits.encode())
    return header + aead_seal(key, data_key.secret, header + bind(report_id))


def _as_first_design(app: Flask, receipts: list[str]) -> dict[str, str]:
    """Rewrite the reports' receipt columns as 0003 stored them; returns receipt -> HMAC hex."""
    services = app.extensions[EXTENSION]
    pepper = (services.config.keys_path / "receipt_pepper").read_bytes()
    fast: dict[str, str] = {}
    with services.database.transaction() as session:
        for typed in receipts:
            receipt = ReceiptCode.parse(typed)
            found = find_by_receipt(session, services.keyring.receipts, receipt)
            assert found is not None
            report = session.get(Report, found.report_id)
            assert report is not None
            lookup = hmac.new(pepper, receipt.digits.encode(), hashlib.sha256).hexdigest()
            report.receipt_lookup = lookup
            report.receipt_scheme_id = None
            for wrap in report.key_wraps:
                if wrap.holder == KeyHolder.RECEIPT:
                    wrap.wrapped_key = _first_design_wrap(
                        pepper, services.config.kdf, found.data_key, receipt, report.public_id
                    )
            fast[typed] = lookup
        session.flush()
        session.execute(ReceiptLookupScheme.__table__.delete())
    return fast


def _lookups(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT receipt_lookup FROM reports")))
    finally:
        engine.dispose()


def _narrative_through_followup(app: Flask, receipt: str) -> str:
    client: FlaskClient = app.test_client()
    assert open_followup(client, receipt).status_code == 302
    return client.get("/report/followup").get_data(as_text=True)


def test_first_design_receipts_migrate_and_still_open(
    upgraded_app: Flask, empty_database: str
) -> None:
    app = upgraded_app
    services = app.extensions[EXTENSION]
    with services.database.sessions() as session:
        narratives = [f"Report number {n} about the bridge checkpoint." for n in range(3)]
        receipts = [
            submit_ok(app.test_client(), report_fields(session, narrative=text_)).receipt
            for text_ in narratives
        ]
    fast = _as_first_design(app, receipts)
    cfg = alembic_config(empty_database)
    command.downgrade(cfg, "0003")
    engine = create_engine(empty_database)
    assert "receipt_scheme_id" not in {c["name"] for c in inspect(engine).get_columns("reports")}
    # The first design also stored a member's wrap under their user id.
    with engine.begin() as conn:
        member = conn.scalar(text("SELECT id FROM users WHERE email = 'member@demo.test'"))
        report = conn.scalar(text("SELECT min(id) FROM reports"))
        conn.execute(
            text(
                "INSERT INTO report_key_wraps (report_id, holder, user_id, wrapped_key)"
                " VALUES (:r, 'member', :u, :k)"
            ),
            {"r": report, "u": member, "k": b"sealed to the member"},
        )
    engine.dispose()
    assert set(fast.values()) <= _lookups(empty_database)

    command.upgrade(cfg, "head")
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        holders = set(conn.scalars(text("SELECT DISTINCT holder FROM report_key_wraps")))
    assert holders == {"desk", "receipt"}
    assert "user_id" not in {c["name"] for c in inspect(engine).get_columns("report_key_wraps")}
    engine.dispose()
    app = create_app(services.config)
    # Before the migration has run, receipts already open (through the HMAC, for the last time).
    assert narratives[0] in _narrative_through_followup(app, receipts[0])

    result = app.test_cli_runner().invoke(args=["portal", "receipts", "migrate", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 look-up(s) stretched, 0 remaining" in result.output  # the visit moved one
    assert not set(fast.values()) & _lookups(empty_database)
    status = app.test_cli_runner().invoke(args=["portal", "receipts", "status"])
    assert status.exit_code == 0 and "0 report(s) with a fast look-up" in status.output

    for receipt, narrative in zip(receipts, narratives, strict=True):
        assert narrative in _narrative_through_followup(app, receipt)
    with app.extensions[EXTENSION].database.sessions() as session:
        schemes = session.scalars(select(ReceiptLookupScheme)).all()
        assert {s.legacy for s in schemes} == {False, True}
    # Every report was visited, so nothing uses the legacy scheme now: the next run drops it
    # and look-ups cost one Argon2id again.
    again = app.test_cli_runner().invoke(args=["portal", "receipts", "migrate"])
    assert "0 look-up(s) stretched, 0 remaining, 1 unused scheme(s) dropped" in again.output
    with app.extensions[EXTENSION].database.sessions() as session:
        assert [s.legacy for s in session.scalars(select(ReceiptLookupScheme))] == [False]
        wraps = [
            w.wrapped_key[1]
            for r in session.scalars(select(Report))
            for w in r.key_wraps
            if w.holder == KeyHolder.RECEIPT
        ]
        assert wraps == [Kind.DATA_KEY_UNDER_RECEIPT_SCHEME] * 3


def test_an_interrupted_migration_goes_on_where_it_stopped(upgraded_app: Flask) -> None:
    app = upgraded_app
    services = app.extensions[EXTENSION]
    with services.database.sessions() as session:
        receipts = [submit_ok(app.test_client(), report_fields(session)).receipt for _ in range(3)]
    fast = _as_first_design(app, receipts)

    class Killed(Exception):
        pass

    def kill(done: int, _left: int) -> None:
        raise Killed()

    with pytest.raises(Killed):
        migrate_legacy_lookups(
            services.database.sessions, services.keyring.receipts, batch=1, progress=kill
        )
    with services.database.sessions() as session:
        left = session.scalars(select(Report).where(Report.receipt_scheme_id.is_(None))).all()
        assert len(left) == 2  # the first batch committed before the kill
    result = migrate_legacy_lookups(services.database.sessions, services.keyring.receipts)
    assert (result.stretched, result.remaining) == (2, 0)
    with services.database.sessions() as session:
        stored = set(session.scalars(select(Report.receipt_lookup)))
    assert not set(fast.values()) & stored
    for receipt in receipts:
        assert "Police at the bridge" in _narrative_through_followup(app, receipt)
