"""Metadata segments leave JPEGs embedded in PDFs; the pixels do not change by a single bit."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from portal.attachments import DamagedFile
from portal.attachments.jpeg_segments import strip_jpeg_metadata


def pixels(jpeg: bytes) -> tuple[str, tuple[int, int], bytes]:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image.mode, image.size, image.tobytes()


@pytest.mark.parametrize(
    "options",
    [{}, {"progressive": True}, {"restart_marker_rows": 1}, {"progressive": True, "quality": 40}],
    ids=["baseline", "progressive", "restart-markers", "progressive-low-quality"],
)
def test_metadata_goes_and_pixels_stay(
    photo: Callable[..., bytes],
    encode: Callable[..., bytes],
    leaks: Callable[[bytes], list[bytes]],
    options: dict[str, Any],
) -> None:
    original = Image.open(io.BytesIO(photo((320, 240))))
    jpeg = encode(
        original,
        "JPEG",
        exif=original.info["exif"],
        icc_profile=original.info["icc_profile"],
        xmp=original.info["xmp"],
        comment=b"Amina",
        **options,
    )
    assert leaks(jpeg)

    stripped = strip_jpeg_metadata(jpeg + b"Amina trailer")

    assert leaks(stripped) == []
    assert pixels(stripped) == pixels(jpeg)
    assert stripped.endswith(b"\xff\xd9")


def test_adobe_colour_segment_is_kept_for_cmyk(encode: Callable[..., bytes]) -> None:
    jpeg = encode(Image.new("CMYK", (32, 32), (10, 200, 30, 5)), "JPEG")
    stripped = strip_jpeg_metadata(jpeg)
    assert b"Adobe" in stripped
    assert pixels(stripped) == pixels(jpeg)


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\xff\xe1\x00\x40short", b"GIF89a"],
    ids=["empty", "only-soi", "cut-length", "cut-segment", "not-jpeg"],
)
def test_malformed_headers_are_damaged(data: bytes) -> None:
    with pytest.raises(DamagedFile):
        strip_jpeg_metadata(data)
