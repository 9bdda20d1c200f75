"""Drop metadata segments from a JPEG stream without re-encoding it.

Used for photos embedded inside PDFs: a phone's "scan to PDF" or "photo to PDF" usually stores the
camera JPEG untouched, EXIF GPS block included. Re-encoding would cost a generation of quality in a
document that may be read for small print, and the pixels do not need to change: only the
application segments (APP0-APP15: JFIF/EXIF thumbnails, EXIF, XMP, ICC, IPTC/Photoshop, maker
data) and comments carry metadata. The entropy-coded image data is copied byte for byte.
"""

from __future__ import annotations

from typing import Final

from portal.attachments.errors import DamagedFile

_SOI: Final = 0xD8
_EOI: Final = 0xD9
_SOS: Final = 0xDA
_APP14: Final = 0xEE
_COM: Final = 0xFE
# Markers that stand alone, without a length field.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})


def strip_jpeg_metadata(jpeg: bytes) -> bytes:
    """`jpeg` without APPn and COM segments; anything after the end-of-image marker is dropped."""
    if jpeg[:2] != bytes((0xFF, _SOI)):
        raise DamagedFile()
    out = [jpeg[:2]]
    size = len(jpeg)
    i = 2
    while True:
        if i >= size or jpeg[i] != 0xFF:
            raise DamagedFile()
        while i < size and jpeg[i] == 0xFF:  # fill bytes may pad any marker
            i += 1
        if i >= size:
            raise DamagedFile()
        marker = jpeg[i]
        i += 1
        if marker == _EOI:
            # Trailing data (Samsung trailers, a motion photo's video) is not part of the image.
            out.append(bytes((0xFF, _EOI)))
            return b"".join(out)
        if marker in _STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        if i + 2 > size:
            raise DamagedFile()
        length = int.from_bytes(jpeg[i : i + 2], "big")
        if length < 2 or i + length > size:
            raise DamagedFile()
        segment = jpeg[i : i + length]
        i += length
        if _is_metadata(marker, segment):
            continue
        out.append(bytes((0xFF, marker)) + segment)
        if marker == _SOS:
            scan_end = _end_of_scan(jpeg, i)
            out.append(jpeg[i:scan_end])
            if scan_end == size:
                # Truncated after the image data, as some encoders leave it; viewers cope.
                out.append(bytes((0xFF, _EOI)))
                return b"".join(out)
            i = scan_end


def _is_metadata(marker: int, segment: bytes) -> bool:
    if marker == _COM:
        return True
    if marker == _APP14:
        # The Adobe segment says how colour was transformed (decoding CMYK and some RGB JPEGs
        # depends on it) and holds no free text.
        return segment[2:7] != b"Adobe"
    return 0xE0 <= marker <= 0xEF


def _end_of_scan(jpeg: bytes, start: int) -> int:
    """Where the entropy-coded data after a start-of-scan ends: at the next real marker."""
    position = start
    while True:
        position = jpeg.find(b"\xff", position)
        if position < 0 or position + 1 >= len(jpeg):
            return len(jpeg)
        following = jpeg[position + 1]
        # 0xFF00 is an escaped data byte, 0xFFD0-D7 restart markers, 0xFFFF fill.
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1
            continue
        return position
