"""Reading a report sent to the API into the same `Submission` the report form builds.

Two bodies are accepted: one JSON object with files in base64, or a multipart body with the same
object as a JSON part named `report` and each file as a part named `files`. This module checks
only the shape of the answers (types, formats, lengths); what they mean (a compact that takes
reports, a region of its country, no future dates) is checked by `submit_report`, exactly as for
the form. Exceptions raised here carry translated sentences, never a value that was sent: their
text could end up in a log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import re
from collections.abc import Mapping
from io import BytesIO
from typing import IO

from werkzeug.datastructures import FileStorage, MultiDict

from portal.api import messages
from portal.attachments import Upload
from portal.config import LOCALES
from portal.domain.catalogue import FORCE_BRANCHES, reporter_choices
from portal.domain.models import Channel
from portal.reporter.forms import NARRATIVE_MAX, SHORT_MAX
from portal.reporter.service import Submission

REPORT_FIELDS: tuple[str, ...] = (
    "compact",
    "happened",
    "incident_month",
    "exact_date",
    "region",
    "force",
    "narrative",
    "place",
    "unit",
    "contact",
    "language",
)
FILES = "files"
REPORT_PART = "report"
FILENAME_MAX = 255
# The report form offers this year and the five before it; the API takes the same months.
YEARS_BACK = 5

# Patterns the OpenAPI document states too (portal/api/openapi.py), so clients can check first.
COMPACT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
REGION_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{1,3}$"
# Years 1900 to 2999 and real month numbers: the document and the server refuse the same strings
# ("0000-00" once passed the document and was refused here).
MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
CHOICE_KEYS: tuple[str, ...] = tuple(choice.key for choice in reporter_choices())
BRANCH_KEYS: tuple[str, ...] = tuple(branch.key for branch in FORCE_BRANCHES)

_COMPACT_ID = re.compile(COMPACT_ID_PATTERN)
_REGION = re.compile(REGION_PATTERN)
_MONTH = re.compile(MONTH_PATTERN)
_DATE = re.compile(DATE_PATTERN)
# Field names are echoed back as keys of `errors` only when they look like field names; anything
# else (long, binary, odd) is reported under `body` so a response never mirrors arbitrary input.
_ECHOABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_CHOICES = frozenset(CHOICE_KEYS)
_BRANCHES = frozenset(BRANCH_KEYS)


class BodyUnreadable(Exception):
    """The body is not a report at all (not JSON, not an object, no `report` part): 400."""

    def __init__(self, message: str) -> None:
        super().__init__("body unreadable")
        self.message = message


class AnswersInvalid(Exception):
    """The body is a report, but answers are missing or malformed: 422, one sentence a field."""

    def __init__(self, errors: dict[str, str], codes: dict[str, str]) -> None:
        super().__init__("invalid: " + ", ".join(sorted(codes)))
        self.errors = errors
        self.codes = codes


def json_object(data: bytes | str) -> Mapping[str, object]:
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        # `from None`: a decoding error quotes the bytes it choked on.
        raise BodyUnreadable(messages.body_not_a_report()) from None
    if not isinstance(body, dict):
        raise BodyUnreadable(messages.body_not_a_report())
    return body


def read_json(body: Mapping[str, object], *, language: str, today_: dt.date) -> Submission:
    reader = _Reader(body)
    reader.refuse_unknown(allowed=(*REPORT_FIELDS, FILES))
    uploads = reader.base64_files()
    return reader.submission(uploads, language=language, today_=today_)


def read_multipart(
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage],
    *,
    language: str,
    today_: dt.date,
) -> Submission:
    texts = form.getlist(REPORT_PART)
    parts = files.getlist(REPORT_PART)
    if len(texts) + len(parts) != 1:
        raise BodyUnreadable(messages.report_part_missing())
    if parts:
        try:
            text = parts[0].read().decode("utf-8")
        except UnicodeDecodeError:
            raise BodyUnreadable(messages.body_not_a_report()) from None
    else:
        text = texts[0]
    reader = _Reader(json_object(text))
    if FILES in reader.body:
        reader.refuse(FILES, "not_allowed", messages.files_as_parts())
    reader.refuse_unknown(allowed=REPORT_FIELDS)
    for name in {*form.keys(), *files.keys()} - {REPORT_PART, FILES}:
        reader.refuse(_echoable(name), "not_allowed", messages.not_a_report_field())
    if form.getlist(FILES):
        reader.refuse(FILES, "type", messages.file_part_without_name())
    uploads = [
        Upload(part.filename or "", data)
        for part in files.getlist(FILES)
        # An empty, nameless part is what a form sends when no file was chosen.
        if (data := part.read()) or part.filename
    ]
    return reader.submission(uploads, language=language, today_=today_)


def in_memory_stream(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    """Where the multipart parser puts each file: memory, never a temporary file.

    Werkzeug's default spools parts over 500 KB to disk, unencrypted, where a seized or shared
    server would keep the photo after the request. The body limit bounds what this holds.
    """
    return BytesIO()


class _Reader:
    def __init__(self, body: Mapping[str, object]) -> None:
        self.body = body
        self.errors: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def refuse(self, field: str, code: str, message: str) -> None:
        self.errors.setdefault(field, message)
        self.codes.setdefault(field, code)

    def refuse_unknown(self, *, allowed: tuple[str, ...]) -> None:
        for name in self.body:
            if name not in allowed:
                self.refuse(_echoable(name), "not_allowed", messages.not_a_report_field())

    def submission(self, uploads: list[Upload], *, language: str, today_: dt.date) -> Submission:
        compact = self.text("compact", required=True)
        if compact and not _COMPACT_ID.fullmatch(compact):
            self.refuse("compact", "unknown", messages.service_refused("compact", "unknown"))
        choices = self.choices()
        month = self.month(today_)
        exact_date = self.exact_date()
        region = self.text("region", required=True)
        if region and not _REGION.fullmatch(region):
            self.refuse(
                "region", "not_in_country", messages.service_refused("region", "not_in_country")
            )
        force = self.text("force", required=True)
        if force and force not in _BRANCHES:
            self.refuse("force", "unknown", messages.service_refused("force", "unknown"))
        narrative = self.text("narrative", required=True, limit=NARRATIVE_MAX)
        place = self.text("place", limit=SHORT_MAX)
        unit = self.text("unit", limit=SHORT_MAX)
        contact = self.text("contact", limit=SHORT_MAX)
        chosen_language = language
        if self.body.get("language") is not None:
            chosen_language = self.text("language")
        if chosen_language not in LOCALES:
            self.refuse("language", "unknown", messages.unknown_language())
        if self.errors or month is None:
            raise AnswersInvalid(self.errors, self.codes)
        return Submission(
            compact_public_id=compact,
            choice_keys=choices,
            incident_month=month,
            region=region,
            force_branch=force,
            narrative=narrative,
            language=chosen_language,
            channel=Channel.API,
            exact_date=exact_date,
            place=place,
            unit=unit,
            contact=contact,
            uploads=uploads,
        )

    def text(self, field: str, *, limit: int | None = None, required: bool = False) -> str:
        value = self.body.get(field)
        if value is None:
            if required:
                self.refuse(field, "required", messages.missing(field))
            return ""
        if not isinstance(value, str):
            self.refuse(field, "type", messages.expected_text())
            return ""
        if not _is_unicode(value):
            self.refuse(field, "invalid", messages.not_unicode())
            return ""
        if limit is not None and len(value) > limit:
            message = (
                messages.narrative_too_long(limit)
                if field == "narrative"
                else messages.too_long(limit)
            )
            self.refuse(field, "too_long", message)
            return ""
        if required and not value.strip():
            self.refuse(field, "required", messages.missing(field))
        return value

    def choices(self) -> tuple[str, ...]:
        value = self.body.get("happened")
        if value is None or value == []:
            self.refuse("happened", "required", messages.missing("happened"))
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.refuse("happened", "type", messages.expected_list_of_text())
            return ()
        if not all(key in _CHOICES for key in value):
            self.refuse("happened", "unknown", messages.unknown_choice())
            return ()
        if len(set(value)) != len(value):
            self.refuse("happened", "repeated", messages.repeated_choice())
            return ()
        return tuple(value)

    def month(self, today_: dt.date) -> dt.date | None:
        text = self.text("incident_month", required=True, limit=7)
        if not text:
            return None
        month = None
        if _MONTH.fullmatch(text):
            with contextlib.suppress(ValueError):
                month = dt.date(int(text[:4]), int(text[5:]), 1)
        if month is None:
            self.refuse("incident_month", "format", messages.month_format())
            return None
        first_year = today_.year - YEARS_BACK
        if month.year < first_year:
            self.refuse("incident_month", "too_old", messages.month_too_old(first_year))
            return None
        return month

    def exact_date(self) -> dt.date | None:
        text = self.text("exact_date", limit=10)
        if not text:
            return None
        day = None
        if _DATE.fullmatch(text):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(text)
        if day is None:
            self.refuse("exact_date", "format", messages.date_format())
        return day

    def base64_files(self) -> list[Upload]:
        value = self.body.get(FILES)
        if value is None:
            return []
        if not isinstance(value, list):
            self.refuse(FILES, "type", messages.file_shape())
            return []
        uploads = []
        for number, item in enumerate(value, start=1):
            if not (
                isinstance(item, dict)
                and set(item) == {"filename", "content_base64"}
                and isinstance(item["filename"], str)
                and isinstance(item["content_base64"], str)
            ):
                self.refuse(FILES, "type", messages.file_shape())
                return []
            name, content = item["filename"], item["content_base64"]
            if not _is_unicode(name):
                self.refuse(FILES, "invalid", messages.not_unicode())
                return []
            if len(name) > FILENAME_MAX:
                self.refuse(FILES, "too_long", messages.too_long(FILENAME_MAX))
                return []
            try:
                data = base64.b64decode(content.encode("ascii"), validate=True)
            except (UnicodeEncodeError, binascii.Error):
                self.refuse(FILES, "not_base64", messages.file_not_base64(number))
                return []
            uploads.append(Upload(name, data))
        return uploads


def _is_unicode(text: str) -> bool:
    # A lone surrogate ("\ud800") is valid JSON but not text; sealing would fail on it later.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _echoable(name: str) -> str:
    return name if _ECHOABLE_NAME.fullmatch(name) else "body"
