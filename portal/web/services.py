"""The collaborators a request works with, built once per app and reached through the app.

Views call `services()` instead of importing module-level singletons, so a test builds an app
with its own database and counters and nothing needs patching.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.orm import Session

from portal.attachments import DecodeGate
from portal.config import Config
from portal.database import Database
from portal.jobs.outbox import Dispatcher
from portal.keys.keyring import Keyring
from portal.limits import Counters
from portal.store import Store

EXTENSION = "portal"


@dataclass(frozen=True)
class Services:
    config: Config
    database: Database
    counters: Counters
    keyring: Keyring
    store: Store
    dispatcher: Dispatcher
    # Bounds concurrent attachment decodes in this process (portal/attachments/gate.py).
    decoding: DecodeGate


def services() -> Services:
    found: Services = current_app.extensions[EXTENSION]
    return found


def db() -> Session:
    """The request's unit of work; closed (and rolled back if not committed) at teardown."""
    session: Session | None = g.get("_db_session")
    if session is None:
        session = services().database.sessions()
        g._db_session = session
    return session


def close_request_session(_error: BaseException | None = None) -> None:
    session: Session | None = g.pop("_db_session", None)
    if session is not None:
        session.close()
