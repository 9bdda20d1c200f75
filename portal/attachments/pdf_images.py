"""Images inside a PDF keep their pixels and lose their metadata (see `portal/attachments/pdfs.py`).

- Image XObjects in JPEG (`/DCTDecode`): APPn and comment segments dropped (`jpeg_segments`).
- Image XObjects in JPEG 2000 (`/JPXDecode`): XML, UUID, IPR and URL boxes and codestream comments
  dropped (`jp2_boxes`).
- Inline images (`BI … ID … EI` inside content streams) in JPEG: the same JPEG stripping, the
  content stream rewritten around them.

No pixel is decoded; every inflate is bounded. A filter chain around an image that this module
cannot unwrap with a bounded decoder is refused (`DamagedFile`) rather than passed through with
its GPS block.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Final

import pikepdf
from pikepdf import Array, ContentStreamInlineImage, Dictionary, Name, Pdf, Stream

from portal.attachments.errors import DamagedFile
from portal.attachments.jp2_boxes import strip_jp2_metadata
from portal.attachments.jpeg_segments import strip_jpeg_metadata

_DCT_NAMES: Final = frozenset({"/DCTDecode", "/DCT"})


def strip_image_stream(image: Stream, max_stream_bytes: int) -> None:
    """Strip the metadata of one image XObject in place (JPEG and JPEG 2000; others have none
    the format can carry)."""
    chain = _filters(image)
    if Name.JPXDecode in chain:
        if chain != [Name.JPXDecode]:
            raise DamagedFile()
        image.write(strip_jp2_metadata(image.read_raw_bytes()), filter=Name.JPXDecode)
        return
    if Name.DCTDecode not in chain:
        return
    if chain == [Name.DCTDecode]:
        jpeg = image.read_raw_bytes()
    elif chain == [Name.FlateDecode, Name.DCTDecode] and _decode_parms(image, 0) is None:
        jpeg = bounded_inflate(image.read_raw_bytes(), max_stream_bytes)
    else:
        # Other filter chains around a JPEG are not produced by any phone app we know of; without
        # a bounded decoder for them, refusing beats letting a GPS block through.
        raise DamagedFile()
    # The JPEG's own parameters (/ColorTransform) still apply to the stripped stream.
    image.write(
        strip_jpeg_metadata(jpeg),
        filter=Name.DCTDecode,
        decode_parms=_decode_parms(image, len(chain) - 1),
    )


def strip_inline_images(pdf: Pdf, max_stream_bytes: int) -> None:
    """Rewrite every content stream that holds an inline JPEG image, with the image stripped.

    Content streams are pages' /Contents, form XObjects, tiling patterns and Type 3 glyphs.
    """
    for stream in _content_streams(pdf):
        content = _content_bytes(stream, max_stream_bytes)
        if b"BI" not in content or b"ID" not in content:
            continue
        parsed = pikepdf.parse_content_stream(Stream(pdf, content))
        if not any(_is_jpeg_inline(op) for op in parsed):
            continue
        pieces = []
        for op in parsed:
            if _is_jpeg_inline(op):
                assert isinstance(op, ContentStreamInlineImage)
                pieces.append(_stripped_inline(op))
            else:
                pieces.append(pikepdf.unparse_content_stream([op]))
        stream.write(zlib.compress(b"\n".join(pieces)), filter=Name.FlateDecode)


def _is_jpeg_inline(op: object) -> bool:
    if not isinstance(op, ContentStreamInlineImage):
        return False
    filters = [str(f) for f in op.iimage.filters]
    if not _DCT_NAMES & set(filters):
        return False
    if filters not in (["/DCTDecode"], ["/DCT"]):
        raise DamagedFile()  # a chain around an inline JPEG: no bounded way to unwrap it
    return True


def _stripped_inline(op: ContentStreamInlineImage) -> bytes:
    image = op.iimage
    raw = image.read_raw_bytes()
    unparsed = image.unparse()
    # pikepdf writes `BI\n<dictionary>\nID\n<data>EI`; the data is swapped for the stripped JPEG.
    if not unparsed.endswith(raw + b"EI"):
        raise DamagedFile()
    head = unparsed[: len(unparsed) - len(raw) - 2]
    return head + strip_jpeg_metadata(raw.rstrip(b"\r\n\t \x00\x0c")) + b"\nEI"


def _content_streams(pdf: Pdf) -> list[Stream]:
    found: dict[tuple[int, int], Stream] = {}
    for page in pdf.pages:
        contents = page.obj.get(Name.Contents)
        for item in contents if isinstance(contents, Array) else [contents]:
            if isinstance(item, Stream):
                found[item.objgen] = item
    for obj in pdf.objects:
        if isinstance(obj, Stream):
            if obj.get(Name.Subtype) == Name.Form or obj.get(Name.PatternType) == 1:
                found[obj.objgen] = obj
        elif isinstance(obj, Dictionary) and obj.get(Name.Subtype) == Name.Type3:
            procs = obj.get(Name.CharProcs)
            for glyph in procs.values() if isinstance(procs, Dictionary) else ():
                if isinstance(glyph, Stream):
                    found[glyph.objgen] = glyph
    return list(found.values())


def _content_bytes(stream: Stream, max_stream_bytes: int) -> bytes:
    """The decoded content stream, through bounded decoders only: Flate (without predictor),
    ASCII85 and ASCIIHex, which cover what phone apps and office suites write. Any other chain
    (LZW, a predictor) would need an unbounded decoder to be searched: refused."""
    data = stream.read_raw_bytes()
    for position, name in enumerate(_filters(stream)):
        if name == Name.FlateDecode and _decode_parms(stream, position) is None:
            data = bounded_inflate(data, max_stream_bytes)
        elif name == Name.ASCII85Decode:
            data = _ascii85(data)
        elif name == Name.ASCIIHexDecode:
            data = _ascii_hex(data)
        else:
            raise DamagedFile()
    return data


def _ascii85(data: bytes) -> bytes:
    text = b"".join(data.split()).removeprefix(b"<~")
    end = text.find(b"~>")
    try:
        return base64.a85decode(text[:end] if end >= 0 else text)
    except ValueError as error:
        raise DamagedFile() from error


def _ascii_hex(data: bytes) -> bytes:
    text = b"".join(data.split())
    text = text[: text.find(b">")] if b">" in text else text
    try:
        return binascii.unhexlify(text + b"0" * (len(text) % 2))
    except (ValueError, binascii.Error) as error:
        raise DamagedFile() from error


def _filters(stream: Stream) -> list[object]:
    filters = stream.get(Name.Filter)
    if filters is None:
        return []
    return list(filters) if isinstance(filters, Array) else [filters]


def _decode_parms(image: Stream, position: int) -> Dictionary | None:
    """The non-empty decode parameters of the filter at `position`, if any."""
    parms = image.get(Name.DecodeParms)
    if isinstance(parms, Array):
        parms = parms[position] if position < len(parms) else None
    if isinstance(parms, Dictionary) and len(parms.keys()) > 0:
        return parms
    return None


def bounded_inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(data, limit)
    except zlib.error as error:
        raise DamagedFile() from error
    if inflater.unconsumed_tail:
        raise DamagedFile()
    return inflated
