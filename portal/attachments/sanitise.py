"""From an upload as received to content that is safe to seal.

The reporter service and the API call `sanitise_report_attachments`; nothing here knows about HTTP.
All work is in memory: unsealed content must never reach the disk, where a seized server or a backup
would keep it.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from portal.attachments.errors import (
    AttachmentError,
    EmptyFile,
    FileTooLarge,
    ReportTooLarge,
    TooManyFiles,
)
from portal.attachments.gate import DecodeGate
from portal.attachments.images import clean_image
from portal.attachments.limits import AttachmentLimits, size_bucket
from portal.attachments.pdfs import clean_pdf
from portal.attachments.sniff import sniff

_MAX_FILENAME_CHARS = 255
# Embeddings, overrides and isolates; the plain direction marks (LRM, RLM) cannot reorder text and
# are common in Arabic-script names.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Upload:
    """A file as the reporter sent it. Its name and declared type decide nothing."""

    filename: str = field(repr=False)
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class CleanAttachment:
    """Content that may be sealed and stored.

    `kind` and `size_bucket` may be kept in clear; `data` and `original_filename` must be sealed.
    Neither appears in `repr`, so a stray log line or traceback cannot carry them.
    """

    kind: Literal["image", "pdf"]
    media_type: str
    data: bytes = field(repr=False)
    size_bucket: str
    original_filename: str = field(repr=False)


def sanitise_report_attachments(
    uploads: Sequence[Upload],
    limits: AttachmentLimits | None = None,
    gate: DecodeGate | None = None,
) -> list[CleanAttachment]:
    """Check the report's limits, then clean every file, in order.

    Cheap checks on counts and sizes all run before any decoding, so an oversized submission costs
    no CPU. Each file is then decoded in a slot of `gate` (at most a few at once per process).
    Every file is tried: the first refused file's error is raised, with its `index` set and the
    other refused files in its `also`.
    """
    limits = limits or AttachmentLimits()
    if len(uploads) > limits.max_files:
        raise TooManyFiles(limit=limits.max_files)
    for index, upload in enumerate(uploads):
        _check_size(upload, limits, index)
    if sum(len(upload.data) for upload in uploads) > limits.max_report_bytes:
        raise ReportTooLarge(limit_bytes=limits.max_report_bytes)
    cleaned = []
    refused: list[AttachmentError] = []
    for index, upload in enumerate(uploads):
        try:
            cleaned.append(sanitise_attachment(upload, limits, gate))
        except AttachmentError as error:
            error.index = index
            refused.append(error)
    if refused:
        first, *others = refused
        first.also = others
        raise first
    return cleaned


def sanitise_attachment(
    upload: Upload, limits: AttachmentLimits | None = None, gate: DecodeGate | None = None
) -> CleanAttachment:
    """Decide the file's kind from its bytes and return a freshly written, metadata-free copy."""
    limits = limits or AttachmentLimits()
    _check_size(upload, limits, index=None)
    kind = sniff(upload.data)
    with gate.slot() if gate is not None else contextlib.nullcontext():
        if kind.is_image:
            image = clean_image(upload.data, kind, limits)
            return _clean_attachment("image", image.media_type, image.data, upload.filename)
        pdf = clean_pdf(
            upload.data, max_stream_bytes=limits.max_file_bytes, max_objects=limits.max_pdf_objects
        )
    return _clean_attachment("pdf", "application/pdf", pdf, upload.filename)


def _check_size(upload: Upload, limits: AttachmentLimits, index: int | None) -> None:
    error: AttachmentError | None = None
    if not upload.data:
        error = EmptyFile()
    elif len(upload.data) > limits.max_file_bytes:
        error = FileTooLarge(limit_bytes=limits.max_file_bytes)
    if error is not None:
        error.index = index
        raise error


def _clean_attachment(
    kind: Literal["image", "pdf"], media_type: str, data: bytes, filename: str
) -> CleanAttachment:
    return CleanAttachment(
        kind=kind,
        media_type=media_type,
        data=data,
        size_bucket=size_bucket(len(data)),
        original_filename=original_filename(filename),
    )


def original_filename(sent: str) -> str:
    r"""The name the reporter gave the file, without any folder path, for sealing.

    Some browsers send the full path (`C:\Users\<name>\Pictures\...`), which names the account
    on the reporter's computer; only the last component is kept. Control characters are dropped so
    the name cannot forge lines in a verifier's tools, and so are bidirectional overrides, which can
    make `photo<RLO>gpj.exe` display as `photoexe.jpg`. Joiners (ZWNJ), which Kurdish and Persian
    spelling needs, are kept.
    """
    name = sent.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        char for char in name if unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS
    )
    return name.strip()[:_MAX_FILENAME_CHARS]
