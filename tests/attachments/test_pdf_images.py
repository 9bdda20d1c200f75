"""Images inside PDFs the first cleaner missed: JPEG 2000 boxes, inline JPEGs, and huge object
counts, each as a phone's "scan to PDF" or a hostile sender could make them."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pikepdf
import pytest
from pikepdf import Dictionary, Name, Pdf, Stream
from PIL import Image

from portal.attachments import DamagedFile, PdfTooComplex
from portal.attachments.jp2_boxes import strip_jp2_metadata
from portal.attachments.pdfs import clean_pdf, declared_objects
from tests.attachments.conftest import XMP_PACKET, gps_exif, scene

LIMIT = 10 * 1024 * 1024


def clean(data: bytes) -> bytes:
    return clean_pdf(data, max_stream_bytes=LIMIT)


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", len(body) + 8, kind) + body


def jp2_with_metadata() -> bytes:
    """A JP2 file as a scanning app writes it, plus an XMP box, a UUID box and a comment."""
    buffer = io.BytesIO()
    scene((96, 64)).save(buffer, "JPEG2000")
    data = buffer.getvalue()
    assert data[4:8] == b"jP  "
    # A COM segment in the codestream's main header, right after SIZ.
    at = data.index(b"jp2c") + 4
    siz_end = at + 2 + 2 + struct.unpack(">H", data[at + 4 : at + 6])[0]
    comment = b"\xff\x64" + struct.pack(">HH", 4 + 23, 1) + b"Amina's scanner SN 4471"
    codestream = data[at:siz_end] + comment + data[siz_end:]
    jp2c = _box(b"jp2c", codestream)
    head = data[: at - 8]
    uuid = _box(b"uuid", b"\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac"
                + XMP_PACKET)  # fmt: skip
    return head + _box(b"xml ", XMP_PACKET) + uuid + jp2c


def pdf_with_image(jp2: bytes | None = None, content: bytes = b"") -> bytes:
    pdf = Pdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    if jp2 is not None:
        image = Stream(pdf, jp2)
        image.Type, image.Subtype, image.Filter = Name.XObject, Name.Image, Name.JPXDecode
        image.Width, image.Height = 96, 64
        page.Resources = Dictionary(XObject=Dictionary(Im0=image))
    if content:
        page.Contents = pdf.make_stream(zlib.compress(content), Filter=Name.FlateDecode)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_a_jpeg2000_image_loses_its_xml_uuid_boxes_and_comments_but_not_its_pixels() -> None:
    jp2 = jp2_with_metadata()
    assert b"Amina" in jp2 and b"xml " in jp2
    data = clean(pdf_with_image(jp2))
    with Pdf.open(io.BytesIO(data)) as pdf:
        stripped = pdf.pages[0].obj.Resources.XObject.Im0.read_raw_bytes()
    assert b"Amina" not in stripped and b"xmpmeta" not in stripped
    assert b"xml " not in stripped and b"uuid" not in stripped
    decoded = Image.open(io.BytesIO(stripped))
    decoded.load()
    assert decoded.size == (96, 64)


def test_a_bare_codestream_loses_its_comments() -> None:
    jp2 = jp2_with_metadata()
    codestream = jp2[jp2.index(b"jp2c") + 4 :]
    assert b"Amina" in codestream
    stripped = strip_jp2_metadata(codestream)
    assert b"Amina" not in stripped and stripped.startswith(b"\xff\x4f")


@pytest.mark.parametrize(
    "damaged", [b"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x01\x00jp2c", b"GIF89a"]
)
def test_a_jpeg2000_image_that_does_not_parse_is_refused(damaged: bytes) -> None:
    with pytest.raises(DamagedFile):
        strip_jp2_metadata(damaged)


def inline_jpeg_page(photo_bytes: bytes) -> bytes:
    return (
        b"q 64 0 0 48 10 10 cm\nBI /W 64 /H 48 /CS /RGB /BPC 8 /F /DCT ID "
        + photo_bytes
        + b"\nEI Q\nBT /F1 12 Tf 10 100 Td (caption) Tj ET"
    )


def test_an_inline_jpeg_loses_its_exif_and_gps_and_still_draws(
    photo: Callable[..., bytes],
) -> None:
    jpeg = io.BytesIO()
    scene((64, 48)).save(jpeg, "JPEG", exif=gps_exif(), comment=b"Amina's phone")
    assert b"SecretMake" in jpeg.getvalue()
    data = clean(pdf_with_image(content=inline_jpeg_page(jpeg.getvalue())))
    with Pdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        content = page.obj.Contents.read_bytes()
        assert b"SecretMake" not in content and b"Amina" not in content and b"Exif" not in content
        ops = pikepdf.parse_content_stream(page)
        (inline,) = [op for op in ops if isinstance(op, pikepdf.ContentStreamInlineImage)]
        assert inline.iimage.as_pil_image().size == (64, 48)
        assert [str(op.operator) for op in ops][-3:] == ["Td", "Tj", "ET"]


def test_a_content_stream_under_a_filter_without_a_bounded_decoder_is_refused() -> None:
    pdf = Pdf.new()
    pdf.add_blank_page()
    contents = Stream(pdf, b"\x80\x0b\x60\x50")
    contents.Filter = Name.LZWDecode
    pdf.pages[0].obj.Contents = contents
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    with pytest.raises(DamagedFile):
        clean(buffer.getvalue())


def many_objects(count: int) -> bytes:
    pdf = Pdf.new()
    pdf.add_blank_page()
    pdf.Root.Junk = pdf.make_indirect(
        pikepdf.Array(pdf.make_indirect(Dictionary(N=i)) for i in range(count))
    )
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def test_a_pdf_with_more_objects_than_a_phone_makes_is_refused_unparsed() -> None:
    small = many_objects(500)
    assert 500 <= declared_objects(small) < 1000
    assert clean_pdf(small, max_stream_bytes=LIMIT, max_objects=1000)
    huge = many_objects(30_000)
    assert declared_objects(huge) > 30_000
    with pytest.raises(PdfTooComplex):
        clean_pdf(huge, max_stream_bytes=LIMIT, max_objects=20_000)
    # A trailer that only claims a vast table counts too: qpdf would allocate it.
    claimed = pdf_with_image().replace(b"/Size ", b"/Size 9999999 /Old ", 1)
    with pytest.raises(PdfTooComplex):
        clean_pdf(claimed, max_stream_bytes=LIMIT, max_objects=20_000)
