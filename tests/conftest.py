"""Shared fixtures: one migrated database per run, a clean slate per test.

With DATABASE_URL / REDIS_URL set (CI) the suite runs against the real PostgreSQL and Redis;
otherwise against a SQLite file and inline jobs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from portal.auth.passwords import PasswordHashParams
from portal.cli.database import alembic_config
from portal.config import Config
from portal.crypto import KdfParams, WrongPassword
from portal.domain.models import Base, Desk, Role, User
from portal.provision.accounts import NewAccount, create_account

# Small Argon2 parameters keep the suite fast; production defaults are tested in tests/auth.
FAST_HASH = PasswordHashParams(memory_kib=8 * 1024, iterations=1, lanes=1)
FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "correct horse battery staple 42"


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite3'}"
    return Config.from_env({"DATABASE_URL": url, "SECRET_KEY": "x"}).database_url


@pytest.fixture(scope="session")
def instance_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_root: Path) -> Iterator[str]:
    url = _database_url(instance_root)
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    yield url


@pytest.fixture
def config(database_url: str, instance_root: Path) -> Config:
    return Config(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        instance_path=instance_root,
        redis_url=os.environ.get("REDIS_URL") or None,
        testing=True,
        kdf=FAST_KDF,
    )


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "database_url" in request.fixturenames:
        url = request.getfixturevalue("database_url")
        _empty_tables(url)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url and "config" in request.fixturenames:
        Redis.from_url(redis_url).flushdb()


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture
def app(config: Config) -> Flask:
    from portal import create_app

    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    from portal.web.services import EXTENSION

    database = app.extensions[EXTENSION].database
    with database.sessions() as s:
        yield s


@pytest.fixture
def make_user(app: Flask, session: Session):  # type: ignore[no-untyped-def]
    """Create an account with a personal key; each desk listed gets a new key version wrapped
    to all its members, so a report sealed before the new member joined stays closed to them
    (as in production, until a member grants access or the desk key is rotated)."""
    from portal.keys.desks import provision_desk_key
    from portal.web.services import EXTENSION

    personal = app.extensions[EXTENSION].keyring.personal

    def _make(
        email: str = "staff@example.org",
        roles: tuple[Role, ...] = (Role.VERIFIER,),
        desks: tuple[str, ...] = (),
        password: str = PASSWORD,
    ) -> User:
        for code in desks:
            if session.scalar(select(Desk).where(Desk.code == code)) is None:
                session.add(Desk(code=code, name=f"{code} desk", country=code[:2]))
        session.flush()
        created = create_account(
            session,
            NewAccount(email, email.split("@")[0], password, frozenset(roles), frozenset(desks)),
            FAST_HASH,
            personal,
        )
        for membership in created.user.desks:
            # Re-key the desk so the new member holds the current version (tests only).
            provision_desk_key(session, membership.desk, include_pending=True)
            _carry_match_key(session, membership.desk, personal)
        session.commit()
        return created.user

    return _make


def _carry_match_key(session: Session, desk: Desk, personal: Any) -> None:
    """What the next verifier of the desk does in production when they open a report: seal the
    desk's match key to the version just made (portal/keys/match.py). Any earlier member whose
    password the tests know does it here, so the new member can make match hashes at once."""
    from portal.keys.desks import unlock_desk_keys
    from portal.keys.match import match_key_for

    members = session.scalars(
        select(User).join(User.desks).where(User.private_key_by_password.is_not(None))
    ).all()
    for member in members:
        if desk.id not in member.desk_ids or member.private_key_by_password is None:
            continue
        for password in (PASSWORD, "demo-password-change-me"):
            try:
                private = personal.unlock_with_password(member.private_key_by_password, password)
            except WrongPassword:  # not this member's password: try the next
                continue
            if match_key_for(session, desk.id, unlock_desk_keys(session, member, private)):
                return


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def form_token(client: FlaskClient, path: str) -> dict[str, str]:
    """The hidden token a page's form carries: the CSRF token of forms behind a cookie, or the
    one-time submission token of the reporter's cookieless forms; empty when there is neither
    (the receipt form: guarded by Fetch Metadata alone)."""
    page = client.get(path).get_data(as_text=True)
    for name in ("submission", "csrf_token"):
        found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page) or re.search(
            rf'name="{name}" value="([^"]+)"', page
        )
        if found:
            return {name: found.group(1)}
    return {}


# Every test account gets this TOTP secret, so tests can produce the second factor.
TOTP_SECRET = b"compact-watch-tests!"


def enrol_totp(app: Flask, email: str) -> None:
    """Give the account the test TOTP secret and forget its last used step (as if time passed)."""
    from portal.web.services import EXTENSION

    services = app.extensions[EXTENSION]
    with services.database.transaction() as s:
        user = s.scalar(select(User).where(User.email == email.lower()))
        assert user is not None, email
        user.totp_secret_sealed = services.keyring.server_key.seal(TOTP_SECRET, f"totp:{user.id}")
        user.totp_last_step = None


def totp_now() -> str:
    import datetime as dt

    from portal.auth import totp

    return totp.code_for_step(TOTP_SECRET, totp.time_step(dt.datetime.now(dt.UTC)))


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Sign in with password and second factor, as a person with their phone would."""
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if not response.headers["Location"].startswith("/auth/two-factor"):
        return  # demo account in demo mode: signed in, at the person's work
    enrol_totp(client.application, email)
    response = client.post(
        "/auth/two-factor",
        data={"csrf_token": csrf_token(client, "/auth/two-factor"), "code": totp_now()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    landed = response.headers["Location"]
    assert not landed.startswith(("/auth/login", "/auth/two-factor")), landed
