"""Attachment sanitising: accept photos and PDFs by their content, hand back metadata-free copies.

A photo's GPS position or a PDF's author field can get a reporter killed, so every accepted file is
decoded and written anew in memory before it is sealed; nothing from the original container is
trusted or kept, and nothing unsealed is written to disk. Pure functions, no Flask: the reporter
service, the API and a worker all call the same code.
"""

from portal.attachments.errors import (
    AttachmentError,
    DamagedFile,
    DecoderBusy,
    EmptyFile,
    EncryptedPdf,
    FileTooLarge,
    ImageTooLarge,
    PdfTooComplex,
    ReportTooLarge,
    TooManyFiles,
    UnsupportedType,
)
from portal.attachments.gate import DecodeGate
from portal.attachments.limits import AttachmentLimits, size_bucket
from portal.attachments.sanitise import (
    CleanAttachment,
    Upload,
    original_filename,
    sanitise_attachment,
    sanitise_report_attachments,
)
from portal.attachments.sniff import ContentType, sniff

__all__ = [
    "AttachmentError",
    "AttachmentLimits",
    "CleanAttachment",
    "ContentType",
    "DamagedFile",
    "DecodeGate",
    "DecoderBusy",
    "EmptyFile",
    "EncryptedPdf",
    "FileTooLarge",
    "ImageTooLarge",
    "PdfTooComplex",
    "ReportTooLarge",
    "TooManyFiles",
    "UnsupportedType",
    "Upload",
    "original_filename",
    "sanitise_attachment",
    "sanitise_report_attachments",
    "size_bucket",
    "sniff",
]
