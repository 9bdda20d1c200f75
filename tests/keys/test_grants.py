"""Desk access an admin adds waits for a key holder: nothing (not a rotation, not an assignment)
makes it work before a holder grants it, and only a holder can."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.admin.service import add_desk
from portal.desk.labels import assignee_choices
from portal.domain.models import Desk, DeskKey, DeskKeyWrap, Role, User
from portal.keys import grants
from portal.keys.desks import provision_desk_key, unlock_desk_keys
from portal.web.services import EXTENSION
from tests.conftest import PASSWORD


def _private(app: Flask, user: User):  # type: ignore[no-untyped-def]
    assert user.private_key_by_password is not None
    personal = app.extensions[EXTENSION].keyring.personal
    return personal.unlock_with_password(user.private_key_by_password, PASSWORD)


def test_pending_access_opens_nothing_until_a_holder_grants_it(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    holder = make_user("holder@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    admin = make_user("admin@example.org", roles=(Role.ADMIN,))
    newcomer = make_user("new@example.org", roles=(Role.VERIFIER,))
    outsider = make_user("outsider@example.org", roles=(Role.VERIFIER,), desks=("SO",))
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    membership = add_desk(session, admin, newcomer, desk)
    session.commit()

    session.refresh(newcomer)
    assert newcomer.desk_ids == frozenset() and newcomer.pending_desk_ids == {desk.id}
    # Not offered for assignment, and a key rotation does not wrap the desk key for them.
    assert str(newcomer.id) not in dict(assignee_choices(session, desk.id))
    provision_desk_key(session, desk)
    session.commit()
    assert unlock_desk_keys(session, newcomer, _private(app, newcomer)) == {}
    # Both sides see the request; somebody without the desk's key cannot grant it.
    assert [p.email for p in grants.waiting_for(session, holder)] == ["new@example.org"]
    assert [d.code for d in grants.own_pending(session, newcomer)] == ["IQ"]
    assert grants.waiting_for(session, outsider) == []
    with pytest.raises(grants.NotAHolder):
        grants.grant(session, outsider, _private(app, outsider), membership.id)
    session.rollback()

    grants.grant(session, holder, _private(app, holder), membership.id)
    session.commit()
    session.refresh(newcomer)
    assert newcomer.desk_ids == {desk.id}
    versions = set(session.scalars(select(DeskKey.id).where(DeskKey.desk_id == desk.id)))
    opened = unlock_desk_keys(session, newcomer, _private(app, newcomer))
    assert set(opened) == versions  # every version the holder had, the old and the rotated one
    assert str(newcomer.id) in dict(assignee_choices(session, desk.id))
    with pytest.raises(grants.NotAHolder):  # granted already: nothing left to grant
        grants.grant(session, holder, _private(app, holder), membership.id)


def test_access_waits_until_the_person_has_a_key(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    from portal.auth.passwords import PasswordHashParams
    from portal.provision.accounts import Invitation, invite_account

    holder = make_user("holder@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    admin = make_user("admin@example.org", roles=(Role.ADMIN,))
    invited, _link = invite_account(
        session,
        Invitation("new@example.org", "New", frozenset({Role.VERIFIER}), frozenset({"IQ"})),
        admin=admin,
        params=PasswordHashParams(8192, 1, 1),
        link_hours=24,
    )
    session.commit()
    (pending,) = grants.waiting_for(session, holder)
    assert not pending.ready
    with pytest.raises(grants.NotReady):
        grants.grant(session, holder, _private(app, holder), pending.membership_id)
    assert session.scalars(select(DeskKeyWrap).where(DeskKeyWrap.user_id == invited.id)).all() == []
