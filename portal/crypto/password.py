"""Passwords: one normal form, and Argon2id login hashes that go through the limiter.

Login hashes use the standard PHC string (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) so
other tools can read them, but costs are checked against the same ceilings as stored wraps
before any work: a row edited to demand terabytes must not take the server down.
"""

import base64
import hmac
import secrets
import unicodedata

from portal.crypto.envelope import SALT_BYTES
from portal.crypto.kdf import Argon2Limiter, KdfParams


def password_bytes(password: str) -> bytes:
    """RFC 8265 "OpaqueString" style: non-ASCII spaces become U+0020, then NFC.

    The same password typed on a phone, a laptop or through an Arabic input method can arrive
    as different code points; without this the person is locked out of their own key.
    """
    spaced = "".join(" " if unicodedata.category(char) == "Zs" else char for char in password)
    return unicodedata.normalize("NFC", spaced).encode("utf-8")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def hash_password(password: str, params: KdfParams, limiter: Argon2Limiter) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = limiter.derive(password_bytes(password), salt, params)
    costs = f"m={params.memory_kib},t={params.iterations},p={params.lanes}"
    return f"$argon2id$v=19${costs}${_b64(salt)}${_b64(digest)}"


def _parse(encoded: str) -> tuple[KdfParams, bytes, bytes] | None:
    fields = encoded.split("$")
    if len(fields) != 6 or fields[1] != "argon2id" or fields[2] != "v=19":
        return None
    try:
        costs = dict(item.split("=", 1) for item in fields[3].split(","))
        params = KdfParams(
            memory_kib=int(costs["m"]), iterations=int(costs["t"]), lanes=int(costs["p"])
        )
        return params, _unb64(fields[4]), _unb64(fields[5])
    except (KeyError, ValueError):
        return None


def verify_password(password: str, encoded: str, limiter: Argon2Limiter) -> bool:
    """True if ``password`` matches; False for a wrong password or an unusable stored hash."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    params, salt, expected = parsed
    if len(expected) != 32 or len(salt) < 8:
        return False
    actual = limiter.derive(password_bytes(password), salt, params)
    return hmac.compare_digest(actual, expected)


def password_hash_needs_upgrade(encoded: str, params: KdfParams) -> bool:
    """True when the stored hash used other costs than today's; re-hash at the next login."""
    parsed = _parse(encoded)
    return parsed is None or parsed[0] != params
