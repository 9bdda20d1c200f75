"""The desk's test set-up: the demo desks, reports filed the way the reporter service files them,
verifiers scoped to one desk, and signed-in browsers.

Reports are made with `submit_report` and the intake job, never as hand-built rows, so every
report here is sealed to its desk key and opens (or refuses to open) exactly as in production.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.attachments import Upload
from portal.config import Config
from portal.desk.matching import refresh_match_hashes
from portal.desk.sealed import CannotOpen, open_report
from portal.domain.models import Base, Compact, Report, Role, User
from portal.jobs.intake import intake_report
from portal.keys.desks import UnlockedDeskKey, unlock_desk_keys
from portal.reporter.service import Submission, submit_report
from portal.web.services import EXTENSION
from tests.conftest import PASSWORD, sign_in
from tests.desk.filing import Filed, month_ago

DEMO_VERIFIER = "verifier@demo.test"  # a member of every demo desk


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """The shared clean-up, with DELETE instead of TRUNCATE on PostgreSQL.

    TRUNCATE rewrites and syncs every table: about 1.5 s per test here, which alone would take
    the desk suite far past its one-minute budget. Deleting in dependency order takes ~0.05 s.
    """
    yield
    if "database_url" in request.fixturenames:
        engine = create_engine(request.getfixturevalue("database_url"))
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        engine.dispose()
    redis_url = os.environ.get("REDIS_URL")
    if redis_url and "config" in request.fixturenames:
        Redis.from_url(redis_url).flushdb()


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app after `portal demo`: desks IQ SO NE PH, their compacts, keys and demo accounts."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


FileReport = Callable[..., Filed]


@pytest.fixture
def file_report(demo: Flask, session: Session, config: Config) -> FileReport:
    """File one report through `submit_report`, run its intake job, open it as the demo verifier
    (which makes its keyed match hashes, portal/desk/matching.py) and commit."""
    services = demo.extensions[EXTENSION]
    compacts: dict[str, Compact] = {}
    unlocked: dict[int, UnlockedDeskKey] = {}

    def _open(report: Report) -> None:
        try:
            opened = open_report(session, report, unlocked)
        except CannotOpen:  # a desk key version newer than the keys unlocked so far
            unlocked.clear()
        if not unlocked:
            verifier = session.scalar(select(User).where(User.email == DEMO_VERIFIER))
            assert verifier is not None and verifier.private_key_by_password is not None
            personal = services.keyring.personal.unlock_with_password(
                verifier.private_key_by_password, config.demo_password
            )
            unlocked.update(unlock_desk_keys(session, verifier, personal))
            opened = open_report(session, report, unlocked)
        assert refresh_match_hashes(session, opened, unlocked)

    def _file(
        country: str = "IQ",
        *,
        choices: Sequence[str] = ("IC-1.checkpoint-money",),
        month: dt.date | None = None,
        region: str | None = None,
        force: str = "police",
        narrative: str = "They stopped the minibus and took money from everyone.",
        language: str = "en",
        place: str = "",
        unit: str = "",
        exact_date: dt.date | None = None,
        uploads: Sequence[Upload] = (),
        received: dt.date | None = None,
        intake: bool = True,
        opened: bool = True,
        commit: bool = True,
    ) -> Filed:
        if country not in compacts:
            found = session.scalar(select(Compact).where(Compact.country == country))
            assert found is not None, f"no demo compact for {country}"
            compacts[country] = found
        receipted = submit_report(
            session,
            Submission(
                compact_public_id=compacts[country].public_id,
                choice_keys=tuple(choices),
                incident_month=month or month_ago(1, received),
                region=region or f"{country}-{'BG' if country == 'IQ' else 'BN'}",
                force_branch=force,
                narrative=narrative,
                language=language,
                exact_date=exact_date,
                place=place,
                unit=unit,
                uploads=tuple(uploads),
            ),
            keyring=services.keyring,
            limits=services.config.attachments,
            today_=received,
        )
        if intake:
            intake_report(session, receipted.report_id)
        report = session.get(Report, receipted.report_id)
        assert report is not None
        if opened:
            _open(report)
        if commit:
            session.commit()
        return Filed(report, receipted.receipt.display())

    return _file


MakeStaff = Callable[..., User]


@pytest.fixture
def make_staff(demo: Flask, session: Session, make_user: Any) -> MakeStaff:
    """A staff account holding the current key of each of its desks."""

    def _make(
        email: str, desks: tuple[str, ...] = (), roles: tuple[Role, ...] = (Role.VERIFIER,)
    ) -> User:
        user: User = make_user(email, roles, desks)
        return user

    return _make


SignedIn = Callable[..., FlaskClient]


@pytest.fixture
def signed_in(demo: Flask, config: Config) -> SignedIn:
    """A fresh browser signed in as `email` (the demo verifier by default), second factor too."""
    def _sign_in(email: str = DEMO_VERIFIER) -> FlaskClient:
        client = demo.test_client()
        password = config.demo_password if email.endswith("@demo.test") else PASSWORD
        sign_in(client, email, password)
        return client

    return _sign_in
