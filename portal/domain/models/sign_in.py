"""What lets a person in besides their password: known devices and one-time setup links."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, str_enum, today


class KnownDevice(Base):
    """A browser this person has fully signed in from (password and second factor).

    Sign-in throttling counts a known device's failures apart from everyone else's, so a stranger
    guessing at an email address cannot lock its owner out of the browser they always use. Only
    a hash of the cookie's random value bound to the account is kept: one browser used by two
    accounts leaves two unrelated rows.
    """

    __tablename__ = "known_devices"
    __table_args__ = (UniqueConstraint("user_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_day: Mapped[dt.date] = mapped_column(default=today)
    last_used_day: Mapped[dt.date] = mapped_column(default=today)


class SetupPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a new account: the person chooses its first password
    RESET = "reset"  # a forgotten password: the person chooses a new one


class SetupLink(Base):
    """A one-time, short-lived link with which a person sets their own password.

    The admin who issues it never learns the password. Only the SHA-256 of the link's 256-bit
    secret is stored; the row goes when the link is used, replaced or expired.
    """

    __tablename__ = "setup_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[SetupPurpose] = mapped_column(str_enum(SetupPurpose, 16))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Staff-facing, so it may be precise: the link dies at this moment, not at the day's end.
    expires_at: Mapped[dt.datetime]
