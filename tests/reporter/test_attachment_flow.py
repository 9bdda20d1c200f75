"""Attachments through the real form: what the verifier gets, what is refused and how it is said.

A refused file must cost the reporter nothing but the file: the text they typed over a slow
connection comes back in the page, and the reason is a sentence in their language that names the
limit they hit. Expected sentences come from `portal/reporter/messages.py` rendered for the locale,
and must differ from the English (a missing translation falls back to English silently); the
msgid itself must have an entry in the Arabic catalogue.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import portal.reporter.messages
from portal.attachments import (
    AttachmentError,
    AttachmentLimits,
    FileTooLarge,
    ReportTooLarge,
    UnsupportedType,
)
from portal.config import Config
from portal.desk.sealed import open_attachment_content
from portal.domain.models import Attachment, Report
from portal.reporter.messages import attachment_error
from tests.conftest import form_token
from tests.reporter.conftest import (
    jpeg,
    only_report,
    open_as_verifier,
    report_fields,
    run_demo,
    store_of,
    submit_ok,
    submit_report,
    translated,
)
from tests.reporter.server import Server

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(2000)
TYPED = {
    "narrative": "They stopped the minibus at the bridge and beat the driver for an hour.",
    "place": "the old bridge checkpoint",
    "unit": "the men in grey",
    "contact": "ask for Umm Ali at the bakery",
}


def _message(app: Flask, lang: str, error: AttachmentError) -> str:
    error.index = 0
    with app.test_request_context(f"/report/new?lang={lang}"):
        return attachment_error(error)


def _msgid(error: AttachmentError, monkeypatch: pytest.MonkeyPatch) -> str:
    """The catalogue key `attachment_error` looks up for `error`, read off the real code."""
    with monkeypatch.context() as patch:
        patch.setattr(portal.reporter.messages, "gettext", lambda msgid, **_values: msgid)
        return attachment_error(error)


def _gps_photo(size: tuple[int, int]) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretMake"
    exif[0x0132] = "2026:01:13 09:26:53"
    exif[0x8825] = {1: "N", 2: (33.0, 18.0, 45.5), 3: "E", 4: (44.0, 22.0, 1.0), 6: 34.0}
    photo = jpeg(size, exif=exif)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825), "the upload carries GPS"
    return photo


def test_a_gps_photo_reaches_the_verifier_without_metadata_and_downscaled(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    submit_ok(client, report_fields(session), files=[(_gps_photo((3000, 2000)), "IMG_0042.jpg")])
    report = only_report(session)
    opened = open_as_verifier(session, demo, config, report)
    assert [(a.filename, a.media_type) for a in opened.attachments] == [
        ("IMG_0042.jpg", "image/jpeg")
    ]
    content = open_attachment_content(
        session, store_of(demo), report, opened.attachments[0].attachment, opened.data_key
    )
    image = Image.open(io.BytesIO(content))
    assert max(image.size) <= config.attachments.max_side_px == 2048
    assert image.size == (2048, 1365)
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(0x8825) == {}
    assert "exif" not in image.info
    assert b"Exif\x00" not in content and b"SecretMake" not in content


def _blob_count(config: Config) -> int:
    return sum(1 for p in config.blob_path.rglob("*") if p.is_file())


def _assert_nothing_stored(session: Session, config: Config, blobs_before: int) -> None:
    session.expire_all()
    assert session.scalar(select(func.count(Report.id))) == 0
    assert session.scalar(select(func.count(Attachment.id))) == 0
    assert _blob_count(config) == blobs_before


def _assert_form_kept(page: str) -> None:
    for value in TYPED.values():
        assert value in page, f"the form lost {value!r}"
    assert '<option value="IQ-BG" selected>' in page
    assert 'value="police" checked' in page or 'checked id="force-1"' in page


def test_a_renamed_executable_is_refused_and_the_form_is_kept(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    before = _blob_count(config)
    sent = submit_report(client, report_fields(session, **TYPED), files=[(ELF, "photo.jpg")])
    assert sent.response.status_code == 400
    assert not sent.receipt_groups
    assert _message(demo, "en", UnsupportedType()) in sent.page
    _assert_form_kept(sent.page)
    _assert_nothing_stored(session, config, before)


def test_each_refused_file_gets_its_own_message_and_the_form_is_kept(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    """A decompression bomb and a renamed program in one report: the photo between them is
    fine, both refused files are named, and nothing typed is lost."""
    import struct
    import zlib

    row = b"\x00" * 7001
    body = zlib.compress(row * 16, 9)  # 16 rows of a PNG declaring 7000 x 7000
    header = struct.pack(">IIBBBBB", 7000, 7000, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    signature = b"\x89PNG\r\n\x1a\n"
    bomb = signature + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    before = _blob_count(config)
    sent = submit_report(
        client,
        report_fields(session, **TYPED),
        files=[(bomb, "bomb.png"), (jpeg(), "fine.jpg"), (ELF, "photo.jpg")],
    )
    assert sent.response.status_code == 400
    assert not sent.receipt_groups
    assert "Picture 1 is too big to process" in sent.page
    assert "File 3 is not a photo or a PDF document" in sent.page
    assert "File 2" not in sent.page
    _assert_form_kept(sent.page)
    _assert_nothing_stored(session, config, before)


def test_a_renamed_executable_is_refused_in_arabic(
    demo: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    translated(_msgid(UnsupportedType(), monkeypatch), "ar")
    sent = submit_report(
        client, report_fields(session, **TYPED), files=[(ELF, "photo.jpg")], lang="ar"
    )
    assert sent.response.status_code == 400
    _assert_form_kept(sent.page)
    arabic = _message(demo, "ar", UnsupportedType())
    assert arabic != _message(demo, "en", UnsupportedType()), "no Arabic for this sentence"
    assert arabic in sent.page


LIMIT = 1024 * 1024


@pytest.fixture
def small_app(config: Config) -> Flask:
    """An app taking at most 1 MB a file and 2 MB a report, with the demo seeded."""
    from portal import create_app

    limited = dataclasses.replace(
        config,
        attachments=AttachmentLimits(max_file_bytes=LIMIT, max_report_bytes=2 * LIMIT, max_files=3),
    )
    app = create_app(limited)
    run_demo(app)
    return app


def _oversize(
    small_app: Flask, session: Session, lang: str
) -> tuple[str, int, Callable[[str], str]]:
    big = jpeg((64, 48)) + bytes(LIMIT + 200_000)  # refused on its size before any decoding
    client = small_app.test_client()
    sent = submit_report(
        client, report_fields(session, **TYPED), files=[(big, "big.jpg")], lang=lang
    )

    def message(locale: str) -> str:
        return _message(small_app, locale, FileTooLarge(limit_bytes=LIMIT))

    return sent.page, sent.response.status_code, message


def test_an_over_size_file_is_refused_naming_the_limit_and_the_form_is_kept(
    small_app: Flask, session: Session, config: Config
) -> None:
    before = _blob_count(config)
    page, status, message = _oversize(small_app, session, "en")
    assert status == 400
    assert "1 MB" in message("en"), message("en")
    assert message("en") in page
    _assert_form_kept(page)
    _assert_nothing_stored(session, config, before)


def test_an_over_size_file_is_refused_in_arabic_naming_the_limit(
    small_app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    translated(_msgid(FileTooLarge(limit_bytes=LIMIT), monkeypatch), "ar")
    page, status, message = _oversize(small_app, session, "ar")
    assert status == 400
    _assert_form_kept(page)
    assert message("ar") != message("en"), "no Arabic for this sentence"
    assert "1" in message("ar") and message("ar") in page


def test_files_over_the_report_limit_are_refused_naming_it_and_the_form_is_kept(
    small_app: Flask, session: Session, config: Config
) -> None:
    before = _blob_count(config)
    photos = [(jpeg((64, 48)) + bytes(LIMIT - 10_000), f"{n}.jpg") for n in range(3)]
    sent = submit_report(small_app.test_client(), report_fields(session, **TYPED), files=photos)
    assert sent.response.status_code == 400 and not sent.receipt_groups
    expected = _message(small_app, "en", ReportTooLarge(limit_bytes=2 * LIMIT))
    assert "2 MB" in expected and expected in sent.page
    _assert_form_kept(sent.page)
    _assert_nothing_stored(session, config, before)


def test_a_body_far_over_the_report_limit_is_refused_naming_the_limit(
    small_app: Flask, session: Session, config: Config
) -> None:
    # Past MAX_CONTENT_LENGTH the body is never read, so nothing typed can come back; the page
    # must at least say what the limit is.
    before = _blob_count(config)
    huge = jpeg((64, 48)) + bytes(7 * LIMIT)
    fields = report_fields(session, **TYPED)
    sent = submit_report(small_app.test_client(), fields, [(huge, "a.jpg")])
    assert sent.response.status_code == 413 and not sent.receipt_groups
    assert "smaller than 2 MB" in sent.page
    _assert_nothing_stored(session, config, before)


def _browser_body(fields: dict[str, Any], file_name: str, content: bytes) -> tuple[str, bytes]:
    """A multipart body as browsers write it: the filename quoted, backslashes left as they are."""
    boundary = "----CompactWatchBoundary7MA4YWxk"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return boundary, b"".join(parts) + f"--{boundary}--\r\n".encode()


def test_a_windows_folder_path_never_reaches_the_sealed_filename(
    demo: Flask, client: FlaskClient, session: Session, config: Config
) -> None:
    fields = {**report_fields(session), **form_token(client, "/report/new")}
    boundary, body = _browser_body(fields, r"C:\Users\Amina Hassan\Pictures\photo.jpg", jpeg())
    response = client.post(
        "/report/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=True,
    )
    assert response.status_code == 200 and 'class="receipt"' in response.get_data(as_text=True)
    opened = open_as_verifier(session, demo, config, only_report(session))
    (name,) = [a.filename for a in opened.attachments]
    # Werkzeug drops the backslashes before the portal sees the name, so the folder cannot be cut
    # cleanly; what matters is that the account name is not sealed into what verifiers read.
    assert name.endswith(".jpg")
    assert "Amina" not in name and "Users" not in name and "Pictures" not in name


def test_a_freshly_started_server_accepts_a_photo(session: Session, gunicorn: Server) -> None:
    status, page = gunicorn.submit(report_fields(session), [(jpeg(), "photo.jpg")])
    assert status == 200 and 'class="receipt"' in page, page[-1500:]
