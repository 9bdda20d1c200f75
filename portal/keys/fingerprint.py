"""A database and its instance keys belong together, or the portal does not start (issue 13).

Restoring only the database used to start the portal with new instance keys: every receipt was
refused from then on and every attachment failed. The database now holds the fingerprint of the
instance keys it was used with (`InstanceFingerprint`: an HMAC under the server key of the
receipt pepper, which reveals neither). At start:

- the database names a fingerprint but the instance folder has no server key: refuse, before a
  new key is made (the folder was not restored with the database);
- the keys' fingerprint differs from the database's: refuse;
- the database names none (first start, or a database from before this check): record it.

A database without the table (not migrated yet, e.g. before `portal restore` or `db upgrade`)
is left alone.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from portal.config import Config, ConfigError
from portal.database import Database
from portal.domain.models import InstanceFingerprint

ADVICE = (
    "Restore the instance folder from the same backup as the database "
    "(`flask --app portal portal restore PATH`, docs/operations.md), or point "
    "PORTAL_INSTANCE_PATH at the folder this database was used with. Starting with other keys "
    "would refuse every receipt and fail every attachment."
)


class InstanceMismatch(ConfigError):
    """The database and the instance keys are not from the same installation."""


def recorded(database: Database) -> str | None:
    """The database's fingerprint; None if it has none or no table for one."""
    try:
        with database.engine.connect() as conn:
            if not inspect(conn).has_table(InstanceFingerprint.__tablename__):
                return None
            found: str | None = conn.execute(
                select(InstanceFingerprint.fingerprint).order_by(InstanceFingerprint.id).limit(1)
            ).scalar()
            return found
    except SQLAlchemyError:
        return None  # an unreachable database is /healthz's business, not a start-up refusal


def check_before_keys(config: Config, database: Database) -> None:
    """Refuse before `load_keyring` would make a new server key for a database that has one."""
    if recorded(database) is not None and not (config.keys_path / "server_key").exists():
        raise InstanceMismatch(
            f"refusing to start: the database belongs to instance keys that are not in "
            f"{config.keys_path} (no server_key there). {ADVICE}"
        )


def check_or_record(database: Database, fingerprint: str) -> None:
    expected = recorded(database)
    if expected is None:
        try:
            with database.transaction() as session:
                if inspect(session.connection()).has_table(InstanceFingerprint.__tablename__):
                    session.add(InstanceFingerprint(fingerprint=fingerprint))
        except SQLAlchemyError:
            pass
        return
    if expected != fingerprint:
        raise InstanceMismatch(
            f"refusing to start: the instance keys (fingerprint {fingerprint}) do not belong to "
            f"this database (fingerprint {expected}). {ADVICE}"
        )
