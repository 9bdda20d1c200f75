"""The landing page's tour in demo mode: whom to sign in as, the password, the receipt, progress."""

from __future__ import annotations

import dataclasses
import json

from flask import Flask

from portal import create_app
from portal.config import Config
from portal.provision.demo_story.planner import tour_receipt
from portal.provision.demo_story.progress import (
    ProgressFile,
    StoryProgress,
    progress_path,
    read_progress,
)

ACCOUNTS = ("verifier@demo.test", "assessor@demo.test", "admin@demo.test", "member@demo.test")


def _demo_app(config: Config) -> Flask:
    return create_app(dataclasses.replace(config, demo_mode=True))


def test_the_tour_names_every_account_and_the_password(config: Config) -> None:
    app = _demo_app(config)
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    for email in (*ACCOUNTS, config.demo_password):
        assert email in page
    assert "/public/compacts/" in page
    # No story seeded: no receipt to try yet.
    assert tour_receipt().display().split()[0] not in page


def test_the_tour_is_translated(config: Config) -> None:
    app = _demo_app(config)
    page = app.test_client().get("/?lang=fr").get_data(as_text=True)
    assert "Ceci est une démonstration" in page
    assert "mot de passe" in page


def test_no_tour_outside_demo_mode(client: object, config: Config) -> None:
    app = create_app(config)
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "verifier@demo.test" not in page
    assert config.demo_password not in page


def test_progress_of_background_seeding_is_shown(config: Config) -> None:
    app = _demo_app(config)
    path = progress_path(config.instance_path)
    try:
        ProgressFile(path).write("running", 42)
        page = app.test_client().get("/?lang=en").get_data(as_text=True)
        assert "42%" in page and "background" in page
        ProgressFile(path).write("failed", 0)
        page = app.test_client().get("/?lang=en").get_data(as_text=True)
        assert "stopped with an error" in page
        ProgressFile(path).write("done", 100)
        page = app.test_client().get("/?lang=en").get_data(as_text=True)
        assert "background" not in page and "stopped" not in page
    finally:
        path.unlink(missing_ok=True)


def test_a_damaged_progress_file_is_ignored(config: Config) -> None:
    path = progress_path(config.instance_path)
    try:
        path.write_text(json.dumps({"state": "exploded", "percent": 3}))
        assert read_progress(config.instance_path) is None
        path.write_text("{not json")
        assert read_progress(config.instance_path) is None
    finally:
        path.unlink(missing_ok=True)


def test_the_background_run_reports_its_progress_to_the_landing_page(config: Config) -> None:
    """What `make run`'s background process runs (`--progress-file`), played in-process."""
    app = _demo_app(config)
    path = progress_path(config.instance_path)
    try:
        result = app.test_cli_runner().invoke(
            args=["portal", "demo", "--scale", "0.05", "--progress-file"]
        )
        assert result.exit_code == 0, result.output
        assert read_progress(config.instance_path) == StoryProgress("done", 100)
        page = app.test_client().get("/?lang=en").get_data(as_text=True)
        assert "background" not in page
        assert "".join(tour_receipt().display().split()[:1]) in page
    finally:
        path.unlink(missing_ok=True)
