"""Hybrid post-quantum key pairs (ML-KEM-768 + X25519) and HPKE sealing to them.

A hybrid KEM answers "harvest now, decrypt later": ciphertexts copied today stay closed unless
both ML-KEM-768 and X25519 fall. The HPKE suite is fixed (RFC 9180 with HKDF-SHA256 and
AES-256-GCM); a future suite would get a new key format byte and a new header version.
"""

import hashlib
import hmac
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from portal.crypto.envelope import Reader
from portal.crypto.errors import MalformedKey, SealingError, TamperedCiphertext

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)

# One byte in front of serialised keys so a later KEM can coexist in the same columns.
_KEY_FORMAT = 1
_MLKEM_SEED_BYTES = 64
_MLKEM_PUBLIC_BYTES = 1184
_X25519_BYTES = 32
PUBLIC_KEY_BYTES = 1 + _MLKEM_PUBLIC_BYTES + _X25519_BYTES
PRIVATE_KEY_BYTES = 1 + _MLKEM_SEED_BYTES + _X25519_BYTES


@dataclass(frozen=True)
class KeyId:
    """Which key a blob was sealed to: an owner label (``desk:iq``, ``user:42``) and a version.

    Versions let old and new ciphertexts open side by side while a rotation is under way.
    """

    owner: str
    version: int

    def __post_init__(self) -> None:
        if not self.owner or len(self.owner.encode("utf-8")) > 255:
            raise ValueError("a key owner label must be 1 to 255 bytes of UTF-8")
        if not 1 <= self.version <= 0xFFFFFFFF:
            raise ValueError("a key version must be between 1 and 2**32 - 1")

    def __str__(self) -> str:
        return f"{self.owner}@v{self.version}"

    def to_header(self) -> bytes:
        owner = self.owner.encode("utf-8")
        return bytes((len(owner),)) + owner + struct.pack(">I", self.version)

    @classmethod
    def parse(cls, text: str) -> "KeyId":
        """The inverse of ``str()``: ``desk:IQ@v2`` as stored in a database column."""
        owner, sep, version = text.rpartition("@v")
        if not sep or not version.isdigit():
            raise ValueError(f"not a key id: {text!r}")
        return cls(owner, int(version))

    @classmethod
    def read(cls, reader: Reader) -> "KeyId":
        owner = reader.take(reader.u8())
        version = reader.u32()
        try:
            return cls(owner.decode("utf-8"), version)
        except (UnicodeDecodeError, ValueError):
            raise TamperedCiphertext("the key id in the header is damaged") from None


class PublicKey:
    """A hybrid HPKE public key; safe to store and show in the clear."""

    __slots__ = ("_hpke", "_raw")

    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        if len(raw) != PUBLIC_KEY_BYTES or raw[0] != _KEY_FORMAT:
            raise MalformedKey("not a serialised ML-KEM-768+X25519 public key")
        mlkem_part = raw[1 : 1 + _MLKEM_PUBLIC_BYTES]
        x25519_part = raw[1 + _MLKEM_PUBLIC_BYTES :]
        try:
            self._hpke = hpke.MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(mlkem_part),
                x25519.X25519PublicKey.from_public_bytes(x25519_part),
            )
        except ValueError as exc:
            raise MalformedKey("the public key bytes are invalid") from exc
        self._raw = raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> "PublicKey":
        return cls(raw)

    def to_bytes(self) -> bytes:
        return self._raw

    def fingerprint(self) -> str:
        """Short hex digest an admin can read aloud to confirm the right key was enrolled."""
        digest = hashlib.sha256(self._raw).hexdigest()[:20]
        return "-".join(digest[i : i + 4] for i in range(0, 20, 4))

    @property
    def hpke_key(self) -> hpke.MLKEM768X25519PublicKey:
        return self._hpke

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.fingerprint()})"


class PrivateKey:
    """A hybrid HPKE private key. Never stored unwrapped; its repr hides the bytes so a stray
    log line or traceback cannot leak it."""

    __slots__ = ("_hpke", "_public", "_raw")

    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        if len(raw) != PRIVATE_KEY_BYTES or raw[0] != _KEY_FORMAT:
            raise MalformedKey("not a serialised ML-KEM-768+X25519 private key")
        seed = raw[1 : 1 + _MLKEM_SEED_BYTES]
        x25519_part = raw[1 + _MLKEM_SEED_BYTES :]
        try:
            ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(seed)
            xk = x25519.X25519PrivateKey.from_private_bytes(x25519_part)
        except ValueError as exc:
            raise MalformedKey("the private key bytes are invalid") from exc
        self._hpke = hpke.MLKEM768X25519PrivateKey(ml, xk)
        self._public = PublicKey(
            bytes((_KEY_FORMAT,))
            + ml.public_key().public_bytes_raw()
            + xk.public_key().public_bytes_raw()
        )
        self._raw = raw

    @classmethod
    def generate(cls) -> "PrivateKey":
        ml = mlkem.MLKEM768PrivateKey.generate()
        xk = x25519.X25519PrivateKey.generate()
        return cls(bytes((_KEY_FORMAT,)) + ml.private_bytes_raw() + xk.private_bytes_raw())

    @classmethod
    def from_bytes(cls, raw: bytes) -> "PrivateKey":
        return cls(raw)

    def to_bytes(self) -> bytes:
        """The secret bytes, for wrapping only; never write them anywhere in the clear."""
        return self._raw

    def public_key(self) -> PublicKey:
        return self._public

    @property
    def hpke_key(self) -> hpke.MLKEM768X25519PrivateKey:
        return self._hpke

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateKey) and hmac.compare_digest(other._raw, self._raw)

    def __hash__(self) -> int:
        return hash(self._public)

    def __repr__(self) -> str:
        return f"PrivateKey(public={self._public.fingerprint()})"


def hpke_seal(public: PublicKey, plaintext: bytes, info: bytes) -> bytes:
    return SUITE.encrypt(plaintext, public.hpke_key, info=info)


def hpke_open(
    private: PrivateKey,
    ciphertext: bytes,
    info: bytes,
    failure: type[SealingError] = TamperedCiphertext,
    message: str = "the sealed key does not open with this private key",
) -> bytes:
    """Open an HPKE ciphertext or raise ``failure``; wrong key, wrong context and tampering are
    indistinguishable by design, so no detail beyond that leaks."""
    try:
        return SUITE.decrypt(ciphertext, private.hpke_key, info=info)
    except (InvalidTag, ValueError):
        raise failure(message) from None
