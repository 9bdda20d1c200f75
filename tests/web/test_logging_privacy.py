"""A request's IP address and user agent never reach any log (DESIGN §2).

Checked in-process (every logger, DEBUG level) and through a real gunicorn with the project's
gunicorn.conf.py, since the access logs of Werkzeug and gunicorn are where addresses usually leak.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.paths import ROOT
from tests.conftest import csrf_token

CANARY_IP = "203.0.113.77"
CANARY_FORWARDED = "198.51.100.23"
CANARY_AGENT = "CanaryAgent/7.7 (SecretPhone; Android 4.4)"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


def test_in_process_logs_hold_no_address_or_agent(app: Flask, captured: _Capture) -> None:
    client = app.test_client()
    environ = {"REMOTE_ADDR": CANARY_IP}
    headers = {"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_FORWARDED}
    client.get("/", environ_base=environ, headers=headers)
    client.get("/no-such-page", environ_base=environ, headers=headers)
    client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": "x@example.org", "password": "wrong"},
        environ_base=environ,
        headers=headers,
    )
    client.post("/auth/login", data={}, environ_base=environ, headers=headers)  # CSRF failure
    logged = "\n".join(captured.lines)
    assert "GET / 200" in logged, "the request log itself must be working"
    for canary in (CANARY_IP, CANARY_FORWARDED, "CanaryAgent", "SecretPhone"):
        assert canary not in logged


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_logs_hold_no_address_or_agent(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "gunicorn-test",
        "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_WORKERS": "1",
        "PORTAL_LOG_LEVEL": "debug",
    }
    env.pop("REDIS_URL", None)
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            for path in ("/", "/auth/login", "/missing"):
                request = urllib.request.Request(
                    base + path,
                    headers={"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_FORWARDED},
                )
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=5)
            # A malformed request line makes gunicorn log an "invalid request" with the peer.
            with socket.create_connection(("127.0.0.1", port)) as raw:
                raw.sendall(b"NOT-HTTP \x00\x01\r\n\r\n")
                raw.recv(1024)
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=10)
    logged = log_path.read_text()
    assert "GET / 200" in logged, logged[-2000:]
    for canary in ("127.0.0.1", CANARY_FORWARDED, "CanaryAgent", "SecretPhone"):
        assert canary not in logged, f"{canary} leaked into the gunicorn log"


def test_a_database_error_logs_neither_the_statements_values_nor_the_message(
    app: Flask, captured: _Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing statement's bound values (here a sign-in email) used to reach the log through
    SQLAlchemy's "[parameters: …]" line; the error page names nothing either."""
    from sqlalchemy import text

    import portal.auth.service as auth_service

    canary = "canary.reporter.7731@example.org"

    def failing_find_user(session, email):  # type: ignore[no-untyped-def]
        session.execute(text("SELECT * FROM no_such_table WHERE email = :email"), {"email": email})

    monkeypatch.setattr(auth_service, "find_user", failing_find_user)
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": canary, "password": "wrong password 123"},
    )
    assert response.status_code == 500
    assert canary not in response.get_data(as_text=True)
    logged = "\n".join(captured.lines)
    assert "OperationalError" in logged or "ProgrammingError" in logged  # the type is kept
    assert canary not in logged and "canary.reporter" not in logged
    # Not even the driver's message ("no such table: …", "relation … does not exist").
    assert "no such table" not in logged and "does not exist" not in logged
