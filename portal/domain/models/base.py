"""Declarative base and the column types every model shares."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Enum, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL and a
# downgrade can drop what an upgrade created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        bytes: LargeBinary,
        str: String(255),
    }


def new_public_id() -> str:
    """A random, non-sequential identifier safe to show in URLs and to bind into ciphertexts.

    Sequential ids would tell an observer how many reports a desk receives and in which order.
    """
    return secrets.token_urlsafe(16)


def today() -> dt.date:
    """Reporter-facing times are kept to the day: an exact submit time can identify a reporter."""
    return dt.datetime.now(dt.UTC).date()


def utcnow() -> dt.datetime:
    """Staff-facing times (sessions, throttles) may be precise; they never describe a reporter."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def str_enum(kind: type[enum.StrEnum], length: int = 32) -> Enum:
    """Store a StrEnum as its value in a plain string column, the same on SQLite and PostgreSQL."""
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
