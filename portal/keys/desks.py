"""Desk keys in the database: creating a version, granting it, unlocking a member's desk keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from portal.crypto import (
    DeskKey,
    KeyId,
    PrivateKey,
    PublicKey,
    SealingError,
    create_desk_key,
    unwrap_desk_key,
    wrap_desk_key,
)
from portal.domain.models import Desk, DeskKeyWrap, DeskMembership, Role, User, UserRole
from portal.domain.models import DeskKey as DeskKeyRow
from portal.domain.models.base import today


class DeskKeyError(Exception):
    """A desk key operation is not possible as asked."""


class DeskNotReady(DeskKeyError):
    """The desk has no key yet, so nothing can be sealed to it."""


def current_key(session: Session, desk_id: int) -> DeskKeyRow:
    row = session.scalar(
        select(DeskKeyRow)
        .where(DeskKeyRow.desk_id == desk_id, DeskKeyRow.active.is_(True))
        .order_by(DeskKeyRow.version.desc())
        .limit(1)
    )
    if row is None:
        raise DeskNotReady(f"desk {desk_id} has no key")
    return row


def public_key_of(row: DeskKeyRow) -> tuple[PublicKey, KeyId]:
    return PublicKey.from_bytes(row.public_key), KeyId.parse(row.key_id)


def _holders(
    session: Session, desk: Desk, include_pending: bool
) -> tuple[dict[int, PublicKey], set[int]]:
    """Granted desk members (and pending ones if asked) and, when escrow is on, admins who have
    a personal key."""
    query = select(DeskMembership.user_id).where(DeskMembership.desk_id == desk.id)
    if not include_pending:
        query = query.where(DeskMembership.granted_day.is_not(None))
    member_ids = set(session.scalars(query))
    admin_ids: set[int] = set()
    if desk.escrow_enabled:
        admin_ids = set(
            session.scalars(select(UserRole.user_id).where(UserRole.role == Role.ADMIN))
        )
    users = session.scalars(
        select(User).where(User.id.in_(member_ids | admin_ids), User.public_key.is_not(None))
    )
    publics = {u.id: PublicKey.from_bytes(u.public_key) for u in users if u.public_key}
    return publics, admin_ids - member_ids


def provision_desk_key(
    session: Session, desk: Desk, *, include_pending: bool = False
) -> DeskKeyRow:
    """Create the desk's next key version, wrapped to every granted member and escrow admin.

    The new version becomes the one reports are sealed to; older versions stay active for
    opening until a rotation has re-sealed every report (`portal keys rotate`). A rotation never
    wraps for a membership still waiting to be granted: only a key holder decides that. A desk's
    first key (`include_pending`, when an operator sets the desk up) is wrapped to its members
    as they are, and grants them.
    """
    version = (
        session.scalar(select(func.max(DeskKeyRow.version)).where(DeskKeyRow.desk_id == desk.id))
        or 0
    ) + 1
    publics, escrow_only = _holders(session, desk, include_pending)
    created = create_desk_key(desk.code, version, publics, None)
    row = DeskKeyRow(
        key_id=str(created.desk_key.key_id),
        desk_id=desk.id,
        version=version,
        public_key=created.public.to_bytes(),
    )
    session.add(row)
    session.flush()
    from portal.keys.match import provide_match_key

    provide_match_key(session, desk, row)
    for user_id, wrapped in created.member_wraps.items():
        session.add(
            DeskKeyWrap(
                desk_key_id=row.id,
                user_id=user_id,
                escrow=user_id in escrow_only,
                wrapped_private_key=wrapped,
            )
        )
    if include_pending:
        for membership in session.scalars(
            select(DeskMembership).where(
                DeskMembership.desk_id == desk.id,
                DeskMembership.granted_day.is_(None),
                DeskMembership.user_id.in_(publics),
            )
        ):
            membership.granted_day = today()
    session.flush()
    return row


@dataclass(frozen=True)
class UnlockedDeskKey:
    row_id: int
    desk_id: int
    key: DeskKey


# Built once: every desk page runs one of them.
_HELD = (
    select(DeskKeyWrap, DeskKeyRow)
    .join(DeskKeyRow, DeskKeyRow.id == DeskKeyWrap.desk_key_id)
    .where(DeskKeyWrap.user_id == bindparam("user"))
)
_HELD_OF_DESK = _HELD.where(DeskKeyRow.desk_id == bindparam("desk"))


def unlock_desk_keys(
    session: Session, user: User, personal: PrivateKey, desk_id: int | None = None
) -> dict[int, UnlockedDeskKey]:
    """Every desk key version this person holds a wrap for, by DeskKey row id."""
    query = _HELD if desk_id is None else _HELD_OF_DESK
    unlocked: dict[int, UnlockedDeskKey] = {}
    for wrap, row in session.execute(query, {"user": user.id, "desk": desk_id}).all():
        key = unwrap_desk_key(wrap.wrapped_private_key, personal, expect=KeyId.parse(row.key_id))
        unlocked[row.id] = UnlockedDeskKey(row.id, row.desk_id, key)
    return unlocked


def grant_desk_keys(
    session: Session, desk: Desk, grantee: User, granter: User, granter_key: PrivateKey
) -> int:
    """Wrap every key version of `desk` that `granter` holds for `grantee`; returns how many.

    The grantee becomes a granted member of the desk (the membership is made if missing).
    """
    if grantee.public_key is None:
        raise DeskKeyError(f"{grantee.email} has no personal key yet")
    public = PublicKey.from_bytes(grantee.public_key)
    granted = 0
    for unlocked in unlock_desk_keys(session, granter, granter_key, desk.id).values():
        exists = session.scalar(
            select(DeskKeyWrap.id).where(
                DeskKeyWrap.desk_key_id == unlocked.row_id, DeskKeyWrap.user_id == grantee.id
            )
        )
        if exists is None:
            session.add(
                DeskKeyWrap(
                    desk_key_id=unlocked.row_id,
                    user_id=grantee.id,
                    escrow=False,
                    wrapped_private_key=wrap_desk_key(unlocked.key, public),
                )
            )
            granted += 1
    if granted == 0 and not _holds_every_version(session, desk, grantee):
        raise DeskKeyError(f"{granter.email} holds no key of desk {desk.code}")
    membership = session.scalar(
        select(DeskMembership).where(
            DeskMembership.desk_id == desk.id, DeskMembership.user_id == grantee.id
        )
    )
    if membership is None:
        session.add(DeskMembership(user_id=grantee.id, desk_id=desk.id, granted_day=today()))
    elif membership.granted_day is None:
        membership.granted_day = today()
    session.flush()
    return granted


def _holds_every_version(session: Session, desk: Desk, user: User) -> bool:
    """Whether `user` already holds a wrap of each active key version of `desk`."""
    versions = set(
        session.scalars(
            select(DeskKeyRow.id).where(DeskKeyRow.desk_id == desk.id, DeskKeyRow.active.is_(True))
        )
    )
    held = set(
        session.scalars(
            select(DeskKeyWrap.desk_key_id).where(
                DeskKeyWrap.user_id == user.id, DeskKeyWrap.desk_key_id.in_(versions)
            )
        )
    )
    return bool(versions) and versions <= held


__all__ = [
    "DeskKeyError",
    "DeskNotReady",
    "SealingError",
    "UnlockedDeskKey",
    "current_key",
    "grant_desk_keys",
    "provision_desk_key",
    "public_key_of",
    "unlock_desk_keys",
]
