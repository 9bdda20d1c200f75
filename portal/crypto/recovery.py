"""Printable recovery keys, shown once at account creation and kept on paper.

Format: 32 characters of Crockford base32 in eight groups of four, e.g.
``7KQ3-M9XD-...``. The alphabet has no I, L, O or U, so nothing reads two ways; when parsing,
O is taken as 0 and I or L as 1, case, spaces and dashes are ignored. The 160 bits are 144 random
bits and a 16-bit check sum, so a mistyped character is reported as a typo instead of as a
wrong key. 144 random bits need no slow KDF: nobody can guess them, online or offline.
"""

import hashlib
import hmac
import secrets

from portal.crypto.errors import MalformedRecoveryKey
from portal.crypto.keyboard import fold_typed_code

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SECRET_BYTES = 18
_CHECK_BYTES = 2
_CHARS = 32
_GROUP = 4


def _check(secret: bytes) -> bytes:
    return hashlib.sha256(b"compact-watch recovery key v1" + secret).digest()[:_CHECK_BYTES]


class RecoveryKey:
    """A person's recovery key. ``repr`` hides it; only `display` shows it, once."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _SECRET_BYTES:
            raise ValueError("a recovery key holds exactly 18 random bytes")
        self._secret = bytes(secret)

    @classmethod
    def generate(cls) -> "RecoveryKey":
        return cls(secrets.token_bytes(_SECRET_BYTES))

    @classmethod
    def parse(cls, text: str) -> "RecoveryKey":
        folded = fold_typed_code(text).upper().translate(_LOOKALIKES)
        if len(folded) != _CHARS:
            raise MalformedRecoveryKey(f"a recovery key has {_CHARS} characters")
        number = 0
        for char in folded:
            position = _ALPHABET.find(char)
            if position < 0:
                raise MalformedRecoveryKey("a recovery key uses only digits and A-Z without U")
            number = number * 32 + position
        raw = number.to_bytes(_SECRET_BYTES + _CHECK_BYTES, "big")
        secret, check = raw[:_SECRET_BYTES], raw[_SECRET_BYTES:]
        if not hmac.compare_digest(check, _check(secret)):
            raise MalformedRecoveryKey("the recovery key has a typo; check each character")
        return cls(secret)

    @property
    def secret(self) -> bytes:
        return self._secret

    def display(self) -> str:
        number = int.from_bytes(self._secret + _check(self._secret), "big")
        chars = [_ALPHABET[(number >> (5 * shift)) & 31] for shift in reversed(range(_CHARS))]
        text = "".join(chars)
        return "-".join(text[i : i + _GROUP] for i in range(0, _CHARS, _GROUP))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecoveryKey) and hmac.compare_digest(other._secret, self._secret)

    def __repr__(self) -> str:
        return "RecoveryKey(<hidden>)"
