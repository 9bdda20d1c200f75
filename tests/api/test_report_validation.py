"""A report the API cannot take is refused field by field, in the request's language, and
nothing is stored."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain.models import Report
from portal.reporter.forms import NARRATIVE_MAX, SHORT_MAX
from tests.api.conftest import ApiClient, compact_of

NEXT_YEAR = dt.date.today().year + 1
# The server's day is UTC's; a reporter may be a day ahead of it (see latest_local_day).
UTC_TODAY = dt.datetime.now(dt.UTC).date()
TWO_DAYS_AHEAD = UTC_TODAY + dt.timedelta(days=2)
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def refused(
    api: ApiClient, body: dict[str, Any], status: int = 422, **kwargs: Any
) -> tuple[dict[str, str], dict[str, str]]:
    response = api.post("/api/v1/reports", json=body, **kwargs)
    assert response.status_code == status, response.get_json()
    answer = response.get_json()
    return answer["errors"], answer["codes"]


def nothing_stored(session: Session) -> bool:
    session.expire_all()
    return session.scalar(select(func.count(Report.id))) == 0


LIST_OF_COUNTRIES = "Choose one of the countries in the list."
NOT_IN_LIST = (
    "One of the things you ticked is not in the list. Choose only from the list of what happened."
)
MONTH_FORMAT = "Give the month as year and month, for example 2026-03."
DATE_FORMAT = "Give the date as year, month and day, for example 2026-03-14."
FUTURE = "The date cannot be in the future."
REGION = "Choose a region in the country you chose."
FILE_SHAPE = "Send each file as an object with its “filename” and its content in “content_base64”."
NOT_A_FIELD = (
    "This field is not part of a report. Check its name against the API description and send "
    "the report again."
)
NOT_A_PICTURE = (
    "File 1 is not a photo or a PDF document. Only JPEG, PNG, WebP and GIF pictures and PDF "
    "documents are accepted."
)
BROKEN_BASE64 = (
    "File 2 could not be read. Encode it again as base64, without line breaks, and send it."
)
TEXTS = "Send this answer as a list of texts."
WHO = "Choose who did it, or “Someone else, or I don't know”."
PNG = {"filename": "a.png", "content_base64": b64(PNG_1PX)}

# (what to change — `None` leaves the field out —, the field blamed, its code, the English text)
CASES: list[tuple[dict[str, Any], str, str, str]] = [
    ({"compact": None}, "compact", "required", "Choose the country."),
    ({"compact": "no-such-compact"}, "compact", "unknown", LIST_OF_COUNTRIES),
    ({"compact": "../../etc"}, "compact", "unknown", LIST_OF_COUNTRIES),
    ({"compact": 7}, "compact", "type", "Send this answer as text."),
    ({"happened": []}, "happened", "required", "Tick at least one thing that happened."),
    ({"happened": "IC-1.checkpoint-money"}, "happened", "type", TEXTS),
    ({"happened": ["IC-1.bribe-everyone"]}, "happened", "unknown", NOT_IN_LIST),
    ({"happened": ["IC-1.checkpoint-money"] * 2}, "happened", "repeated",
     "Tick each thing that happened only once."),
    ({"incident_month": None}, "incident_month", "required", "Choose the month."),
    ({"incident_month": "2026/01"}, "incident_month", "format", MONTH_FORMAT),
    ({"incident_month": "2026-13"}, "incident_month", "format", MONTH_FORMAT),
    ({"incident_month": "２０２６-01"}, "incident_month", "format", MONTH_FORMAT),
    ({"incident_month": f"{NEXT_YEAR}-02"}, "incident_month", "future", FUTURE),
    ({"incident_month": "2001-01"}, "incident_month", "too_old",
     f"Choose a month in {dt.date.today().year - 5} or later."),
    ({"exact_date": "14/01/2026"}, "exact_date", "format", DATE_FORMAT),
    ({"exact_date": "2026-02-30"}, "exact_date", "format", DATE_FORMAT),
    ({"exact_date": TWO_DAYS_AHEAD.isoformat()}, "exact_date", "future", FUTURE),
    ({"region": None}, "region", "required", "Choose the region."),
    ({"region": "NE-1"}, "region", "not_in_country", REGION),
    ({"region": "Baghdad"}, "region", "not_in_country", REGION),
    ({"force": "navy"}, "force", "unknown", WHO),
    ({"force": None}, "force", "required", "Choose who did it, or “I don't know”."),
    ({"narrative": "   \n "}, "narrative", "required",
     "Describe what happened, in a few sentences or more."),
    ({"narrative": "x" * (NARRATIVE_MAX + 1)}, "narrative", "too_long",
     f"Please keep the description under {NARRATIVE_MAX} characters."),
    ({"place": "p" * (SHORT_MAX + 1)}, "place", "too_long",
     f"Please keep this answer under {SHORT_MAX} characters."),
    ({"unit": ["Brigade 3"]}, "unit", "type", "Send this answer as text."),
    ({"contact": "\ud800"}, "contact", "invalid",
     "This answer contains characters that are not valid text. Type it again."),
    ({"language": "de"}, "language", "unknown",
     "Choose one of these languages: en, fr, ar, ckb, so, ha, fil."),
    ({"victims": "three"}, "victims", "not_allowed", NOT_A_FIELD),
    ({"files": "photo.jpg"}, "files", "type", FILE_SHAPE),
    ({"files": [{"filename": "a.png"}]}, "files", "type", FILE_SHAPE),
    ({"files": [{**PNG, "gps": "33.3,44.4"}]}, "files", "type", FILE_SHAPE),
    ({"files": [PNG, {"filename": "b.png", "content_base64": "not base64!"}]}, "files",
     "not_base64", BROKEN_BASE64),
    ({"files": [{"filename": "a.png", "content_base64": ""}]}, "files", "empty_file",
     "File 1 is empty. Choose the file again."),
    ({"files": [{"filename": "a.exe", "content_base64": b64(b"MZ" + bytes(200))}]}, "files",
     "unsupported_type", NOT_A_PICTURE),
    ({"files": [PNG] * 6}, "files", "too_many_files", ""),
]


@pytest.mark.parametrize(("change", "field", "code", "english"), CASES)
def test_each_refusal_names_its_field(
    api: ApiClient,
    report: dict[str, Any],
    session: Session,
    change: dict[str, Any],
    field: str,
    code: str,
    english: str,
) -> None:
    body = {key: value for key, value in {**report, **change}.items() if value is not None}
    errors, codes = refused(api, body)
    assert codes == {field: code}
    if english:
        assert errors == {field: english}
    assert nothing_stored(session)


def test_a_reporter_a_day_ahead_of_the_server_may_give_their_today(
    api: ApiClient, report: dict[str, Any]
) -> None:
    # Just after midnight in Baghdad it is still yesterday in UTC: "today" there is tomorrow here.
    tomorrow = UTC_TODAY + dt.timedelta(days=1)
    body = {**report, "exact_date": tomorrow.isoformat(), "incident_month": f"{tomorrow:%Y-%m}"}
    response = api.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()


def test_several_answers_are_refused_at_once(
    api: ApiClient, report: dict[str, Any], session: Session
) -> None:
    body = {**report, "compact": 1, "incident_month": "January", "force": "navy"}
    del body["narrative"]
    _errors, codes = refused(api, body)
    assert codes == {
        "compact": "type",
        "incident_month": "format",
        "force": "unknown",
        "narrative": "required",
    }


def test_region_must_belong_to_the_compacts_country(
    api: ApiClient, report: dict[str, Any], reference: dict[str, Any]
) -> None:
    body = {**report, "compact": compact_of(reference, "NE"), "region": "IQ-BG"}
    _errors, codes = refused(api, body)
    assert codes == {"region": "not_in_country"}


def test_refusals_speak_the_request_language(
    app: Flask, api: ApiClient, report: dict[str, Any]
) -> None:
    body = {**report, "incident_month": f"{NEXT_YEAR}-02"}
    del body["compact"]
    response = api.post("/api/v1/reports", json=body, headers={"Accept-Language": "fr"})
    assert response.status_code == 422
    assert response.headers["Content-Language"] == "fr"
    errors = response.get_json()["errors"]
    assert errors["compact"] == "Choisissez le pays."
    with app.test_request_context(), force_locale("fr"):
        assert errors["compact"] == gettext("Choose the country.")

    future = api.post(
        "/api/v1/reports?lang=fr", json={**report, "incident_month": f"{NEXT_YEAR}-02"}
    )
    message = future.get_json()["errors"]["incident_month"]
    assert message == "La date ne peut pas être dans le futur."

    arabic = api.post("/api/v1/reports?lang=ar", json={**report, "happened": []})
    assert arabic.headers["Content-Language"] == "ar"
    text = arabic.get_json()["errors"]["happened"]
    with app.test_request_context(), force_locale("ar"):
        assert text == gettext("Tick at least one thing that happened.")
    assert text != "Tick at least one thing that happened."


def test_multipart_files_belong_in_parts(api: ApiClient, report: dict[str, Any]) -> None:
    inline = {**report, "files": []}
    response = api.post(
        "/api/v1/reports",
        data={"report": json.dumps(inline), "photo": (io.BytesIO(PNG_1PX), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["codes"] == {"files": "not_allowed", "photo": "not_allowed"}

    nameless = api.post(
        "/api/v1/reports",
        data={"report": json.dumps(report), "files": "just text"},
        content_type="multipart/form-data",
    )
    assert nameless.status_code == 422
    assert nameless.get_json()["codes"] == {"files": "type"}


def test_odd_field_names_are_not_echoed(api: ApiClient, report: dict[str, Any]) -> None:
    errors, codes = refused(api, {**report, "<script>" * 20: 1})
    assert codes == {"body": "not_allowed"}
    assert "<script>" not in json.dumps(errors)
