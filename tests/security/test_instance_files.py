"""Nothing in the instance folder is readable by other accounts on the machine.

Files are created under a 0077 umask, the folder is made 0700, and a key others can read stops the
portal from starting (like ssh with a private key left 0644), naming the file and the fix.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from portal.crypto import KeyFileError


def _others_can_read(root: Path) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in [root, *root.rglob("*")]
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]


def test_a_new_instance_is_private_to_its_user(config: Config, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    fresh = replace(
        config,
        instance_path=instance,
        database_url=f"sqlite:///{instance / 'portal.sqlite3'}",
    )
    old = os.umask(0o022)
    try:
        app = create_app(fresh)
        command.upgrade(alembic_config(fresh.database_url), "head")
        app.test_cli_runner().invoke(args=["portal", "init"])
    finally:
        os.umask(old)
    assert (instance / "portal.sqlite3").exists() and (instance / "keys").exists()
    assert _others_can_read(instance) == []


def test_a_key_others_can_read_stops_the_portal(config: Config, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    fresh = replace(config, instance_path=instance)
    create_app(fresh)
    pepper = instance / "keys" / "receipt_pepper"
    os.chmod(pepper, 0o644)
    with pytest.raises(KeyFileError) as refused:
        create_app(fresh)
    assert str(pepper) in str(refused.value) and "chmod 600" in str(refused.value)
    os.chmod(pepper, 0o600)
    create_app(fresh)
