"""Creating staff and member accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth.passwords import PasswordHashParams, hash_password
from portal.crypto import PersonalKeys, RecoveryKey
from portal.domain.models import Desk, DeskMembership, Organisation, Role, User, UserRole


class AccountError(Exception):
    """An account cannot be created as asked."""


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


def create_account(
    session: Session, new: NewAccount, params: PasswordHashParams, personal: PersonalKeys
) -> CreatedAccount:
    email = new.email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{new.email!r} is not an email address")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"an account for {email} already exists")
    if not new.roles:
        raise AccountError("give the account at least one role")
    if Role.MEMBER in new.roles and new.organisation is None:
        raise AccountError("a member account needs an organisation")
    desks = _desks(session, new.desk_codes)
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
    return CreatedAccount(user, keys.recovery_key)


def _desks(session: Session, codes: Iterable[str]) -> list[Desk]:
    wanted = {code.strip().upper() for code in codes}
    if not wanted:
        return []
    found = list(session.scalars(select(Desk).where(Desk.code.in_(wanted))))
    missing = wanted - {desk.code for desk in found}
    if missing:
        raise AccountError(f"no desk with code {', '.join(sorted(missing))}")
    return found
