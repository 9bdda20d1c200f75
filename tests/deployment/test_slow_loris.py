"""32 slow uploads freeze gunicorn alone, and not gunicorn behind the reference nginx config.

The proxy configuration shipped in docs/nginx/compact-watch-proxy.conf is included as is into a
minimal nginx.conf (temp paths and the error log in the test's folder), in front of a real
gunicorn worker (1 worker, 2 threads). 32 connections each send a report's headers and then one
byte a second; meanwhile `/healthz` is asked every half second. Straight to gunicorn it stops
answering (the "before"); through nginx it answers every time within a second. Only addresses on
127.0.0.1 are used, and every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.client import HTTPConnection
from pathlib import Path

import pytest
from alembic import command

from portal import create_app
from portal.cli.database import alembic_config
from portal.config import Config
from portal.paths import ROOT
from portal.web.services import EXTENSION
from tests.reporter.conftest import run_demo
from tests.reporter.server import Server, run_gunicorn

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_CONF = ROOT / "docs" / "nginx" / "compact-watch-proxy.conf"
CONNECTIONS = 32
TRICKLE_SECONDS = 6
ANSWER_WITHIN = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(config: Config, tmp_path: Path) -> Iterator[Server]:
    """gunicorn over a database of its own on SQLite: a server process sharing the suite's SQLite
    file could checkpoint its WAL away under the suite's connections when it stops."""
    own = config
    if config.database_url.startswith("sqlite"):
        own = replace(config, database_url=f"sqlite:///{tmp_path / 'slow-loris.sqlite3'}")
        command.upgrade(alembic_config(own.database_url), "head")
    app = create_app(own)
    run_demo(app)
    app.extensions[EXTENSION].database.dispose()
    yield from run_gunicorn(own, tmp_path / "gunicorn.log")


@pytest.fixture
def nginx(server: Server, tmp_path: Path) -> Iterator[int]:
    if not Path(NGINX).exists():
        pytest.skip("needs Debian's nginx (apt-get install nginx-light; `make deployment-tools`)")
    port = _free_port()
    prefix = tmp_path / "nginx"
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log crit;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        include {PROXY_CONF};
        location / {{ proxy_pass http://127.0.0.1:{server.port}; }}
    }}
}}
"""
    )
    checked = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(prefix)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(prefix)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _healthz_seconds(port) is None:
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _healthz_seconds(port: int, timeout: float = ANSWER_WITHIN) -> float | None:
    """Seconds `/healthz` took to answer 200, or None if it did not within `timeout`."""
    started = time.monotonic()
    try:
        connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
        connection.close()
    except OSError:
        return None
    took = time.monotonic() - started
    return took if ok and took <= timeout else None


def _slow_loris(port: int) -> list[socket.socket]:
    """Open the connections and send every header at once; `_trickle` sends the bodies."""
    head = (
        b"POST /report/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=slow\r\n"
        b"Content-Length: 2000000\r\n\r\n"
    )
    sockets = []
    for _ in range(CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(head)
        sockets.append(sock)
    return sockets


def _trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    for _ in range(TRICKLE_SECONDS * 2):  # bounded: one byte per connection a second
        if stop.wait(0.5):
            return
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(b"-")


def _answers_during_attack(port: int) -> list[float | None]:
    stop = threading.Event()
    sockets = _slow_loris(port)
    sender = threading.Thread(target=_trickle, args=(sockets, stop))
    sender.start()
    try:
        time.sleep(1.0)  # every slow connection is in by now
        answers = []
        for _ in range(6):
            answers.append(_healthz_seconds(port))
            time.sleep(0.4)
        return answers
    finally:
        stop.set()
        sender.join(timeout=10)
        for sock in sockets:
            sock.close()


@pytest.mark.timeout(180)
def test_a_slow_loris_freezes_gunicorn_alone_but_not_behind_the_reference_nginx(
    server: Server, nginx: int
) -> None:
    assert _healthz_seconds(server.port) is not None and _healthz_seconds(nginx) is not None
    direct = _answers_during_attack(server.port)
    # Before: both of gunicorn's threads are stuck reading bodies that never finish.
    assert direct.count(None) >= 4, direct
    assert server.healthy(30), "gunicorn did not recover after the direct attack"
    behind = _answers_during_attack(nginx)
    assert None not in behind, behind
    print(f"\n/healthz during {CONNECTIONS} slow uploads: direct {direct}; behind nginx {behind}")
