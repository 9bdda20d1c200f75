"""PDFs are rewritten without metadata, scripts, embedded files or author traces."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, Pdf, Stream
from PIL import Image

from portal.attachments import (
    AttachmentLimits,
    DamagedFile,
    EncryptedPdf,
    Upload,
    sanitise_attachment,
)


def clean(data: bytes, name: str = "statement.pdf") -> bytes:
    result = sanitise_attachment(Upload(name, data), AttachmentLimits())
    assert (result.kind, result.media_type) == ("pdf", "application/pdf")
    return result.data


def test_scripted_pdf_loses_metadata_scripts_attachments_and_authors(
    scripted_pdf: bytes,
    pdf_bytes_and_streams: Callable[[bytes], bytes],
    leaks: Callable[[bytes], list[bytes]],
) -> None:
    before = pdf_bytes_and_streams(scripted_pdf)
    assert {b"Amina", b"xmpmeta", b"Exif\x00", b"app.alert", b"tracker.example"} <= set(
        leaks(before)
    )
    assert b"JavaScript" in before

    data = clean(scripted_pdf)

    after = pdf_bytes_and_streams(data)
    assert leaks(after) == []
    assert b"JavaScript" not in after
    with Pdf.open(io.BytesIO(data)) as pdf:
        assert Name.Info not in pdf.trailer
        assert not {Name.Metadata, Name.OpenAction, Name.AA} & set(pdf.Root.keys())
        assert Name.JavaScript not in pdf.Root.Names
        assert Name.EmbeddedFiles not in pdf.Root.Names
        assert len(pdf.attachments) == 0
        assert Name.XFA not in pdf.Root.AcroForm
        page = pdf.pages[0].obj
        assert Name.Metadata not in page
        assert Name.AA not in page
        comment, link, field = page.Annots
        assert Name.T not in comment and Name.M not in comment
        assert str(comment.Contents) == "the convoy passed here"  # content stays
        assert Name.A not in link
        assert Name.AA not in field
        assert str(field.T) == "witness_count"  # a form field's name is not an author


def test_actions_hidden_outside_the_usual_slots_are_made_inert(
    simple_pdf: Callable[..., bytes],
) -> None:
    with Pdf.open(io.BytesIO(simple_pdf())) as pdf:
        pdf.Root.Hidden = Array(
            [
                Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert(1)")),
                Dictionary(S=Name.Launch, F=pikepdf.String("cmd.exe")),
                Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit])),
            ]
        )
        buffer = io.BytesIO()
        pdf.save(buffer)

    with Pdf.open(io.BytesIO(clean(buffer.getvalue()))) as pdf:
        script, launch, goto = pdf.Root.Hidden
        assert Name.JS not in script and Name.S not in script
        assert Name.S not in launch
        assert Name.GoTo == goto.S  # internal navigation is harmless and kept


def test_embedded_photo_keeps_its_pixels_but_not_its_exif(scripted_pdf: bytes) -> None:
    data = clean(scripted_pdf)
    with Pdf.open(io.BytesIO(data)) as pdf:
        image = pdf.pages[0].obj.Resources.XObject.Im0
        jpeg = image.read_raw_bytes()
    assert b"Exif" not in jpeg and b"acsp" not in jpeg and b"Amina" not in jpeg
    decoded = Image.open(io.BytesIO(jpeg))
    decoded.load()
    assert decoded.size == (120, 80)
    assert len(decoded.getexif()) == 0


def test_photo_inside_a_flate_wrapper_is_cleaned_too(photo: Callable[..., bytes]) -> None:
    import zlib

    pdf = Pdf.new()
    pdf.add_blank_page()
    image = Stream(pdf, zlib.compress(photo((64, 48))))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height, image.BitsPerComponent = 64, 48, 8
    image.ColorSpace = Name.DeviceRGB
    image.Filter = Array([Name.FlateDecode, Name.DCTDecode])
    image.DecodeParms = Array([None, Dictionary(ColorTransform=1)])
    pdf.pages[0].obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
    buffer = io.BytesIO()
    pdf.save(buffer)

    data = clean(buffer.getvalue())

    with Pdf.open(io.BytesIO(data)) as cleaned:
        stream = cleaned.pages[0].obj.Resources.XObject.Im0
        jpeg = stream.read_raw_bytes()
        assert stream.Filter == Name.DCTDecode
        assert stream.DecodeParms.ColorTransform == 1  # colour decoding is unchanged
    assert b"SecretMake" not in jpeg
    assert Image.open(io.BytesIO(jpeg)).size == (64, 48)


def test_document_id_is_replaced(simple_pdf: Callable[..., bytes]) -> None:
    original = simple_pdf()
    with Pdf.open(io.BytesIO(original)) as pdf:
        original_id = bytes(pdf.trailer.ID[0])
    with Pdf.open(io.BytesIO(clean(original))) as pdf:
        assert bytes(pdf.trailer.ID[0]) != original_id


def test_junk_before_the_header_is_not_carried_over(simple_pdf: Callable[..., bytes]) -> None:
    data = clean(b"<html>Amina</html>\n" + simple_pdf())
    assert data.startswith(b"%PDF-")
    assert b"Amina" not in data


@pytest.mark.parametrize("user_password", ["open-sesame", ""], ids=["user", "owner-only"])
def test_encrypted_pdf_is_refused(simple_pdf: Callable[..., bytes], user_password: str) -> None:
    locked = simple_pdf(pikepdf.Encryption(owner="owner-secret", user=user_password))
    with pytest.raises(EncryptedPdf) as raised:
        clean(locked)
    assert raised.value.code == "encrypted_pdf"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\nthis is not a document", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"],
    ids=["garbage", "no-pages"],
)
def test_damaged_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(DamagedFile):
        clean(data)
