"""Rewrite a PDF without the parts that identify its author or run code.

Built on pikepdf, a maintained Python binding to qpdf (the PDF structure library used by many
distributions' tooling, fuzzed under OSS-Fuzz). The document is parsed into objects and written out
again, which by itself drops earlier revisions kept by incremental saves (an "edited" PDF can still
contain the text as it was before the edit) and anything appended after the last `%%EOF`.

Removed, because each one can identify a reporter or act against a verifier who opens the file:

- the document information dictionary (Author, Creator, Producer, dates) and every XMP metadata
  stream, document-level and per page, image or font;
- the trailer /ID, which apps derive from the file's path and time and which links the copy here to
  the copy still on the reporter's phone; a fresh one is generated;
- embedded files and associated files (they bypass all the cleaning below), portfolios;
- JavaScript (document-level, /OpenAction, /AA on the document, pages, annotations and form
  fields, outline actions) and XFA forms, which carry their own scripts;
- actions that reach the network or filesystem (URI, Launch, SubmitForm, remote go-to), multimedia:
  a link or form that phones home tells whoever planted it that a verifier opened the report;
- page thumbnails, search indexes, web-capture and private application data (stale copies of
  content);
- the author name and dates on comments (annotations), which PDF apps fill from the phone's
  account name;
- EXIF/XMP/ICC/comment segments of photos embedded as JPEG, XML/UUID boxes and comments of JPEG 2000
  images, and the same in inline JPEG images of content streams, pixels kept (`pdf_images`).

A PDF with more objects than `max_objects` is refused before qpdf parses it: loading costs about a
kilobyte per object, and a 10 MB file can declare hundreds of thousands.

Most of the action and attachment removal is pikepdf's own `pikepdf.sanitize`, so it stays in step
with the library that parses the file.

Everything happens in memory: unsealed content never touches the disk.
"""

from __future__ import annotations

import io
import re
from typing import Final

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, Stream
from pikepdf.sanitize import Sanitizer

from portal.attachments.errors import DamagedFile, EncryptedPdf, PdfTooComplex
from portal.attachments.pdf_images import strip_image_stream, strip_inline_images

_SANITIZER: Final = (
    Sanitizer()
    .remove_javascript()
    .remove_external_access()
    .remove_attachments()
    .remove_thumbnails()
    .remove_search_index()
    .remove_multimedia()
    .remove_web_capture()
    .remove_private_app_data()
    .remove_collection()
)
# Keys removed from every dictionary in the file, wherever it sits.
_METADATA_KEYS: Final = (Name.Metadata, Name.PieceInfo, Name.LastModified)
# Annotation entries naming who commented and when (comment text itself is content and stays).
_ANNOTATION_AUTHOR_KEYS: Final = (Name.T, Name.M, Name.NM, Name.CreationDate)
_INERT_WHEN_FOUND: Final = frozenset(
    {
        Name.JavaScript,
        Name.Launch,
        Name.URI,
        Name.SubmitForm,
        Name.ImportData,
        Name.GoToR,
        Name.GoToE,
        Name.Rendition,
        Name.RichMediaExecute,
    }
)
# Malformed input surfaces from qpdf and pikepdf's object model as any of these.
_PIKEPDF_ERRORS: Final = (pikepdf.PdfError, ValueError, TypeError, KeyError, RuntimeError)


def clean_pdf(data: bytes, *, max_stream_bytes: int, max_objects: int = 20_000) -> bytes:
    """A rewritten copy of the PDF in `data`; `max_stream_bytes` bounds any stream we inflate,
    `max_objects` the objects it may hold (`PdfTooComplex` above it, before any parsing)."""
    if declared_objects(data) > max_objects:
        raise PdfTooComplex(limit_objects=max_objects)
    try:
        pdf = Pdf.open(io.BytesIO(data), conversion_mode="explicit")
    except pikepdf.PasswordError as error:
        raise EncryptedPdf() from error
    except _PIKEPDF_ERRORS as error:
        raise DamagedFile() from error
    with pdf:
        try:
            return _rewrite(pdf, max_stream_bytes)
        except _PIKEPDF_ERRORS as error:
            raise DamagedFile() from error


def _rewrite(pdf: Pdf, max_stream_bytes: int) -> bytes:
    # Also refused when only an owner password is set (it opens, but the sender chose to lock it);
    # the reporter is asked to send an unlocked copy.
    if pdf.is_encrypted:
        raise EncryptedPdf()
    if len(pdf.pages) == 0:
        raise DamagedFile()
    _SANITIZER.apply(pdf)
    for key in (Name.Info, Name.ID):
        if key in pdf.trailer:
            del pdf.trailer[key]
    acroform = pdf.Root.get(Name.AcroForm)
    if isinstance(acroform, Dictionary):
        for key in (Name.XFA, Name.NeedsRendering):
            if key in acroform:
                del acroform[key]
    for obj in pdf.objects:
        _scrub_tree(obj, max_stream_bytes)
    strip_inline_images(pdf, max_stream_bytes)
    out = io.BytesIO()
    pdf.save(
        out,
        # Stream data is copied as stored, never inflated: a few kilobytes of Flate can expand to
        # gigabytes.
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        preserve_pdfa=False,
        fix_metadata_version=False,
    )
    return out.getvalue()


def _scrub_tree(root: Object, max_stream_bytes: int) -> None:
    """Scrub `root` and the direct objects nested in it; indirect ones get their own turn."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Dictionary | Stream):
            _scrub_dictionary(item)
            if isinstance(item, Stream) and item.get(Name.Subtype) == Name.Image:
                strip_image_stream(item, max_stream_bytes)
            children = list(item.values())
        elif isinstance(item, Array):
            children = list(item)
        else:
            continue
        stack.extend(
            child
            for child in children
            if isinstance(child, Dictionary | Array) and not child.is_indirect
        )


def _scrub_dictionary(item: Dictionary | Stream) -> None:
    for key in _METADATA_KEYS:
        if key in item:
            del item[key]
    subtype = item.get(Name.Subtype)
    is_annotation = Name.Rect in item and isinstance(subtype, Name) and subtype != Name.Widget
    if is_annotation or (item.get(Name.Type) == Name.Annot and subtype != Name.Widget):
        for key in _ANNOTATION_AUTHOR_KEYS:
            if key in item:
                del item[key]
    # Belt and braces behind the sanitizer's walk of the known action slots: an action parked
    # anywhere else (an odd name tree, a key some viewer still follows) loses its script, and a
    # script, launch or network action stops being an action at all.
    if Name.JS in item:
        del item[Name.JS]
    action_type = item.get(Name.S)
    if isinstance(action_type, Name) and action_type in _INERT_WHEN_FOUND:
        del item[Name.S]


# Uncompressed object headers ("12 0 obj"), the objects packed in object streams (their /N, an
# over-count where /N means something else, which only errs towards refusing), and the xref's
# declared /Size: the most objects qpdf could be asked to load.
_OBJECT_HEADER: Final = re.compile(rb"\d+\s+\d+\s+obj\b")
_PACKED: Final = re.compile(rb"/N\s+(\d{1,9})\b")
_SIZE: Final = re.compile(rb"/Size\s+(\d{1,9})\b")


def declared_objects(data: bytes) -> int:
    """How many objects the file holds or declares, from its bytes alone (no parsing)."""
    headers = len(_OBJECT_HEADER.findall(data))
    packed = sum(int(n) for n in _PACKED.findall(data)) if b"/ObjStm" in data else 0
    declared = max((int(n) for n in _SIZE.findall(data)), default=0)
    return max(headers + packed, declared)
