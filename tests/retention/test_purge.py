"""The retention purge: what an expired report loses, what it keeps, and what is never touched."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import verify_chain
from portal.config import Config
from portal.crypto import ReceiptCode
from portal.desk.sealed import CannotOpen, open_report
from portal.domain.models import (
    Attachment,
    AuditEvent,
    Desk,
    KeyHolder,
    Message,
    MessageDirection,
    Report,
    ReportKeyWrap,
    User,
    VerifierNote,
)
from portal.jobs.retention import PurgeResult, due_for_purge, purge_expired
from portal.store import Store
from tests.conftest import form_token
from tests.retention.conftest import (
    TODAY,
    S,
    blob_files,
    count,
    desk_keys,
    file_report,
    move,
    open_as_verifier,
    report_of,
    store_of,
    work_on,
)

CLEAR = (
    "public_id",
    "desk_id",
    "compact_id",
    "country",
    "region",
    "incident_month",
    "primary_indicator",
    "force_branch",
    "severity",
    "channel",
    "language",
    "status",
    "priority",
    "source_reliability",
    "information_credibility",
    "cluster_id",
    "assigned_to_id",
    "organisation_id",
    "created_day",
    "last_activity_day",
)
SEALED_ROWS = (ReportKeyWrap, Attachment, Message, VerifierNote)


def later(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def clear_fields(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in CLEAR} | {
        "indicators": sorted(i.indicator_code for i in report.indicators)
    }


def purge(app: Flask, session: Session, as_of: dt.date, **kwargs: Any) -> PurgeResult:
    return purge_expired(session, store_of(app), as_of, **kwargs)


def followup_error(client: FlaskClient, receipt: str) -> tuple[int, str]:
    response = client.post(
        "/report/followup",
        data={**form_token(client, "/report/followup"), "receipt": receipt},
    )
    page = response.get_data(as_text=True)
    found = re.search(r'<div class="error-summary".*?</div>', page, re.DOTALL)
    assert found, page[:2000]
    return response.status_code, found.group(0)


def test_an_expired_report_loses_its_sealed_side_and_keeps_its_clear_fields(
    demo: Flask, session: Session, config: Config
) -> None:
    rejected = file_report(demo, session, photos=2)
    work_on(demo, session, config, rejected)
    move(session, rejected, S.REJECTED)
    closed = file_report(demo, session)
    move(session, closed, S.CLOSED)
    member = session.scalar(select(User).where(User.email == "member@demo.test"))
    from_member = file_report(demo, session, member=member)
    move(session, from_member, S.REJECTED)
    before = {f.public_id: clear_fields(report_of(session, f)) for f in (rejected, closed)}
    store = store_of(demo)
    assert all(store.exists(k) for k in rejected.blob_keys + closed.blob_keys)
    assert set(rejected.blob_keys) <= set(blob_files(config))
    assert count(session, Message, rejected) == 1 and count(session, VerifierNote, rejected) == 1
    assert {w.holder for w in report_of(session, from_member).key_wraps} == set(KeyHolder)

    result = purge(demo, session, later(730))

    assert result.by_desk["IQ"] == 3 and result.total == 3
    assert result.attachments == 4
    for filed in (rejected, closed, from_member):
        report = report_of(session, filed)
        assert report.shredded and report.retention_until == later(730)
        assert report.payload_sealed is None
        assert report.receipt_lookup is None
        assert (report.unit_key, report.place_key, report.day_key, report.fingerprint) == (
            None,
            None,
            None,
            None,
        )
        for model in SEALED_ROWS:
            assert count(session, model, filed) == 0, model.__name__
        with pytest.raises(CannotOpen):
            open_as_verifier(demo, session, config, filed)
    for key in rejected.blob_keys + closed.blob_keys:
        assert not store.exists(key)
    assert not set(rejected.blob_keys + closed.blob_keys) & set(blob_files(config))
    after = {f.public_id: clear_fields(report_of(session, f)) for f in (rejected, closed)}
    assert after == before


def test_open_report_refuses_a_shredded_report_even_if_a_wrap_were_left(
    demo: Flask, session: Session, config: Config
) -> None:
    filed = file_report(demo, session)
    move(session, filed, S.REJECTED)
    keys = desk_keys(demo, session, config)
    purge(demo, session, later(180))
    with pytest.raises(CannotOpen, match="destroyed by retention"):
        open_report(session, report_of(session, filed), keys)


def test_verified_reports_and_reports_within_retention_are_untouched(
    demo: Flask, session: Session, config: Config
) -> None:
    verified = file_report(demo, session)
    move(session, verified, S.VERIFIED)
    partly = file_report(demo, session)
    move(session, partly, S.PARTIALLY_VERIFIED)
    in_review = file_report(demo, session)
    move(session, in_review, S.IN_REVIEW)
    fresh_rejected = file_report(demo, session)
    move(session, fresh_rejected, S.REJECTED)
    fresh_closed = file_report(demo, session)
    move(session, fresh_closed, S.CLOSED)

    # Decades later, only the rejected and closed ones go; the verified stay, whatever their age.
    assert purge(demo, session, later(179)).total == 0
    assert purge(demo, session, later(729)).total == 1
    assert report_of(session, fresh_rejected).shredded
    assert not report_of(session, fresh_closed).shredded
    assert purge(demo, session, later(30 * 365)).total == 1
    for filed in (verified, partly, in_review):
        report = report_of(session, filed)
        assert not report.shredded and report.retention_until is None
        assert report.receipt_lookup is not None and report.unit_key is not None
        assert all(store_of(demo).exists(k) for k in filed.blob_keys)
        opened = open_as_verifier(demo, session, config, filed)
        assert opened.payload["narrative"].startswith("Police at the bridge")
        assert len(opened.attachments) == 1


def test_retention_runs_from_the_last_change_with_each_desks_own_periods(
    demo: Flask, session: Session
) -> None:
    iraq = file_report(demo, session)
    move(session, iraq, S.REJECTED)
    somalia = file_report(demo, session, country="SO")
    move(session, somalia, S.REJECTED)
    closed = file_report(demo, session)
    move(session, closed, S.CLOSED)
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    assert (desk.retention_rejected_days, desk.retention_closed_days) == (180, 730)
    desk.retention_rejected_days = 10
    desk.retention_closed_days = 20
    session.commit()

    assert purge(demo, session, later(9)).total == 0
    assert purge(demo, session, later(10)).by_desk == {"IQ": 1, "NE": 0, "PH": 0, "SO": 0}
    assert report_of(session, iraq).shredded and not report_of(session, somalia).shredded
    assert purge(demo, session, later(20)).by_desk["IQ"] == 1
    assert report_of(session, closed).shredded
    assert purge(demo, session, later(179)).total == 0
    assert purge(demo, session, later(180)).by_desk["SO"] == 1


def test_a_negative_retention_keeps_everything_instead_of_shredding_at_once(
    demo: Flask, session: Session
) -> None:
    filed = file_report(demo, session)
    move(session, filed, S.REJECTED)
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    desk.retention_rejected_days = -1
    session.commit()
    assert purge(demo, session, later(10_000)).total == 0
    assert not report_of(session, filed).shredded


def test_a_shredded_receipt_gets_the_same_answer_as_a_receipt_never_issued(
    demo: Flask, session: Session, client: FlaskClient
) -> None:
    filed = file_report(demo, session)
    move(session, filed, S.REJECTED)
    receipt = filed.receipt.display()
    assert (
        client.post(
            "/report/followup",
            data={**form_token(client, "/report/followup"), "receipt": receipt},
        ).status_code
        == 302
    )
    client.delete_cookie("cw_followup", path="/report")

    purge(demo, session, later(180))

    shredded = followup_error(client, receipt)
    unknown = followup_error(client, ReceiptCode.generate().display())
    assert shredded[0] == unknown[0] == 400
    assert "No report opens with this code" in shredded[1]
    assert shredded == unknown


def test_a_follow_up_already_open_shows_nothing_once_shredded(
    demo: Flask, session: Session, client: FlaskClient
) -> None:
    filed = file_report(demo, session, narrative="The convoy stopped at the mill at dawn.")
    move(session, filed, S.REJECTED)
    client.post(
        "/report/followup",
        data={
            **form_token(client, "/report/followup"),
            "receipt": filed.receipt.display(),
        },
    )
    assert "The convoy stopped" in client.get("/report/followup").get_data(as_text=True)
    purge(demo, session, later(180))
    page = client.get("/report/followup").get_data(as_text=True)
    assert "The convoy stopped" not in page


def test_a_second_run_changes_nothing(demo: Flask, session: Session, config: Config) -> None:
    filed = file_report(demo, session, photos=2)
    work_on(demo, session, config, filed)
    move(session, filed, S.CLOSED)
    kept = file_report(demo, session)
    move(session, kept, S.VERIFIED)
    assert purge(demo, session, later(730)).total == 1

    def snapshot() -> tuple[object, ...]:
        session.expire_all()
        reports = [
            clear_fields(r)
            | {
                "shredded": r.shredded,
                "until": r.retention_until,
                "payload": r.payload_sealed,
                "receipt": r.receipt_lookup,
                "hashes": (r.unit_key, r.place_key, r.day_key, r.fingerprint),
            }
            for r in session.scalars(select(Report).order_by(Report.id))
        ]
        rows = [
            sorted(session.execute(select(ReportKeyWrap.id, ReportKeyWrap.wrapped_key)).all()),
            sorted(session.execute(select(Attachment.id, Attachment.blob_key)).all()),
            sorted(session.scalars(select(Message.id))),
            sorted(session.scalars(select(VerifierNote.id))),
        ]
        return reports, rows, sorted(blob_files(config))

    first = snapshot()
    again = purge(demo, session, later(730))
    assert (again.total, again.attachments) == (0, 0)
    assert snapshot() == first


def test_sealed_rows_written_to_a_report_while_it_was_shredded_go_on_the_next_run(
    demo: Flask, session: Session, config: Config
) -> None:
    filed = file_report(demo, session)
    move(session, filed, S.REJECTED)
    purge(demo, session, later(180))
    # A reporter's reply that checked `shredded` just before the purge committed.
    report = report_of(session, filed)
    session.add(
        Message(
            report_id=report.id, direction=MessageDirection.FROM_REPORTER, body_sealed=b"\x01" * 64
        )
    )
    session.commit()

    again = purge(demo, session, later(181))
    assert again.total == 0
    assert count(session, Message, filed) == 0
    assert report_of(session, filed).retention_until == later(180)
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.detail["late_writes_cleared"] == 1


def test_one_audit_event_per_run_with_counts_and_no_report_ids(
    demo: Flask, session: Session
) -> None:
    filed = [file_report(demo, session) for _ in range(3)]
    for f in filed:
        move(session, f, S.REJECTED)
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    purge(demo, session, later(180), batch=2)
    purge(demo, session, later(181))

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.id > (before or 0)).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["retention.purge", "retention.purge"]
    assert [e.actor_id for e in events] == [None, None]
    assert events[0].detail["reports"] == {"IQ": 3, "NE": 0, "PH": 0, "SO": 0}
    assert events[0].detail["complete"] is True
    assert events[1].detail["reports"]["IQ"] == 0
    text = json.dumps([e.detail for e in events]) + "".join(e.object_id for e in events)
    for f in filed:
        assert f.public_id not in text
    assert verify_chain(session) is None


def test_large_purges_commit_in_batches(demo: Flask, session: Session) -> None:
    filed = [file_report(demo, session, photos=0) for _ in range(5)]
    for f in filed:
        move(session, f, S.REJECTED)
    assert due_for_purge(session, later(180)).by_desk["IQ"] == 5

    result = purge(demo, session, later(180), batch=2)

    assert result.by_desk["IQ"] == 5
    assert all(report_of(session, f).shredded for f in filed)


class _FailingStore:
    """A store whose disk goes away after `works` deletions."""

    def __init__(self, inner: Store, works: int) -> None:
        self.inner = inner
        self.works = works

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        if self.works == 0:
            raise OSError("disk gone")
        self.works -= 1
        self.inner.delete(key)


def test_an_interrupted_purge_keeps_finished_batches_and_the_next_run_completes(
    demo: Flask, session: Session, config: Config
) -> None:
    filed = [file_report(demo, session) for _ in range(3)]
    for f in filed:
        move(session, f, S.REJECTED)

    with pytest.raises(OSError, match="disk gone"):
        purge_expired(session, _FailingStore(store_of(demo), works=2), later(180), batch=2)

    assert [report_of(session, f).shredded for f in filed] == [True, True, False]
    # The failed batch rolled back whole: its report still opens, keys and all.
    assert open_as_verifier(demo, session, config, filed[2]).payload["narrative"]
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert event.detail["reports"]["IQ"] == 2 and event.detail["complete"] is False

    assert purge(demo, session, later(180)).by_desk["IQ"] == 1
    assert not store_of(demo).exists(filed[2].blob_keys[0])
    assert verify_chain(session) is None
