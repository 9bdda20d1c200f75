# mypy: disable-error-code="no-any-return"
# (flask_babel is untyped: its gettext returns Any; every return here is a translated str.)
"""Translated sentences for what an API client can get wrong, in the request's language.

Where the report form already has a sentence for the same mistake, the API says the same thing
(the msgid is repeated here on purpose, so both read alike and share one translation). Sentences
about the wire format (JSON, base64, parts) are new: a partner's system may show them to the person
who typed the report, so they still say what to do next.
"""

from __future__ import annotations

from flask_babel import gettext

from portal.attachments import AttachmentError
from portal.config import LOCALES
from portal.reporter import messages as form_messages


def missing(field: str) -> str:
    """The report form's sentence for an answer that was left out."""
    if field == "compact":
        return gettext("Choose the country.")
    if field == "happened":
        return gettext("Tick at least one thing that happened.")
    if field == "incident_month":
        return gettext("Choose the month.")
    if field == "region":
        return gettext("Choose the region.")
    if field == "force":
        return gettext("Choose who did it, or \u201cI don't know\u201d.")
    if field == "narrative":
        return gettext("Describe what happened, in a few sentences or more.")
    return gettext("Check this answer and try again.")


def service_refused(field: str, code: str) -> str:
    """`SubmissionInvalid(field, code)` from the reporter service, worded as on the form."""
    if field == "happened" and code == "unknown":
        return unknown_choice()
    return form_messages.field_error("month" if field == "incident_month" else field, code)


def attachment(error: AttachmentError) -> str:
    """Every refused file's sentence, in the order of the files."""
    return " ".join(form_messages.attachment_errors(error))


def body_not_a_report() -> str:
    return gettext(
        "The report could not be read. Send it as one JSON object with the fields described "
        "at /api/v1/openapi.json."
    )


def report_part_missing() -> str:
    return gettext(
        "The report could not be read. Send it as a JSON part named \u201creport\u201d, with "
        "any files as parts named \u201cfiles\u201d."
    )


def not_a_report_field() -> str:
    return gettext(
        "This field is not part of a report. Check its name against the API description and "
        "send the report again."
    )


def files_as_parts() -> str:
    return gettext("In a multipart request, send each file as a part named \u201cfiles\u201d.")


def expected_text() -> str:
    return gettext("Send this answer as text.")


def expected_list_of_text() -> str:
    return gettext("Send this answer as a list of texts.")


def not_unicode() -> str:
    return gettext("This answer contains characters that are not valid text. Type it again.")


def too_long(limit: int) -> str:
    return gettext("Please keep this answer under %(max)d characters.", max=limit)


def narrative_too_long(limit: int) -> str:
    return gettext("Please keep the description under %(max)d characters.", max=limit)


def month_format() -> str:
    return gettext("Give the month as year and month, for example 2026-03.")


def month_too_old(first_year: int) -> str:
    return gettext("Choose a month in %(year)d or later.", year=first_year)


def date_format() -> str:
    return gettext("Give the date as year, month and day, for example 2026-03-14.")


def unknown_choice() -> str:
    return gettext(
        "One of the things you ticked is not in the list. Choose only from the list of what "
        "happened."
    )


def repeated_choice() -> str:
    return gettext("Tick each thing that happened only once.")


def unknown_language() -> str:
    return gettext("Choose one of these languages: %(languages)s.", languages=", ".join(LOCALES))


def file_shape() -> str:
    return gettext(
        "Send each file as an object with its \u201cfilename\u201d and its content in "
        "\u201ccontent_base64\u201d."
    )


def file_not_base64(number: int) -> str:
    return gettext(
        "File %(number)s could not be read. Encode it again as base64, without line breaks, "
        "and send it.",
        number=number,
    )


def file_part_without_name() -> str:
    return gettext("Send each file as a part with a file name.")


def unsupported_media_type() -> tuple[str, str]:
    return (
        gettext("This kind of request is not accepted"),
        gettext(
            "Send the report as application/json, or as multipart/form-data with a JSON part "
            "named \u201creport\u201d."
        ),
    )


def not_received_now() -> tuple[str, str]:
    return (
        gettext("Your report could not be received right now"),
        gettext("Your report was not stored. Please send it again in a few minutes."),
    )


def too_many_reports(wait_seconds: int) -> tuple[str, str]:
    minutes = max(1, -(-wait_seconds // 60))
    return (
        gettext("Too many reports from your network"),
        gettext(
            "Many reports were just sent from your network. Your report was not stored: please "
            "wait %(minutes)s minutes, then send it again.",
            minutes=minutes,
        ),
    )


def idempotency_key_malformed() -> tuple[str, str]:
    return (
        gettext("The Idempotency-Key header cannot be used"),
        gettext(
            "Nothing was stored. An Idempotency-Key has 22 to 255 letters, digits or the signs "
            "- _ . ~ and must be random, such as a new UUID for each report."
        ),
    )


def idempotency_key_reused() -> tuple[str, str]:
    return (
        gettext("This Idempotency-Key was used for another report"),
        gettext(
            "Nothing was stored. Send each new report with a new Idempotency-Key; send the same "
            "key again only with exactly the same report."
        ),
    )
