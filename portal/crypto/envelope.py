"""The versioned header every sealed blob starts with, and the AES-256-GCM step they share.

Layout: ``version (1 byte) | kind (1 byte) | kind-specific fields | body``. The whole header is
always authenticated (AEAD associated data or HPKE ``info``), so changing a key id, a KDF cost or
the kind byte makes the blob fail to open instead of being read under other rules. The kind byte
stops a blob written for one column (say a session vault) from being accepted in another.
"""

import os
import struct
from enum import IntEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.crypto.errors import SealingError, TamperedCiphertext, UnsupportedFormat

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SALT_BYTES = 16


class Kind(IntEnum):
    REPORT_PART = 1
    DATA_KEY_SEALED_TO_KEY = 2
    DESK_KEY_WRAPPED_TO_PERSON = 3
    PERSONAL_KEY_UNDER_PASSWORD = 4
    PERSONAL_KEY_UNDER_RECOVERY_KEY = 5
    DATA_KEY_UNDER_RECEIPT = 6
    SESSION_VAULT = 7
    SERVER_SECRET = 8
    # The report's data key under a key split from the receipt's one Argon2id (DESIGN §6).
    DATA_KEY_UNDER_RECEIPT_SCHEME = 9
    # A desk's key for keyed match hashes, sealed to one version of the desk key.
    MATCH_KEY_SEALED_TO_DESK = 10
    # A member's own list of the reports they sent, under a key only their personal key gives.
    MEMBER_REPORT_LIST = 11

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


def start_header(kind: Kind) -> bytes:
    return bytes((FORMAT_VERSION, kind))


class Reader:
    """A cursor over a blob; every short read is a truncation and says so."""

    def __init__(self, blob: bytes) -> None:
        self._blob = bytes(blob)
        self._at = 0

    @property
    def consumed(self) -> bytes:
        """Everything read so far: the header, to be authenticated as a whole."""
        return self._blob[: self._at]

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._blob):
            raise TamperedCiphertext("the sealed blob is truncated")
        piece = self._blob[self._at : self._at + n]
        self._at += n
        return piece

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def rest(self) -> bytes:
        piece = self._blob[self._at :]
        self._at = len(self._blob)
        return piece


def read_header(blob: bytes, kind: Kind) -> Reader:
    """Check version and kind and return a reader positioned after them."""
    reader = Reader(blob)
    version = reader.u8()
    if version != FORMAT_VERSION:
        raise UnsupportedFormat(f"sealed blob format version {version} is not supported")
    found = reader.u8()
    if found != kind:
        try:
            known = Kind(found).label
        except ValueError:
            known = f"blob of unknown kind {found}"
        # A blob copied into the wrong column is a misplacement, which we treat as tampering.
        raise TamperedCiphertext(f"expected a {kind.label}, found a {known}")
    return reader


def bind(*fields: str | bytes) -> bytes:
    """Encode context fields unambiguously (length-prefixed) for associated data or HPKE info.

    Without the prefixes, report "ab" + part "c" and report "a" + part "bc" would bind the same.
    """
    out = bytearray()
    for field in fields:
        raw = field.encode("utf-8") if isinstance(field, str) else field
        if len(raw) > 0xFFFF:
            raise ValueError("a bound context field is longer than 65535 bytes")
        out += struct.pack(">H", len(raw)) + raw
    return bytes(out)


def aead_seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Return ``nonce | ciphertext+tag``.

    Random 96-bit nonces are safe here: every key seals at most a few thousand blobs in its life
    (one report's parts, one person's wraps), far below the 2^32 bound of NIST SP 800-38D.
    """
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def aead_open(
    key: bytes,
    body: bytes,
    associated: bytes,
    failure: type[SealingError] = TamperedCiphertext,
    message: str = "the sealed blob does not authenticate",
) -> bytes:
    """Open ``nonce | ciphertext+tag`` or raise ``failure``; never return unauthenticated bytes."""
    if len(body) < NONCE_BYTES + TAG_BYTES:
        raise failure("the sealed blob is truncated")
    try:
        return AESGCM(key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated)
    except InvalidTag:
        raise failure(message) from None
