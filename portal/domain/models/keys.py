"""Desk keys and who may unwrap them (DESIGN §6)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, today


class DeskKey(Base):
    """One version of a desk's HPKE keypair. Old versions stay until a rotation re-wraps them."""

    __tablename__ = "desk_keys"
    __table_args__ = (UniqueConstraint("desk_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Carried in every ciphertext header so the right key is found during a rotation.
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_day: Mapped[dt.date] = mapped_column(default=today)


class DeskKeyWrap(Base):
    """The desk private key sealed to one staff member's personal key (or the admin escrow)."""

    __tablename__ = "desk_key_wraps"
    __table_args__ = (UniqueConstraint("desk_key_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_key_id: Mapped[int] = mapped_column(
        ForeignKey("desk_keys.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    escrow: Mapped[bool] = mapped_column(Boolean, default=False)
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)


class KeyRotation(Base):
    """Progress of a resumable desk-key rotation: the last report re-wrapped."""

    __tablename__ = "key_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    from_key_id: Mapped[int] = mapped_column(ForeignKey("desk_keys.id"))
    to_key_id: Mapped[int] = mapped_column(ForeignKey("desk_keys.id"))
    last_report_id: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    started_day: Mapped[dt.date] = mapped_column(default=today)


class DeskMatchKey(Base):
    """The desk's match key (keyed match hashes), HPKE-sealed to one version of its desk key.

    One random key per desk, sealed to every version, so hashes made under one version still
    match those made under the next (portal/crypto/match_key.py).
    """

    __tablename__ = "desk_match_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    desk_key_id: Mapped[int] = mapped_column(
        ForeignKey("desk_keys.id", ondelete="CASCADE"), unique=True
    )
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
