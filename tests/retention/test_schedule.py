"""The daily rq job, built from the environment the way a worker builds it."""

from __future__ import annotations

import importlib

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.config import Config
from tests.retention.conftest import S, age, file_report, move, report_of, store_of


def test_the_scheduled_job_purges_on_the_real_calendar(
    demo: Flask,
    session: Session,
    config: Config,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expired = file_report(demo, session)
    move(session, expired, S.REJECTED)
    age(session, expired, 181)
    recent = file_report(demo, session)
    move(session, recent, S.REJECTED)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(config.instance_path))
    monkeypatch.setenv("SECRET_KEY", config.secret_key)
    session.close()

    # The scheduler refers to the job by this dotted name.
    module = importlib.import_module("portal.jobs.retention")
    module.run_scheduled_purge()

    assert report_of(session, expired).shredded
    assert not store_of(demo).exists(expired.blob_keys[0])
    assert not report_of(session, recent).shredded
    assert store_of(demo).exists(recent.blob_keys[0])
