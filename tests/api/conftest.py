"""Fixtures for API tests: a client that checks every API response against the OpenAPI document.

`api` is the test client to use: each response to an `/api/...` path is validated by
`OpenApiCheck` before the test sees it, so an undocumented status, header or body fails the test
where it happens. `openapi` is the checker itself, built from the document the app serves.
`demo` seeds the demo desks and compacts; `reference` is `GET /api/v1/reference` in English.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from tests.api.openapi_check import OpenApiCheck


class ApiClient(FlaskClient):
    """A test client that validates every `/api/` response against the served document."""

    openapi: OpenApiCheck

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        if response.request.path.startswith("/api/"):
            self.openapi.response(response)
        return response


@pytest.fixture
def openapi_document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


@pytest.fixture
def openapi(openapi_document: dict[str, Any]) -> OpenApiCheck:
    return OpenApiCheck(openapi_document)


@pytest.fixture
def api(app: Flask, openapi: OpenApiCheck) -> ApiClient:
    client = ApiClient(app, app.response_class, use_cookies=True)
    client.openapi = openapi
    return client


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app after `portal demo`: desks IQ, SO, NE, PH with keys, their compacts, accounts."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def reference(demo: Flask, api: ApiClient) -> dict[str, Any]:
    response = api.get("/api/v1/reference", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    found: dict[str, Any] = response.get_json()
    return found


def compact_of(reference: dict[str, Any], country: str) -> str:
    found = [c["id"] for c in reference["compacts"] if c["country"] == country]
    assert found, f"no compact for {country}: was `portal demo` run?"
    return str(found[0])


@pytest.fixture
def report(reference: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid JSON submission about a checkpoint in Baghdad, without files."""
    return {
        "compact": compact_of(reference, "IQ"),
        "happened": ["IC-1.checkpoint-money"],
        "incident_month": "2026-01",
        "region": "IQ-BG",
        "force": "police",
        "narrative": "Police at the bridge checkpoint took money from every minibus driver.",
    }


def photo_with_location(size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG carrying a camera make and a GPS position, as phones write them."""
    exif = Image.Exif()
    exif[0x010F] = "SecretMake"
    exif[0x8825] = {1: "N", 2: (33.0, 18.0, 45.5), 3: "E", 4: (44.0, 22.0, 1.0)}
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logs(app: Flask) -> Iterator[LogLines]:
    """Every log record at DEBUG level, with tracebacks, from any logger."""
    capture = LogLines()
    root = logging.getLogger()
    old_level = root.level
    root.handlers.insert(0, capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
