"""Limits per file and per report, the clean result's shape, and what never leaves memory."""

from __future__ import annotations

import builtins
import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

from portal.attachments import (
    AttachmentError,
    AttachmentLimits,
    CleanAttachment,
    DamagedFile,
    EmptyFile,
    EncryptedPdf,
    FileTooLarge,
    ImageTooLarge,
    ReportTooLarge,
    TooManyFiles,
    UnsupportedType,
    Upload,
    original_filename,
    sanitise_attachment,
    sanitise_report_attachments,
    size_bucket,
)

SMALL = AttachmentLimits(
    max_file_bytes=200_000, max_report_bytes=300_000, max_files=3, max_pixels=10_000_000
)


def test_error_codes_are_stable() -> None:
    # Translation catalogues and API clients key on these; changing one is a breaking change.
    assert {cls.__name__: cls.code for cls in AttachmentError.__subclasses__()} == {
        "FileTooLarge": "file_too_large",
        "ReportTooLarge": "report_too_large",
        "TooManyFiles": "too_many_files",
        "ImageTooLarge": "image_too_large",
        "EmptyFile": "empty_file",
        "UnsupportedType": "unsupported_type",
        "DamagedFile": "damaged_file",
        "EncryptedPdf": "encrypted_pdf",
        "PdfTooComplex": "pdf_too_complex",
        "DecoderBusy": "decoder_busy",
    }
    assert {DamagedFile, EncryptedPdf, ImageTooLarge, UnsupportedType} <= set(
        AttachmentError.__subclasses__()
    )


def test_default_limits_suit_2g_phones() -> None:
    limits = AttachmentLimits()
    assert limits.max_file_bytes == 10 * 1024 * 1024
    assert limits.max_report_bytes == 25 * 1024 * 1024
    assert limits.max_files == 5
    assert limits.max_side_px == 2048


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_files"):
        AttachmentLimits(max_files=0)


def test_file_too_large_names_the_limit(photo: Callable[..., bytes]) -> None:
    big = photo((1200, 900)) + b"\x00" * 200_000
    with pytest.raises(FileTooLarge) as raised:
        sanitise_attachment(Upload("big.jpg", big), SMALL)
    assert raised.value.limit_bytes == 200_000
    assert raised.value.code == "file_too_large"


def test_too_many_files_names_the_limit(photo: Callable[..., bytes]) -> None:
    uploads = [Upload(f"{n}.jpg", photo((40, 30))) for n in range(4)]
    with pytest.raises(TooManyFiles) as raised:
        sanitise_report_attachments(uploads, SMALL)
    assert raised.value.limit == 3


def test_report_too_large_names_the_limit() -> None:
    uploads = [Upload("a.jpg", b"\xff\xd8\xff" + b"\x00" * 190_000)] * 2
    with pytest.raises(ReportTooLarge) as raised:
        sanitise_report_attachments(uploads, SMALL)
    assert raised.value.limit_bytes == 300_000


def test_size_checks_come_before_any_decoding() -> None:
    # The second file is garbage, but the report is refused for its size before anything is read.
    uploads = [Upload("a.pdf", b"%PDF-" + b"\x00" * 190_000), Upload("b.jpg", b"\x00" * 190_000)]
    with pytest.raises(ReportTooLarge):
        sanitise_report_attachments(uploads, SMALL)


def test_failing_file_is_pointed_at_by_position(
    photo: Callable[..., bytes], simple_pdf: Callable[..., bytes]
) -> None:
    uploads = [Upload("ok.jpg", photo((40, 30))), Upload("ok.pdf", simple_pdf()), Upload("e", b"")]
    with pytest.raises(EmptyFile) as raised:
        sanitise_report_attachments(uploads, SMALL)
    assert raised.value.index == 2

    uploads[2] = Upload("run.exe.jpg", b"MZ" + b"\x00" * 100)
    with pytest.raises(UnsupportedType) as unsupported:
        sanitise_report_attachments(uploads, SMALL)
    assert unsupported.value.index == 2


def test_report_comes_back_clean_and_in_order(
    photo: Callable[..., bytes], simple_pdf: Callable[..., bytes]
) -> None:
    cleaned = sanitise_report_attachments(
        [Upload("DCIM/IMG_1.jpg", photo((400, 300))), Upload("letter.pdf", simple_pdf())]
    )
    assert [(c.kind, c.media_type) for c in cleaned] == [
        ("image", "image/jpeg"),
        ("pdf", "application/pdf"),
    ]
    assert [c.original_filename for c in cleaned] == ["IMG_1.jpg", "letter.pdf"]
    assert all(c.size_bucket == "<100KB" for c in cleaned)


def test_clean_attachment_repr_hides_content_and_name(photo: Callable[..., bytes]) -> None:
    result = sanitise_attachment(Upload("Amina_checkpoint.jpg", photo((40, 30))))
    assert isinstance(result, CleanAttachment)
    shown = repr(result)
    assert "Amina" not in shown
    assert "\\x" not in shown and "b'" not in shown
    assert repr(Upload("Amina.jpg", b"secret")) == "Upload()"


@pytest.mark.parametrize(
    ("size", "bucket"),
    [
        (0, "<100KB"),
        (100 * 1024 - 1, "<100KB"),
        (100 * 1024, "100KB-1MB"),
        (1024 * 1024, "1-5MB"),
        (5 * 1024 * 1024 - 1, "1-5MB"),
        (5 * 1024 * 1024, ">5MB"),
    ],
)
def test_size_buckets_are_coarse(size: int, bucket: str) -> None:
    assert size_bucket(size) == bucket


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\amina.h\\Pictures\\IMG_0042.JPG", "IMG_0042.JPG"),
        ("/storage/emulated/0/DCIM/Camera/PXL_2025.jpg", "PXL_2025.jpg"),
        ("report\u202egpj.exe", "reportgpj.exe"),
        ("line\r\nInjected: yes.pdf", "lineInjected: yes.pdf"),
        (
            "\u0646\u0627\u0645\u0647\u200c\u0647\u0627.pdf",
            "\u0646\u0627\u0645\u0647\u200c\u0647\u0627.pdf",
        ),
        ("", ""),
        ("x" * 400 + ".jpg", "x" * 255),
    ],
)
def test_original_filename_keeps_only_the_name(sent: str, kept: str) -> None:
    assert original_filename(sent) == kept


def test_sanitising_never_writes_to_disk(
    monkeypatch: pytest.MonkeyPatch,
    photo: Callable[..., bytes],
    texty_png: bytes,
    scripted_pdf: bytes,
) -> None:
    uploads = [
        Upload("a.jpg", photo((2500, 1800))),
        Upload("b.png", texty_png),
        Upload("c.pdf", scripted_pdf),
    ]
    sanitise_report_attachments(uploads)  # warm up lazy plugin imports first

    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    def no_temp_files(*args: Any, **kwargs: Any) -> Any:
        writes.append("tempfile")
        raise AssertionError("temporary file requested")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in ("mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_temp_files)

    cleaned = sanitise_report_attachments(uploads)

    assert len(cleaned) == 3
    assert writes == []
