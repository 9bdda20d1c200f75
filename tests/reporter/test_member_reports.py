"""A member's reports: no stored row names them, and they reopen them from their account.

The member signs in like anyone with an account, sends a report with "hide my organisation", and
later finds it under "Your reports" without the receipt. The database holds their list only as a
sealed row under an id nobody else can compute, and their session row holds expiry slots only.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.staff_sessions import EXPIRY_SLOT
from portal.crypto.member_list import MemberListKey, open_member_list
from portal.domain.models import (
    KeyHolder,
    MemberReportList,
    Organisation,
    ReportKeyWrap,
    Role,
    StaffSession,
    User,
)
from portal.provision.accounts import NewAccount, create_account
from portal.web.services import EXTENSION
from tests.conftest import FAST_HASH, PASSWORD, form_token, sign_in
from tests.reporter.conftest import only_report, report_fields, submit_ok

MEMBER = "member@demo.test"
NARRATIVE = "Soldiers searched our office and took the membership register."


def _member(session: Session, email: str = MEMBER) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _open_mine(client, public_id: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/report/mine/open",
        data={**form_token(client, "/report/mine"), "report": public_id},
    )


def test_a_member_report_names_no_member_and_reopens_from_the_account(
    demo: Flask, session: Session, config
) -> None:  # type: ignore[no-untyped-def]
    client = demo.test_client()
    sign_in(client, MEMBER, config.demo_password)
    sent = submit_ok(
        client, report_fields(session, narrative=NARRATIVE, identity="member_hidden")
    )
    report = only_report(session)
    # Nothing beside the report names the member or, since it was hidden, their organisation.
    assert report.organisation_id is None
    wraps = session.scalars(select(ReportKeyWrap).where(ReportKeyWrap.report_id == report.id))
    assert {w.holder for w in wraps} == {KeyHolder.DESK, KeyHolder.RECEIPT}
    assert "user_id" not in ReportKeyWrap.__table__.columns
    (stored,) = session.scalars(select(MemberReportList)).all()
    assert set(MemberReportList.__table__.columns.keys()) == {"list_id", "sealed"}
    assert not MemberReportList.__table__.foreign_keys
    assert report.public_id.encode() not in stored.sealed

    mine = client.get("/report/mine")
    assert mine.status_code == 200
    assert "Received" in mine.get_data(as_text=True) or report.public_id in mine.get_data(
        as_text=True
    )
    opened = _open_mine(client, report.public_id)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/report/followup")
    page = client.get("/report/followup").get_data(as_text=True)
    assert NARRATIVE in page
    # The receipt still works as well.
    assert sent.receipt


def test_only_the_member_opens_their_list(demo: Flask, session: Session, config) -> None:  # type: ignore[no-untyped-def]
    client = demo.test_client()
    sign_in(client, MEMBER, config.demo_password)
    submit_ok(client, report_fields(session, identity="member"))
    report = only_report(session)
    organisation = session.scalar(select(Organisation))
    personal = demo.extensions[EXTENSION].keyring.personal
    create_account(
        session,
        NewAccount(
            "other.member@example.org",
            "Other",
            PASSWORD,
            frozenset({Role.MEMBER}),
            organisation=organisation,
        ),
        FAST_HASH,
        personal,
    )
    session.commit()
    other = demo.test_client()
    sign_in(other, "other.member@example.org")
    assert report.public_id not in other.get("/report/mine").get_data(as_text=True)
    refused = _open_mine(other, report.public_id)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/report/mine")
    assert "cw_followup" not in str(refused.headers)
    # The member's own key derives the list's id and opens it; the other member's does not.
    member = _member(session)
    assert member.private_key_by_password is not None
    private = personal.unlock_with_password(member.private_key_by_password, config.demo_password)
    key = MemberListKey.of(private)
    row = session.get(MemberReportList, key.list_id)
    assert row is not None
    assert [e.report_public_id for e in open_member_list(key, row.sealed)] == [report.public_id]


def test_a_session_row_keeps_expiry_slots_only(demo: Flask, session: Session, config) -> None:  # type: ignore[no-untyped-def]
    client = demo.test_client()
    sign_in(client, MEMBER, config.demo_password)
    submit_ok(client, report_fields(session, identity="member_hidden"))
    session.expire_all()
    (record,) = session.scalars(select(StaffSession)).all()
    epoch = dt.datetime(2000, 1, 1)
    for column in StaffSession.__table__.columns:
        value = getattr(record, column.key)
        if isinstance(value, dt.datetime):
            assert (value - epoch) % EXPIRY_SLOT == dt.timedelta(0), column.key
    assert {c.key for c in StaffSession.__table__.columns if "at" in c.key.split("_")} == {
        "expires_at"
    }
