"""No request value ever reaches a log (issue 13, acceptance 4).

A canary string is sent through every route of the URL map (web pages and API), anonymous and
signed in as each staff role: in the path, in query parameters, in form and JSON bodies (nested
too), in a header, in a file name, and in values made to fail inside the database (NUL bytes,
values longer than their column, numbers past the integer range, a statement that fails with the
value bound). A real report carries it into storage and through its intake job. Every logger of
the process is captured at DEBUG from before the app exists; the canary must appear in no line.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.domain.models import Role
from tests.conftest import form_token, sign_in

CANARY = "cnry7f3qzx"
DB_BREAKERS = [
    f"{CANARY}\x00",  # PostgreSQL refuses NUL in text
    CANARY * 2000,  # longer than any column
    "9" * 30 + CANARY,  # not a number, and past every integer range
]
FIELDS = [
    "email", "password", "receipt", "narrative", "happened", "period", "cluster", "with_report",
    "tier", "code", "body", "compact", "state", "region", "force", "place", "unit", "contact",
    "name", "reason", "note", "kind", "format", "month", "year", "identity", "status",
    "older_than_days", "desk", "after", "min_priority", "lang", "token", "submission",
]  # fmt: skip


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.lines.append(f"{record.msg!r} {record.args!r}")
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    capture = _Capture()
    root = logging.getLogger()
    old = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old)


@pytest.fixture
def canary_app(captured: _Capture, app: Flask, make_user: Any) -> Flask:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    make_user("canary-admin@example.org", roles=(Role.ADMIN,))
    make_user("canary-assessor@example.org", roles=(Role.ASSESSOR,))
    make_user("canary-verifier@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    return app


def _values() -> list[str]:
    return [CANARY, *DB_BREAKERS]


def _send_everywhere(app: Flask, client: FlaskClient, headers: dict[str, str]) -> int:
    sent = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for value in _values():
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", quote(value[:200], safe=""), rule.rule)
            query = {name: value for name in ("q", "period", "desk", "after", "lang", CANARY)}
            for method in methods:
                kwargs: dict[str, Any] = {"query_string": query, "headers": headers}
                if method in {"POST", "PUT", "PATCH", "DELETE"}:
                    if rule.rule.startswith("/api/"):
                        kwargs["json"] = {
                            **{name: value for name in FIELDS},
                            "nested": {"deeper": [value, {CANARY: value}]},
                        }
                    else:
                        kwargs["data"] = {
                            **{name: value for name in FIELDS},
                            CANARY: value,
                            "files": (io.BytesIO(b"x"), f"{CANARY}.jpg"),
                        }
                        kwargs["content_type"] = "multipart/form-data"
                client.open(path, method=method, **kwargs)
                sent += 1
    return sent


def test_canaries_sent_everywhere_reach_no_log(
    canary_app: Flask, captured: _Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"X-Canary": CANARY, "User-Agent": CANARY, "Accept-Language": CANARY}
    sent = 0
    for email in (
        None,
        "canary-verifier@example.org",
        "canary-assessor@example.org",
        "canary-admin@example.org",
    ):
        client = canary_app.test_client()
        if email is not None:
            sign_in(client, email)
        sent += _send_everywhere(canary_app, client, headers)

    # A real report carries the canary into storage and through its intake job.
    client = canary_app.test_client()
    page = client.get("/report/new").get_data(as_text=True)
    compact = re.search(r'<option value="([^"]+)">Iraq</option>', page)
    assert compact
    answer = client.post(
        "/report/new",
        data={
            **form_token(client, "/report/new"),
            "compact": compact.group(1),
            "happened": "IC-1.checkpoint-money",
            "month": "1",
            "year": "2026",
            "region": "IQ-BG",
            "force": "police",
            "narrative": f"The canary {CANARY} paid money at the bridge checkpoint.",
            "identity": "anonymous",
            "place": CANARY,
            "unit": CANARY,
            "contact": "",
        },
        follow_redirects=True,  # the receipt is the GET the form's answer redirects to
    )
    assert answer.status_code == 200 and 'class="receipt"' in answer.get_data(as_text=True)

    # A statement failing inside the database with the canary bound to it.
    from sqlalchemy import text

    import portal.auth.service as auth_service

    def failing_find_user(session, email):  # type: ignore[no-untyped-def]
        session.execute(text("SELECT * FROM no_such_table WHERE email = :email"), {"email": email})

    monkeypatch.setattr(auth_service, "find_user", failing_find_user)
    client = canary_app.test_client()
    from tests.conftest import csrf_token

    failed = client.post(
        "/auth/login",
        data={
            "csrf_token": csrf_token(client),
            "email": f"{CANARY}@example.org",
            "password": CANARY,
        },
    )
    assert failed.status_code == 500

    logged = "\n".join(captured.lines)
    assert sent > 1000, sent
    assert CANARY not in logged, [line for line in captured.lines if CANARY in line][:5]
    assert CANARY.upper() not in logged.upper()
