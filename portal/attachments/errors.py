"""Why an attachment was refused.

Each error carries a stable `code` (for the API and for translation catalogues) and the limit it
broke, so the web layer can say "each file may be at most 10 MB" in the reporter's language instead
of a bare "invalid file". Messages never name the file: a filename can identify a reporter, and
exception text ends up in logs.
"""

from __future__ import annotations

from typing import ClassVar


class AttachmentError(Exception):
    """An upload that cannot be accepted as evidence."""

    code: ClassVar[str] = "attachment_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Position of the file in the report's upload list (0-based), set by the report-level check
        # so the form can point at the right field; None when a single file was checked.
        self.index: int | None = None
        # The report's other refused files, each with its own index: every refused file gets its
        # own message, not only the first.
        self.also: list[AttachmentError] = []


class FileTooLarge(AttachmentError):
    code = "file_too_large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"file is larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class ReportTooLarge(AttachmentError):
    code = "report_too_large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"attachments together are larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class TooManyFiles(AttachmentError):
    code = "too_many_files"

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} files")
        self.limit = limit


class ImageTooLarge(AttachmentError):
    """Too many pixels: a decompression bomb, or a photo far beyond what a phone takes."""

    code = "image_too_large"

    def __init__(self, limit_pixels: int) -> None:
        super().__init__(f"image has more than {limit_pixels} pixels")
        self.limit_pixels = limit_pixels


class EmptyFile(AttachmentError):
    code = "empty_file"

    def __init__(self) -> None:
        super().__init__("file is empty")


class UnsupportedType(AttachmentError):
    """The content is not one of the accepted kinds, whatever its name or declared type says.

    `detected` names a few refused kinds a reporter can act on ("heic": change the camera to its
    most compatible format; "office": save the document as PDF); it is None otherwise.
    """

    code = "unsupported_type"

    def __init__(self, detected: str | None = None) -> None:
        super().__init__("file type is not accepted" + (f" ({detected})" if detected else ""))
        self.detected = detected


class DamagedFile(AttachmentError):
    code = "damaged_file"

    def __init__(self) -> None:
        super().__init__("file is damaged or incomplete")


class EncryptedPdf(AttachmentError):
    """Password-protected: its content cannot be inspected, so it cannot be cleaned."""

    code = "encrypted_pdf"

    def __init__(self) -> None:
        super().__init__("PDF is password-protected")


class PdfTooComplex(AttachmentError):
    """More objects than any document a phone makes: refused before it is parsed."""

    code = "pdf_too_complex"

    def __init__(self, limit_objects: int) -> None:
        super().__init__(f"PDF has more than {limit_objects} objects")
        self.limit_objects = limit_objects


class DecoderBusy(AttachmentError):
    """Every decode slot stayed busy: the file was not looked at; sending it again will work."""

    code = "decoder_busy"

    def __init__(self) -> None:
        super().__init__("no decode slot came free in time")
