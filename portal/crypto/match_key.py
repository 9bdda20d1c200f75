"""A desk's match key: the HMAC key of its keyed match hashes, sealed to the desk key.

Threat answered: a seized server. Keyed hashes of a report's place, unit and exact day let the desk
suggest duplicates without unsealing anything; but whoever holds their key tests guesses against
them (31 guesses give the exact day of a month, a short list of checkpoints the place). So the key
is kept like the desk key (DESIGN §6, "Keyed match hashes"): HPKE-sealed to each version of the
desk key, opened only with a verifier's unlocked desk key in their session, and the hashes are
computed when a verifier opens the report.
"""

from __future__ import annotations

import secrets

from portal.crypto.envelope import KEY_BYTES, Kind, bind, read_header, start_header
from portal.crypto.errors import TamperedCiphertext, WrongKey
from portal.crypto.keys import KeyId, PrivateKey, PublicKey, hpke_open, hpke_seal


def generate_match_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _info(header: bytes, desk: str) -> bytes:
    return header + bind("match-key", desk)


def seal_match_key(match_key: bytes, desk_public: PublicKey, key_id: KeyId, desk: str) -> bytes:
    """Seal the desk's match key to one version of its desk key (public half only)."""
    if len(match_key) != KEY_BYTES:
        raise ValueError("a match key is exactly 32 bytes")
    header = start_header(Kind.MATCH_KEY_SEALED_TO_DESK) + key_id.to_header()
    return header + hpke_seal(desk_public, match_key, _info(header, desk))


def open_match_key(sealed: bytes, desk_private: PrivateKey, key_id: KeyId, desk: str) -> bytes:
    reader = read_header(sealed, Kind.MATCH_KEY_SEALED_TO_DESK)
    found = KeyId.read(reader)
    if found != key_id:
        raise WrongKey(f"sealed to {found}, offered {key_id}")
    header = reader.consumed
    secret = hpke_open(desk_private, reader.rest(), _info(header, desk))
    if len(secret) != KEY_BYTES:
        raise TamperedCiphertext("the sealed match key has the wrong length")
    return secret
