"""Private Redis and PostgreSQL servers for tests that stop, kill and restart them.

The shared servers on 5432 and 6379 serve every developer and CI: a test never stops them. Tests
that need to take a server away start their own, on a free loopback port, in a temporary folder,
and stop it at the end.

PostgreSQL's `initdb` refuses to run as root ("cannot be run as root"). As root the cluster is
created and run as the `postgres` system user (`runuser -u postgres`), with the socket in the
cluster's own folder; as any other user it runs as that user. Either way it listens on 127.0.0.1
only and trusts local connections (it exists for the length of one test).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PrivateRedis:
    """`redis-server --save "" --appendonly no` on a free port: stopping it loses everything."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="cw-redis-"))

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return self
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(name)
    return found[-1]


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free loopback port (see the module's docstring)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="cw-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0

    @staticmethod
    def available() -> bool:
        try:
            _pg_bin("initdb")
        except FileNotFoundError:
            return False
        return True

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, check=False, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> PrivatePostgres:
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        done = self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        return self

    def start(self) -> PrivatePostgres:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        done = self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.folder / "pg.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        self._run(
            _pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name
        )
        return self.url(name)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
