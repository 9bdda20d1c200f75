"""Instance-folder secrets: the server key (seals TOTP secrets and the like) and peppers.

These live in files, not in the database or environment dumps, so a database copy or backup
alone opens nothing they protect. Files are created 0600 and refused if anyone else can read
them, the way ssh refuses a private key with loose permissions.
"""

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

from portal.crypto.envelope import (
    KEY_BYTES,
    Kind,
    aead_open,
    aead_seal,
    bind,
    read_header,
    start_header,
)
from portal.crypto.errors import KeyFileError, WrongKey

_KEY_TAG_BYTES = 4


def load_or_create_secret(path: Path | str, n_bytes: int) -> bytes:
    """Read ``n_bytes`` random bytes from ``path``, creating the file (mode 0600) if missing.

    Safe when several processes start at once: the file appears atomically with its full
    content, and every process ends up with the same bytes.
    """
    path = Path(path)
    try:
        return _read_secret(path, n_bytes)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(secrets.token_bytes(n_bytes))
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the name exists, so a racing process never overwrites our key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_secret(path, n_bytes)


def _read_secret(path: Path, n_bytes: int) -> bytes:
    with path.open("rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"{path} is accessible to other users; run chmod 600 on it")
        content = handle.read(n_bytes + 1)
    if len(content) != n_bytes:
        raise KeyFileError(f"{path} holds {len(content)} bytes, expected {n_bytes}")
    return content


class ServerKey:
    """AES-256-GCM key for small server-side secrets (TOTP secrets). Each secret is bound to a
    purpose such as ``totp:<user id>``, so it cannot be copied onto another account's row."""

    __slots__ = ("_key", "_tag")

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise KeyFileError("the server key must be exactly 32 bytes")
        self._key = bytes(key)
        # A short public tag of the key so restoring the wrong instance folder reads as
        # "wrong key", not as tampering.
        self._tag = hmac.new(self._key, b"compact-watch server key id", hashlib.sha256).digest()[
            :_KEY_TAG_BYTES
        ]

    def seal(self, secret: bytes, purpose: str) -> bytes:
        header = start_header(Kind.SERVER_SECRET) + self._tag
        return header + aead_seal(self._key, secret, header + bind(purpose))

    def open(self, sealed: bytes, purpose: str) -> bytes:
        reader = read_header(sealed, Kind.SERVER_SECRET)
        if not hmac.compare_digest(reader.take(_KEY_TAG_BYTES), self._tag):
            raise WrongKey("sealed under another server key; is this the right instance folder?")
        header = reader.consumed
        return aead_open(
            self._key,
            reader.rest(),
            header + bind(purpose),
            message=f"sealed server secret for {purpose!r} does not authenticate",
        )

    def fingerprint(self, *parts: bytes) -> str:
        """A public digest of this key and `parts` (other instance secrets): says whether a
        database and an instance folder belong together without revealing either."""
        message = b"compact-watch instance fingerprint" + b"".join(
            len(part).to_bytes(4, "big") + part for part in parts
        )
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return f"ServerKey(tag={self._tag.hex()})"


def load_or_create_server_key(path: Path | str) -> ServerKey:
    return ServerKey(load_or_create_secret(path, KEY_BYTES))
