"""Desk access waiting for a key holder, and granting it (DESIGN §6; no Flask here).

An admin decides who works at a desk; only someone whose session holds the desk key unlocked
(a member of the desk, or an admin with the escrow copy) can make that work, by wrapping the
desk key for the newcomer's personal key. Until then the membership is pending: the newcomer
sees that they wait, and every key holder of the desk sees who waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.crypto import PrivateKey
from portal.domain.models import Desk, DeskKey, DeskKeyWrap, DeskMembership, User
from portal.keys.desks import DeskKeyError, grant_desk_keys


class NotReady(DeskKeyError):
    """The person has not set up their account yet: there is no personal key to wrap for."""


class NotAHolder(DeskKeyError):
    """The granter holds no key of this desk, or the request is gone."""


@dataclass(frozen=True)
class PendingAccess:
    membership_id: int
    email: str
    display_name: str
    desk_code: str
    desk_name: str
    # False until the person has chosen their password (their personal key exists).
    ready: bool


def held_desk_ids(session: Session, user: User) -> set[int]:
    """Desks of which `user` holds a copy of an active key version."""
    return set(
        session.scalars(
            select(DeskKey.desk_id)
            .join(DeskKeyWrap, DeskKeyWrap.desk_key_id == DeskKey.id)
            .where(DeskKeyWrap.user_id == user.id, DeskKey.active.is_(True))
            .distinct()
        )
    )


def waiting_for(session: Session, granter: User) -> list[PendingAccess]:
    """Pending memberships of the desks whose key `granter` holds, oldest desk code first."""
    desks = held_desk_ids(session, granter)
    if not desks:
        return []
    rows = session.execute(
        select(DeskMembership, User, Desk)
        .join(User, User.id == DeskMembership.user_id)
        .join(Desk, Desk.id == DeskMembership.desk_id)
        .where(
            DeskMembership.granted_day.is_(None),
            DeskMembership.desk_id.in_(desks),
            User.active.is_(True),
            User.id != granter.id,
        )
        .order_by(Desk.code, User.email)
    ).all()
    return [
        PendingAccess(
            membership_id=membership.id,
            email=user.email,
            display_name=user.display_name,
            desk_code=desk.code,
            desk_name=desk.name,
            ready=user.public_key is not None,
        )
        for membership, user, desk in rows
    ]


def own_pending(session: Session, user: User) -> list[Desk]:
    """The desks this person waits to be granted."""
    return list(
        session.scalars(
            select(Desk)
            .join(DeskMembership, DeskMembership.desk_id == Desk.id)
            .where(DeskMembership.user_id == user.id, DeskMembership.granted_day.is_(None))
            .order_by(Desk.code)
        )
    )


def grant(
    session: Session, granter: User, granter_key: PrivateKey, membership_id: int
) -> PendingAccess:
    """Wrap the desk's keys for the person waiting in `membership_id`; audit-logged."""
    found = session.execute(
        select(DeskMembership, User, Desk)
        .join(User, User.id == DeskMembership.user_id)
        .join(Desk, Desk.id == DeskMembership.desk_id)
        .where(DeskMembership.id == membership_id, DeskMembership.granted_day.is_(None))
    ).first()
    if found is None or found[2].id not in held_desk_ids(session, granter):
        raise NotAHolder()
    membership, grantee, desk = found
    if grantee.public_key is None or not grantee.active:
        raise NotReady()
    versions = grant_desk_keys(session, desk, grantee, granter, granter_key)
    audit.record(
        session,
        actor_id=granter.id,
        action="desk.access_granted",
        object_type="desk",
        object_id=desk.code,
        detail={"to": grantee.id, "versions": versions},
    )
    return PendingAccess(
        membership.id, grantee.email, grantee.display_name, desk.code, desk.name, True
    )
