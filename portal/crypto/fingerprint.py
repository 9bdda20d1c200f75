"""Keyed fingerprints: spotting duplicate reports without storing what they say.

A plain hash of a unit name or a place can be reversed by hashing every likely name, so the hash
is an HMAC under a key the database does not hold. Text is canonicalised first so trivial
variations (case, spacing, full-width or compatibility characters) still match.
"""

import hashlib
import hmac
import re
import struct
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def canonical_text(text: str) -> str:
    """NFKC, case-folded (then NFKC again, as case folding can denormalise), whitespace
    collapsed to single spaces and trimmed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _WHITESPACE.sub(" ", folded).strip()


def keyed_hash(key: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 over the canonical, length-prefixed parts (32 bytes).

    Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    """
    if len(key) < 16:
        raise ValueError("a fingerprint key must be at least 16 random bytes")
    mac = hmac.new(key, b"compact-watch keyed hash v1", hashlib.sha256)
    for part in parts:
        raw = canonical_text(part).encode("utf-8")
        mac.update(struct.pack(">I", len(raw)) + raw)
    return mac.digest()
