"""Builders for the files reporters send, each loaded with the metadata that must not survive."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, Pdf, Stream, String
from PIL import Image, ImageCms, PngImagePlugin

# Byte strings that appear in the uploads below and must not appear in anything we hand back.
LEAK_MARKERS: tuple[bytes, ...] = (
    b"SecretMake",
    b"SecretModel",
    b"Amina",
    b"xmpmeta",
    b"acsp",  # ICC profile signature
    b"Exif\x00",
    b"Photoshop 3.0",
    b"tracker.example",
    b"app.alert",
)

XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
    b"Amina Reporter</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def leaked(data: bytes) -> list[bytes]:
    return [marker for marker in LEAK_MARKERS if marker in data]


@pytest.fixture
def leaks() -> Callable[[bytes], list[bytes]]:
    return leaked


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretMake"
    exif[0x0110] = "SecretModel"
    exif[0x013B] = "Amina Reporter"  # Artist
    exif[0x0132] = "2025:03:14 09:26:53"  # DateTime
    if orientation is not None:
        exif[0x0112] = orientation
    # GPS IFD: 33°18'45.5" N, 44°22'1" E (Baghdad), altitude 34 m.
    exif[0x8825] = {
        1: "N",
        2: (33.0, 18.0, 45.5),
        3: "E",
        4: (44.0, 22.0, 1.0),
        5: b"\x00",
        6: 34.0,
    }
    return exif


def srgb_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def scene(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A deterministic picture with detail, so encoders produce realistic sizes."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    blue = red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = Image.merge("RGB", (red, green, blue))
    return image.convert(mode) if mode != "RGB" else image


def with_app_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """`jpeg` with an APPn segment spliced in right after the start-of-image marker."""
    segment = bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


IPTC_SEGMENT = (
    b"Photoshop 3.0\x00"
    + b"8BIM\x04\x04\x00\x00"
    + b"\x00\x00\x00\x12"
    + (
        b"\x1c\x02\x50\x00\x0eAmina Reporter"  # IPTC By-line
    )
)


def make_photo(
    size: tuple[int, int] = (3000, 2000),
    *,
    orientation: int | None = None,
    mode: str = "RGB",
    trailer: bytes = b"",
) -> bytes:
    """A phone-camera JPEG: EXIF with GPS, XMP, ICC, IPTC, a comment, maybe trailing data."""
    buffer = io.BytesIO()
    scene(size, mode).save(
        buffer,
        "JPEG",
        quality=90,
        exif=gps_exif(orientation),
        comment=b"Amina's phone",
        icc_profile=srgb_icc(),
        xmp=XMP_PACKET,
    )
    return with_app_segment(buffer.getvalue(), 0xED, IPTC_SEGMENT) + trailer


@pytest.fixture
def photo() -> Callable[..., bytes]:
    return make_photo


@pytest.fixture
def webp_photo() -> bytes:
    buffer = io.BytesIO()
    scene((1600, 1200)).save(
        buffer, "WEBP", quality=80, exif=gps_exif(), icc_profile=srgb_icc(), xmp=XMP_PACKET
    )
    return buffer.getvalue()


@pytest.fixture
def encode() -> Callable[..., bytes]:
    """Any Pillow image in any format, with whatever save options a test needs."""

    def build(image: Image.Image, fmt: str, **options: Any) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()

    return build


@pytest.fixture
def texty_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Amina Reporter")
    info.add_text("Comment", "Amina compressed", zip=True)
    info.add_itxt("Description", "Amina international", lang="ar", tkey="Amina")
    buffer = io.BytesIO()
    scene((640, 480)).save(buffer, "PNG", pnginfo=info, exif=gps_exif(), icc_profile=srgb_icc())
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_chunk_types(data: bytes) -> list[bytes]:
    types, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        types.append(data[position + 4 : position + 8])
        position += 12 + length
    return types


@pytest.fixture
def chunk_types() -> Callable[[bytes], list[bytes]]:
    return png_chunk_types


@pytest.fixture
def png_bomb() -> Callable[..., bytes]:
    """A greyscale PNG of zeros: a few hundred kilobytes that decode to width x height bytes.

    `rows` encodes fewer rows than declared, for a header that only claims a size.
    """

    def build(width: int, height: int, rows: int | None = None) -> bytes:
        compressor = zlib.compressobj(9)
        row = b"\x00" * (width + 1)  # filter byte + pixels
        encoded_rows = height if rows is None else rows
        body = b"".join(compressor.compress(row) for _ in range(encoded_rows))
        body += compressor.flush()
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", body)
            + png_chunk(b"IEND", b"")
        )

    return build


def _js(script: str) -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(script))


def make_scripted_pdf() -> bytes:
    """A PDF carrying every kind of identifying or active content the cleaner must remove."""
    pdf = Pdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    page = pdf.pages[0]
    photo = make_photo((120, 80))
    image = Stream(pdf, photo)
    image.Type = Name.XObject
    image.Subtype = Name.Image
    image.Width, image.Height = 120, 80
    image.ColorSpace = Name.DeviceRGB
    image.BitsPerComponent = 8
    image.Filter = Name.DCTDecode
    page.obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q 120 0 0 80 10 10 cm /Im0 Do Q")
    page.obj.Metadata = pdf.make_stream(XMP_PACKET)
    page.obj.AA = Dictionary(O=_js("app.alert('page opened')"))

    pdf.docinfo[Name.Author] = "Amina Reporter"
    pdf.docinfo[Name.Creator] = "SecretMake scanner app"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Amina Reporter"]
    pdf.Root.OpenAction = _js("app.alert('opened')")
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("init"), _js("app.alert('named')")]))
    )
    pdf.attachments["names.txt"] = pikepdf.AttachedFileSpec(pdf, b"Amina's list of witnesses")

    comment = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Text,
        Rect=Array([10, 200, 40, 230]),
        T=String("Amina Reporter"),
        M=String("D:20250314092653+03'00'"),
        Contents=String("the convoy passed here"),
        AA=Dictionary(E=_js("app.alert('hover')")),
    )
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array([10, 150, 100, 170]),
        A=Dictionary(S=Name.URI, URI=String("https://tracker.example/beacon")),
    )
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("witness_count"),
            Rect=Array([10, 100, 100, 120]),
            AA=Dictionary(K=_js("app.alert('keystroke')")),
        )
    )
    page.obj.Annots = Array([pdf.make_indirect(comment), link, field])
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([field]),
        XFA=pdf.make_stream(b"<xdp><script>app.alert('xfa')</script></xdp>"),
    )
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()


@pytest.fixture
def scripted_pdf() -> bytes:
    return make_scripted_pdf()


@pytest.fixture
def simple_pdf() -> Callable[..., bytes]:
    def build(encryption: pikepdf.Encryption | None = None) -> bytes:
        pdf = Pdf.new()
        pdf.add_blank_page()
        pdf.docinfo[Name.Author] = "Amina Reporter"
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=encryption or False)
        return buffer.getvalue()

    return build


def pdf_content(data: bytes) -> bytes:
    """The file's bytes plus every stream decoded: markers hidden by compression show up too."""
    parts = [data]
    with Pdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, Stream):
                try:
                    parts.append(obj.read_bytes(pikepdf.StreamDecodeLevel.generalized))
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"".join(parts)


@pytest.fixture
def pdf_bytes_and_streams() -> Callable[[bytes], bytes]:
    return pdf_content
