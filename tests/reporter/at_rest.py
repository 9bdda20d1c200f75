"""Everything a thief who copies the server would hold: database, instance folder, Redis, logs.

`everything_at_rest` returns each place as bytes under a name, so a test can say which one leaked.
Binary columns come out of dumps as hex (`X'…'` from SQLite, `\\x…` from pg_dump), so `leaks` looks
for each canary both as it is and hex-encoded; Redis values that rq compresses are inflated first.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import subprocess
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from redis import Redis
from sqlalchemy.engine import make_url

from portal.config import Config


def _files(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield f"file {path.relative_to(root)}", path.read_bytes()


def _sqlite_dump(database: Path) -> Iterator[tuple[str, bytes]]:
    connection = sqlite3.connect(database)
    try:
        yield "sqlite iterdump", "\n".join(connection.iterdump()).encode()
    finally:
        connection.close()


def _pg_dump(url: str) -> Iterator[tuple[str, bytes]]:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--dbname", plain], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    yield "pg_dump", done.stdout


def _redis_values(url: str) -> Iterator[tuple[str, bytes]]:
    redis = Redis.from_url(url)
    for key in redis.scan_iter(count=1000):
        kind = redis.type(key).decode()
        values: list[bytes] = [key]
        if kind == "string":
            values.append(redis.get(key) or b"")
        elif kind == "hash":
            for field, value in redis.hgetall(key).items():
                values += [field, value]
        elif kind == "list":
            values += redis.lrange(key, 0, -1)
        elif kind == "set":
            values += list(redis.smembers(key))
        elif kind == "zset":
            values += [member for member, _score in redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _id, fields in redis.xrange(key):
                for field, value in fields.items():
                    values += [field, value]
        values.append(redis.dump(key) or b"")
        for value in list(values):
            # rq keeps job data zlib-compressed; a secret inside must still be seen.
            with contextlib.suppress(zlib.error):
                values.append(zlib.decompress(value))
        yield f"redis {key.decode(errors='replace')}", b"\n".join(values)


def everything_at_rest(config: Config) -> list[tuple[str, bytes]]:
    """Database files and dump, every file of the instance folder, every Redis key and value."""
    found = list(_files(config.instance_path))
    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        if not database.is_relative_to(config.instance_path):
            for suffix in ("", "-wal", "-journal", "-shm"):
                extra = Path(f"{database}{suffix}")
                if extra.exists():
                    found.append((f"file {extra.name}", extra.read_bytes()))
        found += _sqlite_dump(database)
    else:
        found += _pg_dump(config.database_url)
    if config.redis_url:
        found += _redis_values(config.redis_url)
    return found


def leaks(places: Iterable[tuple[str, bytes]], secrets: Iterable[str]) -> list[str]:
    """`secret in place` for every pair where it shows, plainly or hex-encoded."""
    wanted = [(s, s.encode(), s.encode().hex().encode()) for s in secrets]
    hits = []
    for name, data in places:
        lowered = data.lower()
        for secret, plain, hexed in wanted:
            if plain in data or hexed in lowered:
                hits.append(f"{secret!r} in {name}")
    return hits


class LogCapture(logging.Handler):
    """Every record any logger emits, formatted, before any filter of the app's handlers runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if record.exc_info and record.exc_text:
            text += "\n" + record.exc_text
        self.lines.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
