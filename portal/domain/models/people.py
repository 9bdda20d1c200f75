"""Staff, members, organisations, desks and what lets them in."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.models.base import Base, str_enum, today
from portal.i18n.markers import N_


class Role(enum.StrEnum):
    ADMIN = "admin"
    VERIFIER = "verifier"
    ASSESSOR = "assessor"
    MEMBER = "member"  # signed-in reporter of a registered organisation


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.VERIFIER: N_("Verifier"),
    Role.ASSESSOR: N_("Assessor"),
    Role.MEMBER: N_("Member of a registered group"),
}


class Organisation(Base):
    """A registered civil-society group; its track record feeds source reliability."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # A disabled organisation is offered to no new member; its members keep their accounts.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Contact details identify people; sealed with the server key.
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)


class Desk(Base):
    """A verification desk, usually one per country; reports are sealed to its key."""

    __tablename__ = "desks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), index=True)
    # Retention of rejected and closed reports' sealed content, in days (crypto-shredding).
    retention_rejected_days: Mapped[int] = mapped_column(Integer, default=180)
    retention_closed_days: Mapped[int] = mapped_column(Integer, default=730)
    # Escrow: the desk key is also wrapped to an admin so a lost password never loses the data.
    escrow_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_day: Mapped[dt.date] = mapped_column(default=today)

    members: Mapped[list[DeskMembership]] = relationship(back_populates="desk")


class User(Base):
    """A staff member (admin, verifier, assessor) or a member of an organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Two-factor sign-in: the TOTP secret is sealed with the server key; the last accepted time
    # step refuses a replayed code; recovery codes are stored hashed.
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_code_hashes: Mapped[list[Any]] = mapped_column(default=list)
    # Personal HPKE key: public half in clear, private half wrapped by Argon2id(password) and by
    # the recovery key shown once at account creation.
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_key_by_password: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_key_by_recovery: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)
    password_changed_day: Mapped[dt.date] = mapped_column(default=today)
    # Part of every sign-in throttle counter's name: an admin unlock moves it on, so counters a
    # stranger ran up (per address, per device, for the account) are all left behind at once.
    sign_in_epoch: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    desks: Mapped[list[DeskMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # flask-login's user protocol, written out so that the domain layer does not import Flask.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    @property
    def desk_ids(self) -> frozenset[int]:
        """Desks whose key this person holds. A membership still waiting for someone with the
        desk key to grant it opens nothing, not even the queue's clear fields."""
        return frozenset(m.desk_id for m in self.desks if m.granted_day is not None)

    @property
    def pending_desk_ids(self) -> frozenset[int]:
        return frozenset(m.desk_id for m in self.desks if m.granted_day is None)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))

    user: Mapped[User] = relationship(back_populates="roles")


class DeskMembership(Base):
    __tablename__ = "desk_memberships"
    __table_args__ = (UniqueConstraint("user_id", "desk_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    # When someone holding the desk key wrapped it for this person; None while the access waits
    # for them (an admin adds the membership, only a key holder can make it work).
    granted_day: Mapped[dt.date | None]

    user: Mapped[User] = relationship(back_populates="desks")
    desk: Mapped[Desk] = relationship(back_populates="members")


class StaffSession(Base):
    """Server-side half of a staff session.

    The personal private key is kept here encrypted under a key that exists only in the user's
    cookie, so neither a leaked session table nor a leaked cookie alone opens anything.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the session id from the cookie; the raw id is never stored.
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # "password" until the second factor is checked, then "full".
    auth_level: Mapped[str] = mapped_column(String(16), default="password")
    # A TOTP secret being enrolled, sealed with the server key, until its first code is checked.
    pending_totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Only the expiry slots, never the second of sign-in or of the last request: a member's
    # session touched when they submitted would date the report (DESIGN §6, Members). Both are
    # multiples of EXPIRY_SLOT (portal/auth/staff_sessions.py).
    idle_until: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class ApiToken(Base):
    """A machine client's bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_day: Mapped[dt.date] = mapped_column(default=today)
    # The last day the token works; None only for tokens made before expiry was required.
    expires_day: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_day: Mapped[dt.date | None]
    revoked_day: Mapped[dt.date | None]


class ThrottleCounter(Base):
    """Rate-limit counters when no Redis is configured (never process memory: see DESIGN §13).

    The key is a keyed hash, never an email, receipt or IP in clear; rows are deleted once expired.
    """

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
