"""Compact Watch: civil-society evidence for security-assistance compacts.

`flask --app portal` finds `create_app` here. It imports the web stack only when called, so a
worker or a script that needs the domain layer does not pay for (or depend on) Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from portal.config import Config


def create_app(config: Config | None = None) -> Flask:
    from portal.app import create_app as factory

    return factory(config)
