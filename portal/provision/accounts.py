"""Creating staff and member accounts: from the shell with a password (`portal user create`),
or by an admin's invitation, where the person sets their own password through a setup link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth.passwords import PasswordHashParams, hash_password
from portal.auth.setup_links import IssuedLink, issue_link, unusable_password_hash
from portal.crypto import PersonalKeys, PrivateKey, RecoveryKey
from portal.domain.models import (
    Desk,
    DeskMembership,
    Organisation,
    Role,
    SetupPurpose,
    User,
    UserRole,
)


class AccountError(Exception):
    """An account cannot be created as asked."""


class EmailTaken(AccountError):
    """Another account already has this email address."""


@dataclass(frozen=True)
class NewAccount:
    email: str
    display_name: str
    password: str
    roles: frozenset[Role]
    desk_codes: frozenset[str] = frozenset()
    organisation: Organisation | None = None
    is_demo: bool = False


@dataclass(frozen=True)
class CreatedAccount:
    user: User
    # Shown once to the new account holder; never stored (DESIGN §6).
    recovery_key: RecoveryKey
    # The new personal key, for a caller that acts for the account at once (the demo seeds its
    # members' reports): kept in memory only, as a session would after sign-in.
    personal_key: PrivateKey = field(repr=False)


def create_account(
    session: Session, new: NewAccount, params: PasswordHashParams, personal: PersonalKeys
) -> CreatedAccount:
    email, desks = _checked(session, new.email, new.roles, new.desk_codes, new.organisation)
    keys = personal.create(new.password)
    user = User(
        email=email,
        display_name=new.display_name.strip() or email,
        password_hash=hash_password(new.password, params),
        organisation=new.organisation,
        is_demo=new.is_demo,
        public_key=keys.public.to_bytes(),
        private_key_by_password=keys.wrapped_by_password,
        private_key_by_recovery=keys.wrapped_by_recovery_key,
        roles=[UserRole(role=role) for role in sorted(new.roles)],
        desks=[DeskMembership(desk_id=desk.id) for desk in desks],
    )
    session.add(user)
    session.flush()
    return CreatedAccount(user, keys.recovery_key, keys.private)


@dataclass(frozen=True)
class Invitation:
    email: str
    display_name: str
    roles: frozenset[Role]
    desk_codes: frozenset[str] = frozenset()
    organisation: Organisation | None = None


def invite_account(
    session: Session,
    invitation: Invitation,
    *,
    admin: User,
    params: PasswordHashParams,
    link_hours: int,
) -> tuple[User, IssuedLink]:
    """An account with no password and no keys yet, and the one-time link to set them up.

    Its desk memberships wait for someone holding each desk key: the admin who invites decides
    who should work at a desk, a key holder makes it possible (DESIGN §6).
    """
    email, desks = _checked(
        session, invitation.email, invitation.roles, invitation.desk_codes, invitation.organisation
    )
    user = User(
        email=email,
        display_name=invitation.display_name.strip() or email,
        password_hash=unusable_password_hash(params),
        organisation=invitation.organisation,
        roles=[UserRole(role=role) for role in sorted(invitation.roles)],
        desks=[DeskMembership(desk_id=desk.id) for desk in desks],
    )
    session.add(user)
    session.flush()
    link = issue_link(session, user, SetupPurpose.INVITATION, issued_by=admin, hours=link_hours)
    audit.record(
        session,
        actor_id=admin.id,
        action="account.invited",
        object_type="user",
        object_id=str(user.id),
        detail={
            "roles": sorted(r.value for r in invitation.roles),
            "desks": sorted(d.code for d in desks),
            "organisation": invitation.organisation.public_id if invitation.organisation else None,
        },
    )
    return user, link


def _checked(
    session: Session,
    raw_email: str,
    roles: frozenset[Role],
    desk_codes: Iterable[str],
    organisation: Organisation | None,
) -> tuple[str, list[Desk]]:
    email = raw_email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{raw_email!r} is not an email address")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise EmailTaken(f"an account for {email} already exists")
    if not roles:
        raise AccountError("give the account at least one role")
    if Role.MEMBER in roles and organisation is None:
        raise AccountError("a member account needs an organisation")
    return email, _desks(session, desk_codes)


def _desks(session: Session, codes: Iterable[str]) -> list[Desk]:
    wanted = {code.strip().upper() for code in codes}
    if not wanted:
        return []
    found = list(session.scalars(select(Desk).where(Desk.code.in_(wanted))))
    missing = wanted - {desk.code for desk in found}
    if missing:
        raise AccountError(f"no desk with code {', '.join(sorted(missing))}")
    return found
