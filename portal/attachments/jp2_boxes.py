"""Drop metadata from a JPEG 2000 image (JP2/JPX file or bare codestream) without re-encoding it.

Used for JPEG 2000 images inside PDFs (`/JPXDecode`): scanning apps and PDF producers store them
as whole JP2 files, whose boxes can carry XML (XMP with the device, the author and GPS), UUID boxes
(more XMP, EXIF), intellectual-property and URL boxes. Only the boxes a decoder needs are kept
(signature, file type, reader requirements, image header and colour boxes, the codestream), and
comment segments are removed from the codestream's main header. Image data is copied byte for
byte. Anything this parser does not understand is refused, never passed through.
"""

from __future__ import annotations

import struct
from typing import Final

from portal.attachments.errors import DamagedFile

_SIGNATURE: Final = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
# Top-level boxes a decoder uses (ISO/IEC 15444-1 Annex I, 15444-2 Annex M); the rest (xml, uuid,
# uinf, jp2i, asoc, lbl, dtbl, ftbl, ...) is metadata, labels or references to other files.
_KEPT_BOXES: Final = frozenset(
    {b"jP  ", b"ftyp", b"rreq", b"jp2h", b"jp2c", b"jpch", b"jplh", b"cgrp", b"opct", b"creg"}
)
_SOC: Final = b"\xff\x4f"
_SOT: Final = 0x90
_COM: Final = 0x64
_SOD_OR_EOC: Final = frozenset({0x93, 0xD9})


def strip_jp2_metadata(data: bytes) -> bytes:
    """`data` without metadata boxes and codestream comments; `DamagedFile` if not parseable."""
    if data.startswith(_SOC):
        return strip_codestream_comments(data)
    if not data.startswith(_SIGNATURE):
        raise DamagedFile()
    out = []
    for box_type, header, body in _boxes(data):
        if box_type not in _KEPT_BOXES:
            continue
        if box_type == b"jp2c":
            body = strip_codestream_comments(body)
            header = _box_header(box_type, len(body), open_ended=header[:4] == bytes(4))
        out.append(header + body)
    return b"".join(out)


def _boxes(data: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(type, header, body) of each top-level box, in order."""
    boxes = []
    at = 0
    while at < len(data):
        if at + 8 > len(data):
            raise DamagedFile()
        length, box_type = struct.unpack_from(">I4s", data, at)
        header_size = 8
        if length == 1:
            if at + 16 > len(data):
                raise DamagedFile()
            (length,) = struct.unpack_from(">Q", data, at + 8)
            header_size = 16
        elif length == 0:
            length = len(data) - at
        if length < header_size or at + length > len(data):
            raise DamagedFile()
        boxes.append((box_type, data[at : at + header_size], data[at + header_size : at + length]))
        at += length
    return boxes


def _box_header(box_type: bytes, body_size: int, *, open_ended: bool) -> bytes:
    if open_ended:
        return bytes(4) + box_type
    if body_size + 8 <= 0xFFFFFFFF:
        return struct.pack(">I4s", body_size + 8, box_type)
    return struct.pack(">I4sQ", 1, box_type, body_size + 16)


def strip_codestream_comments(codestream: bytes) -> bytes:
    """The codestream without COM segments in its main header (where encoders name themselves
    and apps write free text); tile data is copied as is."""
    if not codestream.startswith(_SOC):
        raise DamagedFile()
    out = [_SOC]
    at = 2
    while True:
        if at + 4 > len(codestream) or codestream[at] != 0xFF:
            raise DamagedFile()
        marker = codestream[at + 1]
        if marker == _SOT or marker in _SOD_OR_EOC:
            out.append(codestream[at:])
            return b"".join(out)
        (length,) = struct.unpack_from(">H", codestream, at + 2)
        if length < 2 or at + 2 + length > len(codestream):
            raise DamagedFile()
        if marker != _COM:
            out.append(codestream[at : at + 2 + length])
        at += 2 + length
