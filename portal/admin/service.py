"""What an admin does to an account, each step audit-logged (no Flask here).

None of these lets an admin learn or choose a password, or open anything sealed: a reset issues
a setup link the person uses themselves (`portal.auth.setup_links`), and desk access an admin
adds waits for someone holding the desk key (`portal.keys.grants`).
"""

from __future__ import annotations

import enum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth import devices, two_factor
from portal.auth.passwords import PasswordHashParams
from portal.auth.setup_links import IssuedLink, issue_link, unusable_password_hash
from portal.auth.staff_sessions import end_all_sessions
from portal.auth.throttle import SignInThrottle
from portal.domain.models import (
    Desk,
    DeskKey,
    DeskKeyWrap,
    DeskMembership,
    Role,
    SetupPurpose,
    User,
    UserRole,
)
from portal.limits import Counters


class AccountState(enum.StrEnum):
    INVITED = "invited"  # no password and no personal key yet: the setup link waits
    RESET = "reset"  # password reset: the old one no longer works, the setup link waits
    ACTIVE = "active"
    DISABLED = "disabled"


def account_state(user: User) -> AccountState:
    if not user.active:
        return AccountState.DISABLED
    if user.public_key is None:
        return AccountState.INVITED
    if user.private_key_by_password is None:
        return AccountState.RESET
    return AccountState.ACTIVE


class AdminRefused(Exception):
    """The action would leave the portal worse off; each subclass maps to one message."""


class OwnAccount(AdminRefused):
    """Admins do not disable or reset themselves here: the account page has their own tools."""


class LastAdmin(AdminRefused):
    """Disabling this account would leave no active administrator."""


def _record(session: Session, admin: User, action: str, user: User, **detail: object) -> None:
    audit.record(
        session,
        actor_id=admin.id,
        action=action,
        object_type="user",
        object_id=str(user.id),
        detail=detail,
    )


def _not_self(admin: User, user: User) -> None:
    if admin.id == user.id:
        raise OwnAccount()


def reset_password(
    session: Session, admin: User, user: User, *, params: PasswordHashParams, hours: int
) -> IssuedLink:
    """The old password stops working now, every session and known device is forgotten, and a
    setup link is issued. The second factor stays: whoever uses the link still needs the
    person's phone (reset it too only when the phone is lost)."""
    _not_self(admin, user)
    user.password_hash = unusable_password_hash(params)
    user.private_key_by_password = None
    end_all_sessions(session, user.id)
    devices.forget_all(session, user.id)
    link = issue_link(session, user, SetupPurpose.RESET, issued_by=admin, hours=hours)
    _record(session, admin, "account.password_reset", user)
    return link


def new_invitation_link(session: Session, admin: User, user: User, *, hours: int) -> IssuedLink:
    """A fresh link for an invited person whose link expired or went astray; the old one dies."""
    if account_state(user) != AccountState.INVITED:
        raise AdminRefused()
    link = issue_link(session, user, SetupPurpose.INVITATION, issued_by=admin, hours=hours)
    _record(session, admin, "account.invitation_renewed", user)
    return link


def disable(session: Session, admin: User, user: User) -> None:
    """Nobody signs in with the account, its sessions end, its API tokens stop answering."""
    _not_self(admin, user)
    if user.has_role(Role.ADMIN) and _active_admins(session) <= 1:
        raise LastAdmin()
    user.active = False
    end_all_sessions(session, user.id)
    _record(session, admin, "account.disabled", user)


def enable(session: Session, admin: User, user: User) -> None:
    user.active = True
    _record(session, admin, "account.enabled", user)


def reset_second_factor(
    session: Session, admin: User, user: User, counters: Counters, secret: bytes
) -> None:
    """A lost phone: the person enrols a new one at their next sign-in, with their password."""
    _not_self(admin, user)
    # Counters first: kept in the database they use their own transaction, which must not wait
    # on this one's writes (SQLite has one writer).
    two_factor.clear_failures(counters, secret, user)
    user.totp_secret_sealed = None
    user.totp_last_step = None
    user.recovery_code_hashes = []
    end_all_sessions(session, user.id)
    devices.forget_all(session, user.id)
    _record(session, admin, "account.second_factor_reset", user)


def unlock_sign_in(
    session: Session, admin: User, user: User, throttle: SignInThrottle, secret: bytes
) -> None:
    """Leave every sign-in counter of the account behind (they are named under the epoch).

    The counters are cleared before anything is written, for the reason given above."""
    throttle.clear_account(user.email, user.sign_in_epoch)
    two_factor.clear_failures(throttle.counters, secret, user)
    user.sign_in_epoch += 1
    _record(session, admin, "account.sign_in_unlocked", user)


def add_desk(session: Session, admin: User, user: User, desk: Desk) -> DeskMembership:
    """A membership waiting for a key holder's grant."""
    found = session.scalar(
        select(DeskMembership).where(
            DeskMembership.user_id == user.id, DeskMembership.desk_id == desk.id
        )
    )
    if found is not None:
        return found
    membership = DeskMembership(user_id=user.id, desk_id=desk.id)
    session.add(membership)
    session.flush()
    _record(session, admin, "account.desk_added", user, desk=desk.code)
    return membership


def remove_desk(session: Session, admin: User, user: User, desk: Desk) -> None:
    """The membership goes, and with it the person's copies of the desk's keys."""
    session.execute(
        delete(DeskMembership).where(
            DeskMembership.user_id == user.id, DeskMembership.desk_id == desk.id
        )
    )
    versions = select(DeskKey.id).where(DeskKey.desk_id == desk.id)
    session.execute(
        delete(DeskKeyWrap).where(
            DeskKeyWrap.user_id == user.id,
            DeskKeyWrap.escrow.is_(False),
            DeskKeyWrap.desk_key_id.in_(versions),
        )
    )
    _record(session, admin, "account.desk_removed", user, desk=desk.code)


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
        )
        or 0
    )
