"""Nothing a client sends to the API reaches a log: not on success, not on refusal, not on a crash
(DESIGN §2: logs hold no reporter data)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from flask import Flask

from portal.api import views
from tests.api.conftest import ApiClient, LogLines, photo_with_location
from tests.api.openapi_check import OpenApiCheck

CANARY = "Canary7731"


def canaried(report: dict[str, Any]) -> dict[str, Any]:
    photo = base64.b64encode(photo_with_location()).decode()
    return {
        **report,
        "narrative": f"{CANARY} narrative: soldiers beat my brother",
        "place": f"{CANARY} place",
        "unit": f"{CANARY} unit",
        "contact": f"{CANARY} contact",
        "exact_date": "2026-01-14",
        "files": [{"filename": f"{CANARY}-photo.jpg", "content_base64": photo}],
    }


def test_successful_submissions_leave_no_trace_in_logs(
    api: ApiClient, report: dict[str, Any], logs: LogLines
) -> None:
    sent = canaried(report)
    answer = api.post("/api/v1/reports", json=sent)
    assert answer.status_code == 201
    multipart = {key: value for key, value in sent.items() if key != "files"}
    response = api.post(
        "/api/v1/reports",
        data={
            "report": json.dumps(multipart),
            "files": (io.BytesIO(photo_with_location()), f"{CANARY}.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    assert "POST /api/v1/reports 201" in logs.text, "the request log itself must be working"
    assert CANARY not in logs.text
    assert answer.get_json()["receipt"] not in logs.text
    assert answer.get_json()["receipt"].replace(" ", "") not in logs.text


@pytest.mark.parametrize(
    "change",
    [
        {"region": f"{CANARY}-region"},
        {"compact": f"{CANARY}"},
        {"happened": [f"{CANARY}.choice"]},
        {"incident_month": f"{CANARY}"},
        {f"{CANARY}_field": "x"},
        {"files": [{"filename": f"{CANARY}.exe", "content_base64": "TVo="}]},
        {"files": [{"filename": "x.jpg", "content_base64": f"{CANARY}!"}]},
    ],
)
def test_refused_submissions_leave_no_trace_in_logs(
    api: ApiClient, report: dict[str, Any], logs: LogLines, change: dict[str, Any]
) -> None:
    response = api.post("/api/v1/reports", json={**canaried(report), **change})
    assert response.status_code == 422
    assert CANARY not in logs.text


def test_unreadable_bodies_leave_no_trace_in_logs(api: ApiClient, logs: LogLines) -> None:
    api.post("/api/v1/reports", data=f'{{"narrative": "{CANARY}', content_type="application/json")
    api.post("/api/v1/reports", data=f"{CANARY}".encode("utf-16"), content_type="application/json")
    api.post("/api/v1/reports", data={"report": CANARY}, content_type="multipart/form-data")
    api.post("/api/v1/reports", data=CANARY, content_type="text/plain")
    assert "POST /api/v1/reports 400" in logs.text
    assert CANARY not in logs.text


def test_a_crash_is_logged_by_place_and_type_only(
    app: Flask,
    openapi: OpenApiCheck,
    report: dict[str, Any],
    logs: LogLines,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*_args: Any, **_kwargs: Any) -> Any:
        # As a database driver does: the message quotes what it was given.
        raise RuntimeError(f"cannot store {CANARY} narrative")

    monkeypatch.setattr(views, "submit_report", crash)
    # A plain client: a 500 is deliberately not part of the documented contract.
    response = app.test_client().post("/api/v1/reports", json=canaried(report))
    assert response.status_code == 500
    openapi.instance(response.get_json(), "Problem")
    assert "unhandled RuntimeError" in logs.text
    assert "views.py" in logs.text
    assert CANARY not in logs.text
