"""What a reporter wrote never rests anywhere a copy of the server would show it (DESIGN §2, §5).

A report goes through the real form carrying a distinct canary in every sealed field, in the
attachment's name and metadata, and in a follow-up reply (with the client's address and agent in
the request); then the whole database, the instance folder, Redis and every log line are searched.
The same canaries are read back by the demo verifier, so a test that found nothing because nothing
was stored would fail.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from redis import Redis
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.config import Config
from portal.desk.sealed import open_attachment_content
from portal.domain.models import ThrottleCounter
from portal.limits import bucket_key, counter_key
from tests.conftest import form_token
from tests.reporter.at_rest import LogCapture, everything_at_rest, leaks
from tests.reporter.conftest import (
    jpeg,
    only_report,
    open_as_verifier,
    open_followup,
    reply,
    report_fields,
    store_of,
    submit_ok,
)

NARRATIVE = "CANARY-NARR-7f3a"
ARABIC = "كناري-سرد-٧٣"
CONTACT = "CANARY-CONT-4b21"
UNIT = "CANARY-UNIT-9c0e"
PLACE = "CANARY-PLACE-12d8"
EXACT_DATE = "2026-01-13"
FILE = "CANARY-FILE-91bd"
EXIF = "CANARY-EXIF-5a7c"
COMMENT = "CANARY-JCOM-0e44"
REPLY = "CANARY-REPLY-66f1"
REPLY_FILE = "CANARY-RFILE-3d9a"
CLIENT_IP = "203.0.113.199"
FORWARDED_IP = "198.51.100.143"
AGENT = "CanaryPhone/9.9 (CANARY-UA-88aa)"

SEALED = (NARRATIVE, ARABIC, CONTACT, UNIT, PLACE, EXACT_DATE, FILE, REPLY, REPLY_FILE)
STRIPPED = (EXIF, COMMENT)
CLIENT = (CLIENT_IP, FORWARDED_IP, "CANARY-UA-88aa")

REQUEST: dict[str, Any] = {
    "environ_base": {"REMOTE_ADDR": CLIENT_IP},
    "headers": {"X-Forwarded-For": f"{FORWARDED_IP}, {CLIENT_IP}", "User-Agent": AGENT},
}


def _tagged_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = EXIF  # ImageDescription
    exif[0x013B] = EXIF  # Artist
    exif[0x8825] = {1: "N", 2: (33.0, 18.0, 45.5), 3: "E", 4: (44.0, 22.0, 1.0)}
    return jpeg((640, 480), exif=exif, comment=COMMENT.encode())


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# Built at import, before any test lowers the log level: Pillow logs EXIF values at DEBUG when it
# writes them, and this is the test's doing, not the portal's.
PHOTO = _tagged_photo()
REPLY_PNG = _png()


def test_no_canary_or_client_address_at_rest_yet_the_verifier_reads_them_all(
    demo: Flask,
    client: FlaskClient,
    session: Session,
    config: Config,
    logs: LogCapture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    photo = PHOTO
    assert EXIF.encode() in photo and COMMENT.encode() in photo, "the upload carries its canaries"
    fields = report_fields(
        session,
        narrative=f"At the bridge checkpoint {NARRATIVE}, officers took money. {ARABIC}",
        contact=f"Signal {CONTACT}",
        unit=f"Brigade {UNIT}",
        place=f"Near {PLACE}",
        exact_date=EXACT_DATE,
    )
    sent = submit_ok(
        client, fields, files=[(photo, f"{FILE}.jpg")], **REQUEST
    )
    assert open_followup(client, sent.receipt, **REQUEST).status_code == 302
    page = client.get("/report/followup", **REQUEST).get_data(as_text=True)
    assert NARRATIVE in page, "the reporter reads their own report back"
    answered = reply(
        client, f"More details: {REPLY}", [(REPLY_PNG, f"{REPLY_FILE}.png")], **REQUEST
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)[:2000]

    report = only_report(session)
    opened = open_as_verifier(session, demo, config, report)
    read_back = "\n".join(
        [
            *(str(v) for v in opened.payload.values()),
            *(a.filename for a in opened.attachments),
            *(m.body for m in opened.messages),
        ]
    )
    for canary in SEALED:
        assert canary in read_back, f"the verifier cannot read {canary} back"
    for canary in STRIPPED:
        assert canary not in read_back
    contents = [
        open_attachment_content(session, store_of(demo), report, a.attachment, opened.data_key)
        for a in opened.attachments
    ]
    assert len(contents) == 2 and all(contents)
    for content in contents:
        assert EXIF.encode() not in content and COMMENT.encode() not in content

    places = everything_at_rest(config)
    assert any(name.startswith("file blobs") for name, _ in places), "the blob store was searched"
    receipt = (sent.receipt, " ".join(sent.receipt_groups))
    assert leaks(places, SEALED + STRIPPED + CLIENT + receipt) == []
    logged = [("captured log", logs.text.encode()), ("caplog", caplog.text.encode())]
    assert "POST /report/new 303" in logs.text, "the request log itself must be working"
    # The photo's own metadata in the log is the next test's subject.
    assert leaks(logged, SEALED + CLIENT + receipt) == []


def test_a_photo_s_metadata_never_reaches_the_log_even_at_debug(
    demo: Flask, client: FlaskClient, session: Session, logs: LogCapture
) -> None:
    submit_ok(client, report_fields(session), files=[(PHOTO, "photo.jpg")])
    assert "POST /report/new 303" in logs.text
    assert leaks([("captured log", logs.text.encode())], STRIPPED) == []


def _stamps(start: dt.datetime, end: dt.datetime, slots: Iterable[int] = ()) -> list[str]:
    """Minute stamps from a minute before `start` to a minute after `end` (naive UTC), in UTC and
    in the local zone (whole minutes: a stray microsecond would shift every local stamp).

    A minute in which a slot of the `slots` lengths ends is searched to the second instead, bar
    the boundary instant itself (hh:mm:00.000000): a clock-aligned counter expiry rests as that
    instant, which says only which slot something fell in.
    """
    offset = dt.timedelta(minutes=round((dt.datetime.now() - _now()).total_seconds() / 60))
    windows = list(slots)
    stamps = []
    moment = start.replace(second=0, microsecond=0) - dt.timedelta(minutes=1)
    while moment <= end + dt.timedelta(minutes=1):
        boundary = any(_epoch(moment) % window == 0 for window in windows)
        for shown in (moment, moment + offset):
            for minute in (f"{shown:%Y-%m-%dT%H:%M}", f"{shown:%Y-%m-%d %H:%M}"):
                if not boundary:
                    stamps.append(minute)
                    continue
                stamps += [f"{minute}:{second:02d}" for second in range(1, 60)]
                stamps += [f"{minute}:00.{digit}" for digit in "123456789"]
        moment += dt.timedelta(minutes=1)
    return stamps


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def test_the_submit_time_rests_nowhere_more_precise_than_the_day(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    if session.get_bind().dialect.name == "sqlite":
        # Old WAL frames may hold staff timestamps (sign-ins) from tests run a moment ago.
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()
    started = _now()
    submit_ok(client, report_fields(session), files=[(jpeg(), "photo.jpg")])
    ended = _now()
    limits = config.submission_limits
    slots = (limits.network_window_seconds, limits.session_window_seconds)
    assert leaks(everything_at_rest(config), _stamps(started, ended, slots)) == []


def _counters_at_rest(config: Config) -> dict[str, int]:
    """Every rate-limit counter in Redis and in the database: its name and its expiry (Unix s)."""
    found: dict[str, int] = {}
    if config.redis_url:
        redis = Redis.from_url(config.redis_url)
        for key in redis.scan_iter("cw:limit:*"):
            found[key.decode().removeprefix("cw:limit:")] = int(redis.expiretime(key))
    engine = create_engine(config.database_url)
    try:
        with engine.connect() as connection:
            for name, expires_at in connection.execute(
                select(ThrottleCounter.key, ThrottleCounter.expires_at)
            ):
                found[name] = _epoch(expires_at)
    finally:
        engine.dispose()
    return found


def _day_key_at_rest(config: Config, day: dt.date) -> bytes:
    """The day's counter key, read where it rests (Redis, or a row of the counters table)."""
    if config.redis_url:
        stored = Redis.from_url(config.redis_url).get(f"cw:limit-key:{day.isoformat()}")
        assert stored, "no counter key for the day in Redis"
        return stored
    prefix = f"day-key:{day.isoformat()}:"
    rows = [name for name in _counters_at_rest(config) if name.startswith(prefix)]
    assert len(rows) == 1, rows
    return bytes.fromhex(rows[0].removeprefix(prefix))


def test_the_rate_limit_counters_reveal_neither_address_nor_submit_time(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()
    started = _now()
    submit_ok(client, report_fields(session), environ_base={"REMOTE_ADDR": CLIENT_IP})
    ended = _now()
    limits = config.submission_limits
    windows = {
        "submit-network": limits.network_window_seconds,
        "submit-session": limits.session_window_seconds,
    }
    counters = _counters_at_rest(config)
    counted = {
        name: expiry for name, expiry in counters.items() if name.startswith(tuple(windows))
    }
    assert sorted(name.split(":")[0] for name in counted) == sorted(windows), counters

    # Named under the day's random key, not the server's SECRET_KEY, and cut to a bucket: one
    # name stands for 2^(32 - bits) IPv4 addresses, so holding the day's key confirms no address.
    day = ended.date()
    network = bucket_key(_day_key_at_rest(config, day), "submit-network", CLIENT_IP, 16)
    assert limits.bucket_bits == 16 and network in counted
    assert len(network.split(":")[1]) == 4
    places = everything_at_rest(config)
    guesses = [
        counter_key(config.secret_key.encode(), "submit-network", f"{when}|{CLIENT_IP}")
        for when in (day.isoformat(), dt.date.today().isoformat())
    ] + [counter_key(config.secret_key.encode(), "submit-network", CLIENT_IP)]
    assert leaks(places, [g.split(":", 1)[1] for g in guesses]) == [], "SECRET_KEY confirms it"

    # Each expiry is the end of the clock slot the submission fell in, not submit time + window.
    for name, expiry in counted.items():
        window = windows[name.split(":")[0]]
        assert expiry % window == 0, f"{name} expires at {expiry}, not a slot boundary"
        assert _epoch(started) < expiry <= _epoch(ended) + window
    late = dt.timedelta(seconds=1)
    stamps = [
        stamp
        for window in windows.values()
        for stamp in _stamps(
            started + window * late, ended + window * late, slots=windows.values()
        )
    ]
    assert leaks(places, stamps) == [], "an expiry gives the submit time away"


class _DiskWrites:
    """Files opened for writing, seen through Python's audit hooks (os.open, open, tempfile)."""

    def __init__(self) -> None:
        self.armed = False
        self.paths: list[str] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.armed or event != "open":
            return
        path, mode, flags = args
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR)
        )
        if writing:
            self.paths.append(str(path))


_WATCH = _DiskWrites()


def test_an_unsealed_upload_never_touches_the_disk(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    noise = Image.effect_noise((1400, 1000), 90).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    photo = out.getvalue()
    assert len(photo) > 600 * 1024
    fields = {**report_fields(session), **form_token(client, "/report/new")}
    fields["files"] = FileStorage(io.BytesIO(photo), "big.jpg", content_type="image/jpeg")
    boundary, body = encode_multipart(fields)  # encoded here, so the client writes nothing
    _WATCH.paths.clear()
    _WATCH.armed = True
    try:
        response = client.post(
            "/report/new",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            follow_redirects=True,
        )
    finally:
        _WATCH.armed = False
    assert response.status_code == 200 and 'class="receipt"' in response.get_data(as_text=True)
    blobs = str(config.blob_path)
    assert [p for p in _WATCH.paths if not p.startswith(blobs)] == []
