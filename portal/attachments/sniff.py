"""Decide what a file is from its first bytes.

The filename and the client's Content-Type are chosen by whoever sends the request, so they decide
nothing: an executable renamed `photo.jpg` or an HTML page sent as `image/png` must be refused. Only
a handful of kinds are accepted, each decoded afterwards by one named decoder (never by a library's
guess, which for Pillow could mean handing an EPS file to Ghostscript).
"""

from __future__ import annotations

import enum

from portal.attachments.errors import EmptyFile, UnsupportedType


class ContentType(enum.Enum):
    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    HEIC = "heic"
    PDF = "pdf"

    @property
    def is_image(self) -> bool:
        return self is not ContentType.PDF


# ISO 32000 readers accept the header anywhere in the first 1024 bytes, and some scanner software
# writes junk before it. Accepting such files is safe because the PDF is rewritten from its parsed
# objects and whatever came before the header is not copied.
_PDF_HEADER_WINDOW = 1024

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})

# Leading entry names of ZIP containers that are office documents (OOXML, OpenDocument).
_OFFICE_ZIP_ENTRIES = (b"[Content_Types].xml", b"mimetype", b"_rels/", b"docProps/", b"word/")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt


def sniff(data: bytes) -> ContentType:
    """The accepted kind of `data`, or `UnsupportedType`."""
    if not data:
        raise EmptyFile()
    if data.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ContentType.PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ContentType.GIF
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ContentType.WEBP
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return ContentType.PDF
    if data[4:8] == b"ftyp":
        return _iso_media(data)
    raise UnsupportedType(_refused_kind(data))


def _iso_media(data: bytes) -> ContentType:
    """HEIC photos share the ISO base media container with AVIF and with MP4 video."""
    box_size = int.from_bytes(data[:4], "big")
    end = min(max(box_size, 16), len(data), 4096)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _AVIF_BRANDS:
        raise UnsupportedType("avif")
    if brands & (_HEIF_BRANDS | _GENERIC_HEIF_BRANDS):
        return ContentType.HEIC
    raise UnsupportedType("audio_video")


def _refused_kind(data: bytes) -> str | None:
    if data.startswith(_OLE_MAGIC):
        return "office"
    if data.startswith(b"PK\x03\x04"):
        name_length = int.from_bytes(data[26:28], "little")
        first_entry = data[30 : 30 + name_length]
        if first_entry.startswith(_OFFICE_ZIP_ENTRIES):
            return "office"
    return None
