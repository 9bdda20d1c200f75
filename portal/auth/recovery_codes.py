"""One-time recovery codes: the way back in when the phone with the authenticator is lost or seized.

Shown once at enrolment, printed or written down, each opens the second factor exactly once. They
replace the TOTP code only; the password is still required.

Format: four groups of four characters from Crockford's base32 alphabet ("k7q2-9xmd-…"), which
leaves out I, L, O and U so that nothing reads as another character (or spells a word), and 16
characters carry 80 random bits.

Storage: only hashes are kept, each as "rc1$<salt>$<HMAC-SHA-256(salt, code)>" with its own random
salt. A slow hash such as Argon2 is not needed: its cost only matters against guessable,
human-chosen secrets. Against 2^80 uniformly random possibilities a fast hash already holds — even
at 10^12 guesses a second an attacker holding the database needs ~38,000 years to try every value
of one code — and spending Argon2's memory ten times on every recovery attempt would only hand a
request flood a way to exhaust the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

CODE_COUNT = 10
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
GROUPS = 4
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH

_SCHEME = "rc1"
_SALT_BYTES = 16
_MAX_TYPED_LENGTH = 64
_STORED = re.compile(r"rc1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})")

# People copy codes from paper: they drop dashes, add spaces, mix case, read 0 as O and 1 as I or l
# (Crockford's own decoding rule), and Arabic-keyboard users may type Arabic-Indic digits.
_FOLDING = str.maketrans(
    {"o": "0", "i": "1", "l": "1"}
    | {chr(0x0660 + i): str(i) for i in range(10)}
    | {chr(0x06F0 + i): str(i) for i in range(10)}
)
_TYPING_NOISE = re.compile(
    r"[\s\-_.\u2010-\u2015\u2212\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]+"
)


class RecoveryCodeError(Exception):
    """Base of every recovery-code failure."""


class InvalidRecoveryCode(RecoveryCodeError):
    """The code is malformed, was never issued to this account, or was already used."""


class MalformedRecoveryHash(RecoveryCodeError):
    """A stored hash is not in the format this module writes: corrupted or tampered data."""


@dataclass(frozen=True)
class RecoveryCodeSet:
    """Fresh codes to show the person once, and the hashes to store in their place."""

    codes: tuple[str, ...]
    hashes: tuple[str, ...]


def generate_recovery_codes(count: int = CODE_COUNT) -> RecoveryCodeSet:
    """Return `count` new codes (formatted for display) with their hashes, in the same order."""
    if count < 1:
        raise ValueError("count must be positive")
    codes = tuple(_format(_random_code()) for _ in range(count))
    return RecoveryCodeSet(codes=codes, hashes=tuple(hash_recovery_code(code) for code in codes))


def hash_recovery_code(code: str) -> str:
    """Return the storable hash of one code (any accepted spelling of it)."""
    canonical = _canonical(code)
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{_SCHEME}${_b64(salt)}${_b64(_digest(salt, canonical))}"


def consume(code: str, stored_hashes: Sequence[str]) -> tuple[str, ...]:
    """Spend one code: return the stored hashes without the one it matched.

    The caller must save the returned hashes with a conditional update (only if the stored list is
    still the one it read), in the transaction that lets the person in; otherwise two concurrent
    requests could both spend the same code.

    Raises InvalidRecoveryCode if the code matches none of the hashes, MalformedRecoveryHash if a
    stored hash is damaged.
    """
    parsed = [_parse(stored) for stored in stored_hashes]
    canonical = _canonical(code)
    matched_index: int | None = None
    # Compare against every stored hash without stopping at the first match, so timing does not
    # reveal the position of the code in the list.
    for index, (salt, expected) in enumerate(parsed):
        if hmac.compare_digest(_digest(salt, canonical), expected) and matched_index is None:
            matched_index = index
    if matched_index is None:
        raise InvalidRecoveryCode("this recovery code is not valid for this account")
    return tuple(stored for index, stored in enumerate(stored_hashes) if index != matched_index)


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _format(canonical: str) -> str:
    return "-".join(canonical[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def _canonical(code: str) -> str:
    if len(code) > _MAX_TYPED_LENGTH:
        raise InvalidRecoveryCode("not a recovery code")
    # NFKC turns full-width letters from East Asian input methods into ASCII.
    folded = unicodedata.normalize("NFKC", code).lower()
    folded = _TYPING_NOISE.sub("", folded).translate(_FOLDING)
    if len(folded) != CODE_LENGTH or any(char not in ALPHABET for char in folded):
        raise InvalidRecoveryCode("not a recovery code")
    return folded


def _digest(salt: bytes, canonical: str) -> bytes:
    return hmac.new(salt, canonical.encode("ascii"), hashlib.sha256).digest()


def _parse(stored: str) -> tuple[bytes, bytes]:
    match = _STORED.fullmatch(stored)
    if match is None:
        raise MalformedRecoveryHash("stored recovery-code hash is not in rc1 format")
    return _unb64(match.group(1)), _unb64(match.group(2))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
