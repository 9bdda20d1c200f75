# mypy: disable-error-code="no-any-return"
# (flask_babel is untyped: its gettext returns Any; every return here is a translated str.)
"""Translated sentences for what can go wrong with a report, naming limits where there are any."""

from __future__ import annotations

from flask_babel import format_decimal, gettext

from portal.attachments import AttachmentError


def megabytes(n_bytes: int) -> str:
    return gettext("%(size)s MB", size=format_decimal(n_bytes / (1024 * 1024), format="#,##0.#"))


def attachment_errors(error: AttachmentError) -> list[str]:
    """One sentence for each refused file of the report (the error and its `also`)."""
    return [attachment_error(each) for each in (error, *error.also)]


def attachment_error(error: AttachmentError) -> str:
    number = (error.index or 0) + 1
    code = error.code
    if code == "file_too_large":
        return gettext(
            "File %(number)s is larger than %(limit)s. Choose a smaller file, or send it later "
            "from the follow-up page.",
            number=number,
            limit=megabytes(getattr(error, "limit_bytes", 0)),
        )
    if code == "report_too_large":
        return gettext(
            "Together your files are larger than %(limit)s. Send fewer files now and add the rest "
            "later from the follow-up page.",
            limit=megabytes(getattr(error, "limit_bytes", 0)),
        )
    if code == "too_many_files":
        return gettext(
            "You can attach up to %(limit)s files to one report. Choose fewer files, and add the "
            "rest later from the follow-up page.",
            limit=format_decimal(getattr(error, "limit", 0)),
        )
    if code == "image_too_large":
        return gettext(
            "Picture %(number)s is too big to process (more than %(limit)s megapixels). Take a "
            "smaller photo or a screenshot of it.",
            number=number,
            limit=format_decimal(getattr(error, "limit_pixels", 0) // 1_000_000),
        )
    if code == "unsupported_type":
        return gettext(
            "File %(number)s is not a photo or a PDF document. Only JPEG, PNG, WebP and GIF "
            "pictures and PDF documents are accepted.",
            number=number,
        )
    if code == "encrypted_pdf":
        return gettext(
            "File %(number)s is a PDF protected by a password. Remove the password or send a "
            "photo of the pages instead.",
            number=number,
        )
    if code == "pdf_too_complex":
        return gettext(
            "File %(number)s is a PDF too complex to check safely. Save or print it again as a "
            "simpler PDF, or send photos of its pages instead.",
            number=number,
        )
    if code == "decoder_busy":
        return gettext(
            "File %(number)s could not be checked because the server is busy. Everything you "
            "typed is kept: choose the file again and send in a minute.",
            number=number,
        )
    if code == "empty_file":
        return gettext("File %(number)s is empty. Choose the file again.", number=number)
    return gettext(
        "File %(number)s is damaged and cannot be opened. Choose it again, or send a photo "
        "of it instead.",
        number=number,
    )


def field_error(field: str, code: str) -> str:
    if field == "region":
        return gettext("Choose a region in the country you chose.")
    if field == "compact":
        return gettext("Choose one of the countries in the list.")
    if field in {"month", "exact_date"}:
        return gettext("The date cannot be in the future.")
    if field == "happened":
        return gettext("Tick at least one thing that happened.")
    if field == "force":
        return gettext("Choose who did it, or “Someone else, or I don't know”.")
    return gettext("Check this answer and try again.")
