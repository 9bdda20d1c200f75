"""A real gunicorn with the project's gunicorn.conf.py, and a browser-like client for it.

The test client shares one warm interpreter with the tests; a freshly started worker is what a
reporter actually talks to, so a few tests go through one.
"""

from __future__ import annotations

import html
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.config import Config
from portal.paths import ROOT


@dataclass(frozen=True)
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[int]:
        """The worker processes gunicorn forked (the children of its master)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def healthy(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                connection = HTTPConnection("127.0.0.1", self.port, timeout=1)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def report_request(
        self, fields: dict[str, Any], files: list[tuple[bytes, str]]
    ) -> tuple[dict[str, str], bytes]:
        """Headers and multipart body of a report, with the one-time token of a new form (the
        form needs no cookie)."""
        connection = HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", "/report/new")
        response = connection.getresponse()
        page = response.read().decode()
        found = re.search(r'name="submission" type="hidden" value="([^"]+)"', page)
        assert found and response.getheader("Set-Cookie") is None, page[:500]
        values: dict[str, Any] = {**fields, "submission": html.unescape(found.group(1))}
        if files:
            values["files"] = [
                FileStorage(io.BytesIO(data), name, "files", "application/octet-stream")
                for data, name in files
            ]
        boundary, body = encode_multipart(values)
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
        }
        return headers, body

    def submit(self, fields: dict[str, Any], files: list[tuple[bytes, str]]) -> tuple[int, str]:
        headers, body = self.report_request(fields, files)
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", "/report/new", body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        if response.status == 303:  # post/redirect/get: the receipt is the next GET's
            cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
            connection.request(
                "GET", response.getheader("Location") or "", headers={"Cookie": cookie}
            )
            response = connection.getresponse()
            page = response.read().decode()
        return response.status, html.unescape(page)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_gunicorn(config: Config, log: Path) -> Iterator[Server]:
    """One worker on a free port, over the test's database, instance folder and Redis."""
    if not Path(f"/proc/{os.getpid()}/task").exists():
        pytest.skip("needs /proc to find gunicorn's worker")
    env = {
        **os.environ,
        "DATABASE_URL": config.database_url,
        "SECRET_KEY": config.secret_key,
        "PORTAL_INSTANCE_PATH": str(config.instance_path),
        "PORTAL_WORKERS": "1",
        "PORTAL_THREADS": "2",
        "PORTAL_ARGON2_MEMORY_KIB": str(config.kdf.memory_kib),
        "PORTAL_ARGON2_ITERATIONS": str(config.kdf.iterations),
    }
    if config.redis_url is None:
        env.pop("REDIS_URL", None)
    port = _free_port()
    env["PORTAL_BIND"] = f"127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        server = Server(port, process, log)
        try:
            if not server.healthy(30):
                pytest.skip("gunicorn did not start within 30 s")
            yield server
        finally:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
