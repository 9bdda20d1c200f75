"""`make run` says where the portal really listens: gunicorn prints its bound sockets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAID = re.compile(r"Compact Watch is listening on (http://[^\s]+)")


def answers(address: str, seconds: float) -> int:
    """The HTTP status of `/healthz` there, waiting for a worker that is still booting."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{address}/healthz", timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return refused.code  # it answered: only the port matters here
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_printed_address_is_the_one_that_answers(tmp_path: Path) -> None:
    env = {
        **os.environ,
        # Its own database: a server killed at the end must not touch the suite's.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "SECRET_KEY": "run-address-test",
        "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
        # Port 0: the kernel picks one, so only the printed address can say which.
        "PORTAL_BIND": "127.0.0.1:0",
        "PORTAL_WORKERS": "1",
        "PORTAL_SAY_ADDRESS": "1",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = SAID.search(line)
        assert found, f"gunicorn printed {line!r}"
        address = found.group(1)
        assert not address.endswith(":0"), address
        # A worker boots after the sockets are bound; on a busy machine that takes a while.
        assert answers(address, seconds=90) in {200, 503}
    finally:
        server.terminate()
        server.wait(timeout=10)
