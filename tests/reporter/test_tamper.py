"""Altered or misplaced ciphertext never opens, and the follow-up page is no receipt oracle.

A verifier must never read garbage or another report's words as evidence (DESIGN §6: tampering or
swapping ciphertexts between reports must fail to open); a stranger guessing receipts must learn
nothing from how a near miss is answered.
"""

from __future__ import annotations

import html
import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.config import Config
from portal.desk.sealed import CannotOpen, open_attachment_content, open_report
from portal.domain.models import Attachment, KeyHolder, Report, ReportKeyWrap
from tests.reporter.conftest import (
    jpeg,
    open_as_verifier,
    open_followup,
    report_fields,
    store_of,
    submit_ok,
    tick,
    translated,
    verifier_keys,
)

MALFORMED = "A receipt code has 16 digits. Check the code you wrote down and try again."
NOT_ACCEPTED = (
    "No report opens with this code. Check each digit against the code you wrote down and try "
    "again."
)
FIRST = "The first report: soldiers took the harvest from the Hamdan farm."
SECOND = "The second report: police beat a student outside the college gate."


def _two_reports(client: FlaskClient, session: Session) -> tuple[Report, Report, str]:
    sent = submit_ok(client, report_fields(session, narrative=FIRST), files=[(jpeg(), "a.jpg")])
    submit_ok(client, report_fields(session, narrative=SECOND), files=[(jpeg(), "b.jpg")])
    session.expire_all()
    first, second = session.scalars(select(Report).order_by(Report.id)).all()
    return first, second, sent.receipt


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def _set_payload(session: Session, report: Report, payload: bytes) -> None:
    session.execute(update(Report).where(Report.id == report.id).values(payload_sealed=payload))
    session.commit()
    session.expire_all()


def test_both_reports_open_before_anything_is_touched(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, second, _ = _two_reports(client, session)
    assert open_as_verifier(session, demo, config, first).payload["narrative"] == FIRST
    assert open_as_verifier(session, demo, config, second).payload["narrative"] == SECOND


def test_one_flipped_byte_of_the_sealed_payload_never_opens(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, _, _ = _two_reports(client, session)
    keys = verifier_keys(session, demo, config)
    original = first.payload_sealed
    assert original is not None
    for index in (0, 5, len(original) // 2, len(original) - 1):
        _set_payload(session, first, _flip(original, index))
        with pytest.raises(CannotOpen):
            open_report(session, session.get(Report, first.id), keys)  # type: ignore[arg-type]
    _set_payload(session, first, original)
    assert open_report(session, first, keys).payload["narrative"] == FIRST


def test_one_flipped_byte_of_a_stored_blob_never_opens(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, _, _ = _two_reports(client, session)
    opened = open_as_verifier(session, demo, config, first)
    attachment = opened.attachments[0].attachment
    tick(demo)
    store = store_of(demo)
    original = store.get(attachment.blob_key)
    for changed in (_flip(original, 0), _flip(original, len(original) // 2), original[:-1]):
        store.put(attachment.blob_key, changed)
        with pytest.raises(CannotOpen):
            open_attachment_content(session, store, first, attachment, opened.data_key)
    store.put(attachment.blob_key, original)
    content = open_attachment_content(session, store, first, attachment, opened.data_key)
    assert content[:2] == b"\xff\xd8"


def test_a_payload_moved_onto_another_report_never_opens(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, second, _ = _two_reports(client, session)
    assert first.payload_sealed is not None
    _set_payload(session, second, first.payload_sealed)
    with pytest.raises(CannotOpen):
        open_as_verifier(session, demo, config, session.get(Report, second.id))  # type: ignore[arg-type]


def test_an_attachment_moved_onto_another_report_never_opens(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, second, _ = _two_reports(client, session)
    second_key = open_as_verifier(session, demo, config, second).data_key
    (a_first,) = first.attachments
    (a_second,) = second.attachments
    keys = (a_first.blob_key, a_second.blob_key)
    # The blob of the first report under the second report's attachment row.
    session.execute(update(Attachment).where(Attachment.id == a_first.id).values(blob_key="x" * 20))
    session.execute(update(Attachment).where(Attachment.id == a_second.id).values(blob_key=keys[0]))
    session.commit()
    session.expire_all()
    moved = session.get(Attachment, a_second.id)
    assert moved is not None
    with pytest.raises(CannotOpen):
        open_attachment_content(session, store_of(demo), second, moved, second_key)
    # The whole attachment row (sealed name included) moved onto the second report.
    session.execute(
        update(Attachment)
        .where(Attachment.id == a_first.id)
        .values(report_id=second.id, blob_key=keys[1] + "z")
    )
    session.commit()
    session.expire_all()
    with pytest.raises(CannotOpen):
        open_as_verifier(session, demo, config, session.get(Report, second.id))  # type: ignore[arg-type]


def test_a_desk_key_wrap_moved_onto_another_report_never_opens(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    first, second, _ = _two_reports(client, session)
    keys = verifier_keys(session, demo, config)
    first_wrap, second_wrap = (
        session.scalars(
            select(ReportKeyWrap.id).where(
                ReportKeyWrap.report_id == report.id, ReportKeyWrap.holder == KeyHolder.DESK
            )
        ).one()
        for report in (first, second)
    )
    for wrap_id, report in ((first_wrap, second), (second_wrap, first)):
        session.execute(
            update(ReportKeyWrap).where(ReportKeyWrap.id == wrap_id).values(report_id=report.id)
        )
    session.commit()
    session.expire_all()
    for report in (first, second):
        with pytest.raises(CannotOpen):
            open_report(session, session.get(Report, report.id), keys)  # type: ignore[arg-type]


def _normalised(page: str) -> str:
    """The page as a person reads it: CSRF tokens and the echo of what was typed set aside."""
    page = re.sub(r'(name="(?:csrf_token|submission)"[^>]*value=")[^"]*"', r'\1"', page)
    page = re.sub(r'(value=")[^"]*("[^>]*name="receipt")', r"\1\2", page)
    page = re.sub(r'(name="receipt"[^>]*value=")[^"]*"', r'\1"', page)
    return html.unescape(page)


def _near_miss(receipt: str) -> str:
    position = secrets.randbelow(16)
    digit = str((int(receipt[position]) + 1 + secrets.randbelow(9)) % 10)
    return receipt[:position] + digit + receipt[position + 1 :]


def test_a_wrong_receipt_is_answered_exactly_like_a_near_miss(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    _, _, receipt = _two_reports(client, session)
    near = _near_miss(receipt)
    stranger = f"{secrets.randbelow(10**16):016d}"
    assert len({receipt, near, stranger}) == 3
    answers = []
    for guess in (near, stranger):
        response = open_followup(client, guess)
        assert response.status_code == 400
        assert "cw_followup" not in response.headers.get("Set-Cookie", "")
        answers.append(_normalised(response.get_data(as_text=True)))
        followup = client.get("/report/followup").get_data(as_text=True)
        assert FIRST not in followup and SECOND not in followup
    assert answers[0] == answers[1]
    assert "No report opens with this code." in answers[0]
    assert FIRST not in answers[0] and SECOND not in answers[0]
    # The real one still opens: the refusals above were not for some other reason.
    assert open_followup(client, receipt).status_code == 302
    assert FIRST in client.get("/report/followup").get_data(as_text=True)


@pytest.mark.parametrize(
    "typed", ["1234 5678 9012", "1234 5678 9012 34567", "1234 5678 9012 345a", "receipt"]
)
def test_a_malformed_receipt_gets_a_format_message(
    demo: Flask, client: FlaskClient, typed: str
) -> None:
    response = open_followup(client, typed)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "A receipt code has 16 digits." in page
    assert "No report opens with this code." not in page


def test_the_receipt_messages_are_in_the_reporter_s_language(
    demo: Flask, client: FlaskClient
) -> None:
    for typed, msgid in (
        ("1234 5678", MALFORMED),
        (f"{secrets.randbelow(10**16):016d}", NOT_ACCEPTED),
    ):
        response = open_followup(client, typed, query_string={"lang": "ar"})
        assert response.status_code == 400
        assert translated(msgid, "ar") in html.unescape(response.get_data(as_text=True))



def test_a_follow_up_whose_payload_was_altered_gets_a_translated_could_not_open_page(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    first, _, receipt = _two_reports(client, session)
    assert open_followup(client, receipt).status_code == 302
    assert first.payload_sealed is not None
    _set_payload(session, first, _flip(first.payload_sealed, len(first.payload_sealed) // 2))
    page = client.get("/report/followup")
    assert page.status_code == 409
    text = html.unescape(page.get_data(as_text=True))
    assert "Your report could not be opened" in text and FIRST not in text
    arabic = html.unescape(client.get("/report/followup?lang=ar").get_data(as_text=True))
    assert translated("Your report could not be opened", "ar") in arabic


def test_an_altered_attachment_gets_a_translated_could_not_open_page_on_the_desk(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    from tests.conftest import sign_in

    first, _, _ = _two_reports(client, session)
    tick(demo)
    (attachment,) = first.attachments
    store = store_of(demo)
    store.put(attachment.blob_key, _flip(store.get(attachment.blob_key), 40))
    desk = demo.test_client()
    sign_in(desk, "verifier@demo.test", config.demo_password)
    response = desk.get(f"/desk/attachments/{attachment.public_id}")
    assert response.status_code == 409
    assert "This attachment cannot be opened" in html.unescape(response.get_data(as_text=True))
