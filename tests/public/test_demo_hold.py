"""While `make run` seeds the demo's story, a public page makes no release (ε spent once)."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import Config
from portal.domain.models import Compact
from portal.provision.demo_story.progress import ProgressFile, progress_path

from .conftest import AFTER_2026, PAGE, Clock, install, spends


@pytest.fixture
def config(config: Config) -> Config:
    return dataclasses.replace(config, demo_mode=True)


def test_no_release_while_the_story_is_seeded_then_one_release(
    client: FlaskClient, seeded: Compact, session: Session, config: Config
) -> None:
    story = ProgressFile(progress_path(config.instance_path))
    story.write("running", 40)
    page = client.get(PAGE).get_data(as_text=True)
    assert "still being loaded" in page
    assert spends(session, seeded) == []

    story.write("done", 100)
    page = client.get(PAGE).get_data(as_text=True)
    assert "still being loaded" not in page
    session.expire_all()
    made = spends(session, seeded)
    assert made, "the release due is made once the story is in"
    client.get(PAGE)
    session.expire_all()
    assert len(spends(session, seeded)) == len(made)


def test_outside_demo_mode_a_progress_file_holds_nothing(
    seeded: Compact, session: Session, config: Config
) -> None:
    plain = create_app(dataclasses.replace(config, demo_mode=False))
    install(plain, Clock(AFTER_2026))
    ProgressFile(progress_path(config.instance_path)).write("running", 40)
    page = plain.test_client().get(PAGE).get_data(as_text=True)
    assert "still being loaded" not in page
    session.expire_all()
    assert spends(session, seeded)
