"""Attachment blob files say no more than the day, and their size no more than a bucket.

A request stages padded blobs with its report; the job tick writes the files, dated to the day.
Two photos a few hundred bytes apart give blob files of one size, so the copy on a seized phone,
cleaned again, no longer matches its blob by size.
"""

from __future__ import annotations

import calendar
import io
import os
import random
import time

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.desk.sealed import open_attachment_content
from portal.domain.models import StagedBlob
from portal.store import FileStore
from portal.store.padding import is_padded, unpad_blob
from tests.reporter.conftest import (
    only_report,
    open_as_verifier,
    report_fields,
    store_of,
    submit_ok,
    tick,
)


def photo(mark: int) -> bytes:
    """The same scene with a mark a few pixels longer: cleaned, a few hundred bytes apart."""
    noise = random.Random(7).randbytes(300 * 240)
    scene = Image.frombytes("L", (300, 240), noise).resize((900, 720)).convert("RGB")
    ImageDraw.Draw(scene).rectangle((10, 10, 10 + mark, 40), fill=(200, 30, 30))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=90)
    return out.getvalue()


def _path(store: FileStore, key: str) -> str:
    return str(store.root / key[:2] / key)


def test_blob_files_are_written_on_the_tick_dated_to_the_day_and_padded(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    submit_ok(client, report_fields(session), files=[(photo(5), "a.jpg"), (photo(80), "b.jpg")])
    report = only_report(session)
    store = store_of(demo)
    assert isinstance(store, FileStore)
    keys = [a.blob_key for a in report.attachments]
    assert not any(os.path.exists(_path(store, k)) for k in keys)
    opened = open_as_verifier(session, demo, config, report)
    # Before the tick the desk reads them from the database.
    sizes = [
        len(open_attachment_content(session, store, report, a.attachment, opened.data_key))
        for a in opened.attachments
    ]
    assert 0 < abs(sizes[0] - sizes[1]) < 1000

    before_tick = time.time()
    assert tick(demo) == 2
    assert session.scalar(select(func.count()).select_from(StagedBlob)) == 0
    midnight = calendar.timegm(report.created_day.timetuple())
    stats = [os.stat(_path(store, k)) for k in keys]
    for stat in stats:
        assert stat.st_mtime == midnight and stat.st_atime == midnight
        # The one time nothing can set is the tick's, never the request's.
        assert stat.st_ctime >= int(before_tick)
        assert stat.st_mode & 0o077 == 0
    assert stats[0].st_size == stats[1].st_size
    for attachment in opened.attachments:
        content = open_attachment_content(
            session, store, report, attachment.attachment, opened.data_key
        )
        assert content[:2] == b"\xff\xd8"


def test_blobs_from_before_padding_are_padded_and_dated_once(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    submit_ok(client, report_fields(session), files=[(photo(5), "a.jpg")])
    tick(demo)
    report = only_report(session)
    (attachment,) = report.attachments
    store = store_of(demo)
    assert isinstance(store, FileStore)
    # As a blob written before this release: unpadded, dated to the second it was written.
    store.put(attachment.blob_key, unpad_blob(store.get(attachment.blob_key)))
    assert not is_padded(store.get(attachment.blob_key))

    runner = demo.test_cli_runner()
    result = runner.invoke(args=["portal", "blobs", "settle", "--existing"])
    assert result.exit_code == 0, result.output
    assert "1 existing blob(s) padded and dated to their day" in result.output
    stat = os.stat(_path(store, attachment.blob_key))
    assert stat.st_mtime == calendar.timegm(report.created_day.timetuple())
    assert is_padded(store.get(attachment.blob_key))
    again = runner.invoke(args=["portal", "blobs", "settle", "--existing"])
    assert "0 existing blob(s) padded and dated to their day, 1 already padded" in again.output
    opened = open_as_verifier(session, demo, config, report)
    assert open_attachment_content(
        session, store, report, opened.attachments[0].attachment, opened.data_key
    )[:2] == b"\xff\xd8"


def test_the_outbox_sweep_is_the_tick_that_moves_them(
    demo: Flask, client: FlaskClient, session: Session
) -> None:
    submit_ok(client, report_fields(session), files=[(photo(5), "a.jpg")])
    result = demo.test_cli_runner().invoke(args=["portal", "outbox", "sweep"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(StagedBlob)) == 0
    (attachment,) = only_report(session).attachments
    assert store_of(demo).exists(attachment.blob_key)
