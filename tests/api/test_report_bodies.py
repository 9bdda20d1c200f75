"""What the submission endpoint does with bodies that are not a report: wrong type, unreadable,
too large. And a file sent in multipart never touches the disk unsealed."""

from __future__ import annotations

import base64
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import werkzeug.formparser
from flask import Flask
from flask.testing import FlaskClient

from portal.api.reference import body_limits
from portal.attachments import AttachmentLimits
from portal.config import Config
from portal.limits.abuse import SubmissionLimits
from tests.api.conftest import ApiClient, compact_of
from tests.api.openapi_check import OpenApiCheck

SMALL = AttachmentLimits(max_file_bytes=512 * 1024, max_report_bytes=1024 * 1024, max_files=2)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("compact=x&narrative=y", "application/x-www-form-urlencoded"),
        ('{"compact": "x"}', "text/plain"),
        ("<report/>", "application/xml"),
        ("", None),
    ],
)
def test_other_media_types_are_refused_with_415(
    api: ApiClient, data: str, content_type: str | None
) -> None:
    response = api.post("/api/v1/reports", data=data, content_type=content_type)
    assert response.status_code == 415
    assert response.headers["Accept-Post"] == "application/json, multipart/form-data"
    assert "multipart/form-data" in response.get_json()["error"]["detail"]


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[1, 2]", b'"report"', b"\xff\xfe\x00garbage", b"[" * 100_000 + b"]" * 100_000],
)
def test_json_that_is_not_an_object_is_refused_with_400(api: ApiClient, data: bytes) -> None:
    response = api.post("/api/v1/reports", data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["codes"] == {"body": "unreadable"}


def test_charset_parameter_is_fine(api: ApiClient, report: dict[str, Any]) -> None:
    response = api.post(
        "/api/v1/reports",
        data=json.dumps(report).encode(),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ({"files": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}, "multipart/form-data"),
        ({"report": "{not json"}, "multipart/form-data"),
        ({"report": ["{}", "{}"]}, "multipart/form-data"),
        ("--x\r\nbroken", "multipart/form-data"),  # no boundary parameter
    ],
)
def test_multipart_without_one_readable_report_part_is_refused_with_400(
    api: ApiClient, data: Any, content_type: str
) -> None:
    response = api.post("/api/v1/reports", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["codes"] == {"body": "unreadable"}


@pytest.fixture
def small_app(config: Config) -> Flask:
    from portal import create_app

    app = create_app(replace(config, attachments=SMALL))
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def small_api(small_app: Flask) -> ApiClient:
    document = small_app.test_client().get("/api/v1/openapi.json").get_json()
    client = ApiClient(small_app, small_app.response_class, use_cookies=True)
    client.openapi = OpenApiCheck(document)
    return client


def _small_report(client: FlaskClient) -> dict[str, Any]:
    reference = client.get("/api/v1/reference").get_json()
    assert reference["limits"]["max_report_bytes"] == SMALL.max_report_bytes
    return {
        "compact": compact_of(reference, "IQ"),
        "happened": ["IC-1.checkpoint-money"],
        "incident_month": "2026-01",
        "region": "IQ-BG",
        "force": "police",
        "narrative": "Money taken at the checkpoint.",
    }


def test_bodies_over_the_limits_are_refused_with_413(small_api: ApiClient) -> None:
    json_max, multipart_max = body_limits(SMALL)
    report = _small_report(small_api)

    too_big_json = {**report, "narrative": "x" * (json_max + 1)}
    response = small_api.post("/api/v1/reports", json=too_big_json)
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413

    response = small_api.post(
        "/api/v1/reports",
        data={"report": json.dumps(report), "files": (io.BytesIO(bytes(multipart_max)), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_json_leaves_room_for_base64(small_api: ApiClient) -> None:
    # Larger than a multipart body may be, yet within the JSON limit: read, then judged by the
    # attachment limits like any report.
    json_max, multipart_max = body_limits(SMALL)
    content = base64.b64encode(bytes((multipart_max + json_max) // 2 * 3 // 4)).decode()
    body = {**_small_report(small_api), "files": [{"filename": "a.jpg", "content_base64": content}]}
    assert multipart_max < len(json.dumps(body)) < json_max
    response = small_api.post("/api/v1/reports", json=body)
    assert response.status_code == 422
    assert response.get_json()["codes"] == {"files": "file_too_large"}
    assert "0.5 MB" in response.get_json()["errors"]["files"]


@pytest.fixture
def disk_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    writes: list[str] = []

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        writes.append("temporary file")
        raise AssertionError("an upload went to a temporary file")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    # Werkzeug imported these names before the test could replace them.
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    yield writes


def test_multipart_files_stay_in_memory(
    api: ApiClient, report: dict[str, Any], disk_writes: list[str]
) -> None:
    big = b"\x89PNG\r\n\x1a\n" + bytes(900 * 1024)  # well over Werkzeug's 500 KB spooling size
    response = api.post(
        "/api/v1/reports",
        data={"report": json.dumps(report), "files": (io.BytesIO(big), "scan.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422  # a PNG signature and zeros: not a picture
    assert set(response.get_json()["codes"]) == {"files"}
    assert disk_writes == []


def test_a_flood_from_one_network_is_slowed_like_the_forms(config: Config) -> None:
    from portal import create_app

    limits = SubmissionLimits(per_network=2)
    app = create_app(replace(config, attachments=SMALL, submission_limits=limits))
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    client = ApiClient(app, app.response_class, use_cookies=True)
    client.openapi = OpenApiCheck(app.test_client().get("/api/v1/openapi.json").get_json())
    report = _small_report(client)
    room = {"REMOTE_ADDR": "203.0.113.9"}

    for _ in range(2):
        assert client.post("/api/v1/reports", json=report, environ_base=room).status_code == 201
    refused = client.post("/api/v1/reports", json=report, environ_base=room)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "minutes" in refused.get_json()["error"]["detail"]
    elsewhere = client.post("/api/v1/reports", json=report, environ_base={"REMOTE_ADDR": "::1"})
    assert elsewhere.status_code == 201
