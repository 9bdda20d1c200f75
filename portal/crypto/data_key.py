"""A report's data key, sealed with HPKE to a desk (or member) public key, and its rotation.

Each report gets its own random key, so opening one report never helps with another, and a
desk key rotation re-seals 32 bytes per report instead of re-encrypting attachments.
"""

import secrets

from portal.crypto.envelope import KEY_BYTES, Kind, Reader, bind, read_header, start_header
from portal.crypto.errors import TamperedCiphertext, WrongKey
from portal.crypto.keys import KeyId, PrivateKey, PublicKey, hpke_open, hpke_seal


class DataKey:
    """The random AES-256 key that seals every part of one report."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ValueError("a data key is exactly 32 bytes")
        self._secret = bytes(secret)

    @classmethod
    def generate(cls) -> "DataKey":
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def secret(self) -> bytes:
        return self._secret

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataKey) and secrets.compare_digest(other._secret, self._secret)

    def __repr__(self) -> str:
        # Never the bytes: reprs end up in tracebacks and error trackers.
        return "DataKey(<secret>)"


def _info(header: bytes, report_id: str) -> bytes:
    # HPKE info binds the key id and the report: a sealed key copied onto another report's row,
    # or relabelled with another key id, no longer opens.
    if not report_id:
        raise ValueError("a sealed data key must be bound to a report id")
    return header + bind(report_id)


def seal_data_key(data_key: DataKey, public: PublicKey, key_id: KeyId, report_id: str) -> bytes:
    """Seal ``data_key`` to ``public`` (a desk key, or a member's personal key) for one report."""
    header = start_header(Kind.DATA_KEY_SEALED_TO_KEY) + key_id.to_header()
    return header + hpke_seal(public, data_key.secret, _info(header, report_id))


def _read(sealed: bytes) -> tuple[Reader, KeyId]:
    reader = read_header(sealed, Kind.DATA_KEY_SEALED_TO_KEY)
    return reader, KeyId.read(reader)


def sealed_key_id(sealed: bytes) -> KeyId:
    """Which key version a sealed data key needs, read from its (not yet verified) header.

    Good for choosing a key and for skipping already-rotated rows; opening verifies it.
    """
    return _read(sealed)[1]


def open_data_key(
    sealed: bytes, private: PrivateKey, report_id: str, *, key_id: KeyId | None = None
) -> DataKey:
    """Open a sealed data key. Pass ``key_id`` (the id of ``private``) to get `WrongKey`, not
    `TamperedCiphertext`, when the row was sealed to another key version."""
    reader, found = _read(sealed)
    if key_id is not None and found != key_id:
        raise WrongKey(f"sealed to {found}, offered {key_id}")
    header = reader.consumed
    secret = hpke_open(private, reader.rest(), _info(header, report_id))
    if len(secret) != KEY_BYTES:
        raise TamperedCiphertext("the sealed data key has the wrong length")
    return DataKey(secret)


def reseal_data_key(
    sealed: bytes,
    old_private: PrivateKey,
    new_public: PublicKey,
    new_key_id: KeyId,
    report_id: str,
) -> bytes:
    """Re-seal one report's data key from an old desk key to a new one (one rotation step).

    Pure and idempotent per row: the batch loop can check `sealed_key_id` against
    ``new_key_id`` to skip rows a previous, interrupted run already did.
    """
    return seal_data_key(
        open_data_key(sealed, old_private, report_id), new_public, new_key_id, report_id
    )
