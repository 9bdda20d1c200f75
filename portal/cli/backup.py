"""`portal backup PATH` and `portal restore PATH`: one encrypted archive of an installation.

What goes in (docs/operations.md, "Backup and restore"):

- the database, dumped by its own tool: `pg_dump --format=custom` on PostgreSQL, SQLite's backup
  API on SQLite (a consistent copy while the portal runs);
- the instance folder: the instance keys (`keys/`), the blobs (`blobs/`), `secret_key`; never the
  SQLite file itself (the dump is the database);
- the settings that matter: every `PORTAL_*` variable and `SECRET_KEY` of the environment, which
  may hold the receipt pepper (`PORTAL_RECEIPT_PEPPER`): without it no receipt opens;
- a manifest: the format, the database kind, the Alembic revision and the instance fingerprint.

The archive is a tar stream encrypted in 1 MiB chunks with AES-256-GCM under a key derived from
the passphrase with Argon2id (64 MiB, 3 passes, salt per archive). Each chunk is bound to the
header, its index and whether it is the last, so a reordered, truncated or altered archive does
not restore. The passphrase comes from `PORTAL_BACKUP_PASSPHRASE`, else it is asked twice.

`portal restore` writes into an empty installation only: an empty database (no tables; create
it and do not run `db upgrade`) and an instance folder with no blobs. Keys that the command's own
start-up just made for the empty database are replaced by the archive's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from portal.config import Config
from portal.web.services import services

MAGIC = b"CWBACKUP\x01"
CHUNK = 1 << 20
FORMAT = 1
MIN_PASSPHRASE = 12
KDF = {"memory_kib": 65536, "iterations": 3, "lanes": 4}
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
SQLITE_FILES = ("-wal", "-shm", "-journal")


class BackupError(click.ClickException):
    """Said on the terminal, exit status 1."""


# -- encryption ----------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params["iterations"],
        lanes=params["lanes"],
        memory_cost=params["memory_kib"],
    ).derive(passphrase.encode())


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: what is written leaves encrypted, chunk by chunk."""

    def __init__(self, out: IO[bytes], passphrase: str) -> None:
        super().__init__()
        salt = secrets.token_bytes(16)
        header = json.dumps(
            {"format": FORMAT, "kdf": "argon2id", "salt": salt.hex(), **KDF, "chunk": CHUNK}
        ).encode()
        out.write(MAGIC + struct.pack(">I", len(header)) + header)
        self._out, self._header = out, header
        self._aead = AESGCM(_derive(passphrase, salt, KDF))
        self._buffer = bytearray()
        self._index = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += bytes(data)
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, final: bool) -> None:
        nonce = secrets.token_bytes(12)
        aad = self._header + struct.pack(">Q?", self._index, final)
        sealed = self._aead.encrypt(nonce, plain, aad)
        self._out.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        self._index += 1

    def finish(self) -> None:
        self._emit(bytes(self._buffer), final=True)
        self._buffer.clear()


def decrypted_chunks(source: IO[bytes], passphrase: str) -> Iterator[bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("this is not a Compact Watch backup (or of another format version)")
    (size,) = struct.unpack(">I", source.read(4))
    header = source.read(size)
    params = json.loads(header)
    aead = AESGCM(_derive(passphrase, bytes.fromhex(params["salt"]), params))
    index = 0
    while True:
        raw = source.read(4)
        if len(raw) < 4:
            raise BackupError("the backup is truncated: its last part is missing")
        (length,) = struct.unpack(">I", raw)
        nonce, sealed = source.read(12), source.read(length)
        for final in (False, True):
            try:
                plain = aead.decrypt(nonce, sealed, header + struct.pack(">Q?", index, final))
            except InvalidTag:
                continue
            break
        else:
            if index == 0:
                raise BackupError("wrong passphrase, or the backup was altered")
            raise BackupError("the backup was altered or reordered")
        yield plain
        index += 1
        if final:
            return


class DecryptingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes], passphrase: str) -> None:
        super().__init__()
        self._chunks = decrypted_chunks(source, passphrase)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


# -- what goes in ---------------------------------------------------------------------------


def _passphrase(*, confirm: bool) -> str:
    given = os.environ.get("PORTAL_BACKUP_PASSPHRASE")
    if given:
        return given
    asked: str = click.prompt(
        "Backup passphrase", hide_input=True, confirmation_prompt=confirm or "Repeat it"
    )
    return asked


def _libpq_env(url: str) -> dict[str, str]:
    """The connection as libpq variables: a password never appears in a process list."""
    parsed = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", str(parsed.port) if parsed.port else None),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value:
            env[name] = value
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return found


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _dump_database(config: Config) -> tuple[str, bytes]:
    kind = make_url(config.database_url).get_backend_name()
    if kind == "postgresql":
        done = subprocess.run(  # noqa: S603 - fixed arguments; the connection is in the env
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"],
            env=_libpq_env(config.database_url),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError("pg_dump failed: " + done.stderr.decode(errors="replace")[-500:])
        return kind, done.stdout
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path(config.database_url))
        copy = sqlite3.connect(":memory:")
        try:
            source.backup(copy)
            return kind, copy.serialize()
        finally:
            source.close()
            copy.close()
    raise BackupError(f"no backup for {kind} databases")


def _instance_files(config: Config) -> Iterator[tuple[str, Path]]:
    skip: set[Path] = set()
    if make_url(config.database_url).get_backend_name() == "sqlite":
        database = _sqlite_path(config.database_url).resolve()
        skip = {database, *(Path(f"{database}{end}") for end in SQLITE_FILES)}
    root = config.instance_path
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.resolve() not in skip:
            yield "instance/" + path.relative_to(root).as_posix(), path


def _settings() -> dict[str, str]:
    return {
        name: value
        for name, value in sorted(os.environ.items())
        if (name.startswith("PORTAL_") or name == "SECRET_KEY")
        and name != "PORTAL_BACKUP_PASSPHRASE"
    }


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def write_backup(config: Config, target: Path, passphrase: str) -> dict[str, Any]:
    from portal.keys.fingerprint import recorded

    database = services().database
    with database.engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    kind, dump = _dump_database(config)
    manifest = {
        "format": FORMAT,
        "database": kind,
        "revision": revision,
        "fingerprint": recorded(database),
        "created_day": dt.date.today().isoformat(),
        "settings": _settings(),
    }
    files = list(_instance_files(config))
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        writer = EncryptingWriter(out, passphrase)
        with tarfile.open(fileobj=writer, mode="w|") as archive:
            _add(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            _add(archive, DATABASE_MEMBER[kind], dump)
            for name, path in files:
                _add(archive, name, path.read_bytes())
        writer.finish()
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return {"database": kind, "files": len(files), "bytes": target.stat().st_size}


# -- restore ----------------------------------------------------------------------------------


def _database_is_empty(config: Config) -> bool:
    with services().database.engine.connect() as conn:
        return not inspect(conn).get_table_names()


def _restore_database(config: Config, kind: str, dump: bytes) -> None:
    services().database.engine.dispose()
    if kind == "postgresql":
        done = subprocess.run(  # noqa: S603 - fixed arguments; the connection is in the env
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={_libpq_env(config.database_url)['PGDATABASE']}"],
            input=dump,
            env=_libpq_env(config.database_url),
            capture_output=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError("pg_restore failed: " + done.stderr.decode(errors="replace")[-500:])
        return
    # The serialized image is the database file itself.
    path = _sqlite_path(config.database_url)
    for end in SQLITE_FILES:
        Path(f"{path}{end}").unlink(missing_ok=True)
    partial = path.with_name(path.name + ".restoring")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(dump)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _write_instance_file(config: Config, name: str, data: bytes) -> None:
    relative = Path(name.removeprefix("instance/"))
    if relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"the backup names a file outside the instance folder: {name}")
    path = config.instance_path / relative
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def read_backup(config: Config, source: Path, passphrase: str) -> dict[str, Any]:
    if not _database_is_empty(config):
        raise BackupError(
            "the database is not empty: restore into a new, empty database "
            "(create it, do not run `db upgrade`), then start the portal on it"
        )
    blobs = config.blob_path
    if blobs.exists() and any(path.is_file() for path in blobs.rglob("*")):
        raise BackupError(f"{blobs} already holds blobs: restore into an empty instance folder")
    # The keys this command's own start-up made for the empty database: never used, replaced.
    if config.keys_path.exists():
        shutil.rmtree(config.keys_path)
    manifest: dict[str, Any] | None = None
    files = 0
    with (
        source.open("rb") as raw,
        tarfile.open(fileobj=DecryptingReader(raw, passphrase), mode="r|") as archive,
    ):
        for member in archive:
            handle = archive.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                if manifest.get("format") != FORMAT:
                    raise BackupError("this backup's format is not one this release reads")
            elif member.name in DATABASE_MEMBER.values():
                if manifest is None:
                    raise BackupError("the backup has no manifest")
                _restore_database(config, manifest["database"], data)
            elif member.name.startswith("instance/"):
                _write_instance_file(config, member.name, data)
                files += 1
    if manifest is None:
        raise BackupError("the backup has no manifest")
    settings = manifest.get("settings") or {}
    if settings:
        lines = "".join(f"{name}={value}\n" for name, value in settings.items())
        _write_instance_file(config, "instance/restored-settings.env", lines.encode())
    return {"manifest": manifest, "files": files}


# -- the commands -----------------------------------------------------------------------------


def _backup(path: Path) -> None:
    passphrase = _passphrase(confirm=True)
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"use a passphrase of at least {MIN_PASSPHRASE} characters")
    done = write_backup(services().config, path, passphrase)
    click.echo(
        f"backup written to {path}: {done['database']} database, {done['files']} instance "
        f"file(s), {done['bytes']} bytes, encrypted"
    )


def _restore(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    passphrase = _passphrase(confirm=True)
    done = read_backup(services().config, path, passphrase)
    manifest = done["manifest"]
    click.echo(
        f"restored {manifest['database']} database (revision {manifest['revision']}) and "
        f"{done['files']} instance file(s) from {path}"
    )
    if manifest.get("settings"):
        names = ", ".join(sorted(manifest["settings"]))
        click.echo(
            f"the settings of the backed-up installation ({names}) are in "
            f"{services().config.instance_path / 'restored-settings.env'} (mode 0600): set them "
            "in this installation's environment, then delete the file"
        )


def register_backup_commands(group: click.Group) -> None:
    """`portal backup PATH` and `portal restore PATH`, as docs/operations.md names them."""

    @group.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Write one encrypted archive: database dump, instance keys, blobs, settings."""
        _backup(path)

    @group.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def restore_command(path: Path) -> None:
        """Restore an archive of `portal backup` into an empty database and instance folder."""
        _restore(path)
