"""A report is all there or not there at all (DESIGN §4: one transaction, outbox row included).

A half report would be worse than none: a row without its key wrap can never be read, and a row
without its outbox job is never routed to a desk. Failures are injected at each step of the write
(the blob store, the outbox, the commit), and a real gunicorn worker is killed mid-upload.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import portal.jobs.outbox
import portal.reporter.service
from portal.config import Config
from portal.domain.models import (
    Attachment,
    KeyHolder,
    OutboxJob,
    OutboxState,
    Report,
    ReportKeyWrap,
    StagedBlob,
)
from portal.keys.desks import current_key
from portal.store import StoreError
from tests.reporter.conftest import (
    jpeg,
    only_report,
    open_as_verifier,
    report_fields,
    store_of,
    submit_ok,
    submit_report,
    tick,
)
from tests.reporter.server import Server

NARRATIVE = "Soldiers took the water tanker at the Sinjar road checkpoint and sold the water."


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        model.__tablename__: session.scalar(select(func.count(model.id))) or 0
        for model in (Report, ReportKeyWrap, Attachment, OutboxJob)
    }


def test_a_received_report_has_every_row_and_blob_and_one_intake_job(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    photos = [(jpeg(), "one.jpg"), (jpeg((200, 300)), "two.jpg")]
    submit_ok(client, report_fields(session, narrative=NARRATIVE), files=photos)
    report = only_report(session)
    wraps = session.scalars(select(ReportKeyWrap).where(ReportKeyWrap.report_id == report.id)).all()
    assert sorted(w.holder for w in wraps) == [KeyHolder.DESK, KeyHolder.RECEIPT]
    desk_wrap = next(w for w in wraps if w.holder == KeyHolder.DESK)
    assert desk_wrap.desk_key_id == current_key(session, report.desk_id).id
    assert len(report.attachments) == 2
    # Staged with the report, written to the store on the tick (docs/security.md, blob files).
    staged = set(session.scalars(select(StagedBlob.blob_key)))
    assert staged == {a.blob_key for a in report.attachments}
    assert not any(store_of(demo).exists(a.blob_key) for a in report.attachments)
    assert tick(demo) == 2
    assert all(store_of(demo).exists(a.blob_key) for a in report.attachments)
    assert session.scalar(select(func.count()).select_from(StagedBlob)) == 0
    jobs = session.scalars(select(OutboxJob)).all()
    assert [(j.queue, j.job, j.args) for j in jobs] == [
        ("intake", "intake", {"report_id": report.id})
    ]
    if config.redis_url is None:
        assert jobs[0].state == OutboxState.DONE
        assert report.intake_done and report.fingerprint
    else:
        assert jobs[0].state == OutboxState.PENDING  # held for the intake drain (docs/jobs.md)
    assert open_as_verifier(session, demo, config, report).payload["narrative"] == NARRATIVE


class _Refused(RuntimeError):
    pass


def _fail_staging_after_first_blob(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    real_stage = portal.reporter.service.stage_blob
    calls: list[str] = []

    def stage(session: Session, key: str, sealed: bytes, day: Any) -> None:
        calls.append(key)
        if len(calls) > 1:
            raise _Refused("the database refused the blob")
        real_stage(session, key, sealed, day)

    monkeypatch.setattr(portal.reporter.service, "stage_blob", stage)


def _fail_outbox(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    def add_job(*_args: Any, **_kwargs: Any) -> Any:
        raise _Refused("outbox refused")

    # The service binds the name at import; patching the module alone would test nothing.
    monkeypatch.setattr(portal.jobs.outbox, "add_job", add_job)
    monkeypatch.setattr(portal.reporter.service, "add_job", add_job)


def _fail_commit(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    def commit(self: Session) -> None:
        raise _Refused("the database went away")

    monkeypatch.setattr(Session, "commit", commit)


@pytest.mark.parametrize(
    "break_it",
    [_fail_staging_after_first_blob, _fail_outbox, _fail_commit],
    ids=["blob-after-first-blob", "outbox", "commit"],
)
def test_a_submission_that_fails_half_way_leaves_nothing_and_says_so(
    demo: Flask,
    client: FlaskClient,
    session: Session,
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    break_it: Any,
) -> None:
    before = _counts(session)
    assert before == {"reports": 0, "report_key_wraps": 0, "attachments": 0, "outbox_jobs": 0}
    fields = report_fields(session, narrative=NARRATIVE)
    photos = [(jpeg(), "one.jpg"), (jpeg((200, 300)), "two.jpg")]
    with monkeypatch.context() as patch:
        break_it(patch, demo)
        sent = submit_report(client, fields, files=photos)
    assert sent.response.status_code == 500
    assert not sent.receipt_groups and 'class="receipt"' not in sent.page
    assert "it was not saved" in sent.page
    assert NARRATIVE not in sent.page  # an error page echoes nothing the reporter sent
    assert _counts(session) == before
    # The same report goes through once the fault is gone, and only once.
    submit_ok(client, fields, files=photos)
    assert _counts(session) == {
        "reports": 1, "report_key_wraps": 2, "attachments": 2, "outbox_jobs": 1,
    }


def test_a_store_failing_on_the_tick_loses_no_blob(
    demo: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = [(jpeg(), "one.jpg"), (jpeg((200, 300)), "two.jpg")]
    submit_ok(client, report_fields(session, narrative=NARRATIVE), files=photos)
    store = store_of(demo)
    real_put = store.put

    def put(key: str, data: bytes, *, day: Any = None) -> None:
        raise StoreError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(store, "put", put)
        with pytest.raises(StoreError):
            tick(demo)
    assert session.scalar(select(func.count()).select_from(StagedBlob)) == 2
    assert store.put == real_put
    assert tick(demo) == 2
    report = only_report(session)
    assert all(store.exists(a.blob_key) for a in report.attachments)


# --- a real server, a real kill ------------------------------------------------------------


def test_a_worker_killed_mid_upload_leaves_no_half_report(
    demo: Flask, session: Session, config: Config, gunicorn: Server
) -> None:
    fields = report_fields(session, narrative=NARRATIVE)
    headers, body = gunicorn.report_request(fields, [(bytes(6 * 1024 * 1024), "big.jpg")])
    (worker,) = gunicorn.workers()
    upload = socket.create_connection(("127.0.0.1", gunicorn.port), timeout=5)
    head = "POST /report/new HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    upload.sendall(head.encode() + b"\r\n" + body[: len(body) // 2])
    time.sleep(0.5)  # time for the worker to be inside the view, reading the body
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(OSError):
        upload.sendall(body[len(body) // 2 :])
        if not upload.recv(1):
            raise ConnectionResetError("closed without an answer")
    upload.close()
    assert _counts(session) == {
        "reports": 0, "report_key_wraps": 0, "attachments": 0, "outbox_jobs": 0,
    }
    # gunicorn forks a new worker; a whole report sent to it is received whole, once.
    if not gunicorn.healthy(30):
        pytest.skip("no new gunicorn worker within 30 s (machine too busy to judge)")
    assert gunicorn.workers() != [worker]
    status, page = gunicorn.submit(fields, [])
    assert status == 200 and 'class="receipt"' in page, page[-3000:]
    assert _counts(session) == {
        "reports": 1, "report_key_wraps": 2, "attachments": 0, "outbox_jobs": 1,
    }
    opened = open_as_verifier(session, demo, config, only_report(session))
    assert opened.payload["narrative"] == NARRATIVE
