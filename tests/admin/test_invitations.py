"""An admin invites staff and members from the pages; the invitee sets their own password through
a one-time link; desk access waits, visibly to both sides, until a key holder grants it."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.crypto import PrivateKey
from portal.domain.models import AuditEvent, Organisation, Role, User
from portal.keys.desks import unlock_desk_keys
from portal.web.services import EXTENSION
from tests.auth.test_admin_reset import one_time, path_of, set_password
from tests.conftest import csrf_token, sign_in

NEW = "seven green lanterns over the river"
MakeUser = Callable[..., User]


@pytest.fixture
def seeded(app: Flask) -> Flask:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def signed_in(app: Flask, email: str, password: str | None = None) -> FlaskClient:
    client = app.test_client()
    if password is None:
        sign_in(client, email)
    else:
        sign_in(client, email, password)
    return client


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def invite(admin: FlaskClient, **fields: object) -> tuple[int, str]:
    data: dict[str, object] = {"csrf_token": csrf_token(admin, "/admin/users/invite"), **fields}
    response = admin.post("/admin/users/invite", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_an_invited_verifier_waits_for_a_key_holder_then_opens_the_desk(
    seeded: Flask, make_user: MakeUser, session: Session
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    holder = make_user("holder@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    admin = signed_in(seeded, "admin@example.org")

    status, page = invite(
        admin, email="Newcomer@Example.org", display_name="Nour", roles=["verifier"], desks=["IQ"]
    )
    assert status == 200, page[:1000]
    link = path_of(one_time(page, "setup-link"))
    assert "Invited" in text(admin, "/admin/users")
    newcomer = seeded.test_client()
    assert "Welcome" in text(newcomer, link)
    set_password(newcomer, link, NEW)
    sign_in(newcomer, "newcomer@example.org", NEW)

    # Waiting, and both sides see it.
    assert "waits until someone who holds the desk's key grants it" in text(
        newcomer, "/auth/account"
    )
    assert newcomer.get("/desk/").status_code == 200
    assert "Iraq" not in text(newcomer, "/desk/").split("<main", 1)[1].split("</form>", 1)[0]
    keyholder = signed_in(seeded, "holder@example.org")
    assert "1 person waits for you to grant them access" in text(keyholder, "/desk/")
    waiting = text(keyholder, "/desk/access")
    assert "newcomer@example.org" in waiting
    # The admin holds the escrow copy of the desk key (DESIGN §6), so could grant it too.
    assert "newcomer@example.org" in text(admin, "/desk/access")

    grant = keyholder.post(
        _grant_action(waiting), data={"csrf_token": csrf_token(keyholder, "/desk/access")}
    )
    assert grant.status_code == 302
    assert "can now open the reports" in text(keyholder, "/desk/access")

    user = session.scalar(select(User).where(User.email == "newcomer@example.org"))
    assert user is not None and user.public_key is not None
    session.refresh(user)
    personal = seeded.extensions[EXTENSION].keyring.personal
    assert user.private_key_by_password is not None
    private: PrivateKey = personal.unlock_with_password(user.private_key_by_password, NEW)
    assert unlock_desk_keys(session, user, private), "no desk key was wrapped for the newcomer"
    assert [m.granted_day is not None for m in user.desks] == [True]
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"account.invited", "account.setup_completed", "desk.access_granted"} <= actions
    # Signed in again, the newcomer lands on the desk.
    again = signed_in(seeded, "newcomer@example.org", NEW)
    assert again.get("/auth/login").headers["Location"] == "/desk/"
    del holder


def _grant_action(page: str) -> str:
    start = page.index('action="/desk/access/')
    return page[start + len('action="') : page.index('"', start + len('action="'))]


def test_an_invitation_asks_for_what_it_needs(seeded: Flask, make_user: MakeUser) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    admin = signed_in(seeded, "admin@example.org")
    status, page = invite(admin, email="admin@example.org", roles=["assessor"])
    assert status == 400 and "exists already" in html.unescape(page)
    status, page = invite(admin, email="not-an-address", roles=["assessor"])
    assert status == 400 and "like name@example.org" in page
    status, page = invite(admin, email="m@example.org", roles=["member"])
    assert status == 400 and "belongs to an organisation" in page
    status, page = invite(admin, email="a@example.org", roles=["assessor"], desks=["IQ"])
    assert status == 400 and "Only verifiers and administrators work at desks" in page
    status, page = invite(admin, email="a@example.org")
    assert status == 400 and "Choose at least one role" in page


def test_a_member_is_invited_into_an_organisation_the_admin_created(
    seeded: Flask, make_user: MakeUser, session: Session
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    admin = signed_in(seeded, "admin@example.org")
    made = admin.post(
        "/admin/organisations/new",
        data={
            "csrf_token": csrf_token(admin, "/admin/organisations/new"),
            "name": "Basra  Monitors",
            "country": "IQ",
            "verified": "y",
            "contact": "Call Huda on +964 770 000 0000",
        },
    )
    assert made.status_code == 302
    org = session.scalar(select(Organisation).where(Organisation.name == "Basra Monitors"))
    assert org is not None and org.verified and org.contact_sealed is not None
    assert b"Huda" not in org.contact_sealed  # sealed with the server key
    assert "Call Huda" in text(admin, f"/admin/organisations/{org.public_id}")

    status, page = invite(
        admin, email="member@example.org", roles=["member"], organisation=org.public_id
    )
    assert status == 200
    member = seeded.test_client()
    set_password(member, path_of(one_time(page, "setup-link")), NEW)
    sign_in(member, "member@example.org", NEW)
    assert member.get("/auth/login").headers["Location"] == "/report/new"
    # A member's phone may be searched: their known-device cookie dies with the browser.
    device = member.get_cookie("cw_device")
    assert device is not None and device.expires is None and device.max_age is None
    assert "Basra Monitors" in text(member, "/report/new")

    # Disabled, the organisation is offered to no new member.
    admin.post(
        f"/admin/organisations/{org.public_id}/active",
        data={"csrf_token": csrf_token(admin, f"/admin/organisations/{org.public_id}")},
    )
    assert "offered to no new member" in text(admin, "/admin/organisations")
    assert "Basra Monitors" not in text(admin, "/admin/users/invite")
    events = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "organisation.created" in events and "organisation.disabled" in events


def test_disable_re_enable_and_second_factor_reset_are_audit_logged(
    seeded: Flask, make_user: MakeUser, session: Session
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    person = make_user("v@example.org", roles=(Role.VERIFIER,))
    admin = signed_in(seeded, "admin@example.org")
    theirs = signed_in(seeded, "v@example.org")
    page = f"/admin/users/{person.id}"

    def press(action: str) -> str:
        admin.post(f"{page}/{action}", data={"csrf_token": csrf_token(admin, page)})
        return text(admin, page)

    assert "is disabled" in press("disable")
    assert theirs.get("/auth/account").status_code == 302  # the session ended
    refused = seeded.test_client().post(
        "/auth/login",
        data={
            "csrf_token": csrf_token(seeded.test_client()),
            "email": "v@example.org",
            "password": "correct horse battery staple 42",
        },
    )
    assert refused.status_code == 400
    assert "can sign in again" in press("enable")
    assert "Two-step sign-in of v@example.org is reset" in press("reset-second-factor")
    session.expire_all()
    assert session.get(User, person.id).totp_secret_sealed is None  # type: ignore[union-attr]
    # At the next sign-in the password leads to enrolling a new phone.
    client = seeded.test_client()
    response = client.post(
        "/auth/login",
        data={
            "csrf_token": csrf_token(client),
            "email": "v@example.org",
            "password": "correct horse battery staple 42",
        },
    )
    assert response.headers["Location"] == "/auth/two-factor/setup"
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(person.id)).order_by(AuditEvent.id)
        )
    ]
    assert actions == ["account.disabled", "account.enabled", "account.second_factor_reset"]


def test_the_last_active_admin_cannot_be_disabled(
    seeded: Flask, make_user: MakeUser, session: Session
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    other = make_user("second@example.org", roles=(Role.ADMIN,))
    admin = signed_in(seeded, "admin@example.org")
    # The demo admin is a second active admin: disable it first, then the other.
    demo_admin = session.scalar(select(User).where(User.email == "admin@demo.test"))
    assert demo_admin is not None
    for target in (demo_admin, other):
        page = f"/admin/users/{target.id}"
        admin.post(f"{page}/disable", data={"csrf_token": csrf_token(admin, page)})
    session.expire_all()
    assert not demo_admin.active and not other.active
    me = session.scalar(select(User).where(User.email == "admin@example.org"))
    assert me is not None and me.active
