"""The instance's secrets and the crypto collaborators built from config, once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from portal.config import Config
from portal.crypto import (
    Argon2Limiter,
    PersonalKeys,
    ReceiptKeys,
    ServerKey,
    load_or_create_secret,
    load_or_create_server_key,
)


@dataclass(frozen=True)
class Keyring:
    server_key: ServerKey
    receipts: ReceiptKeys
    personal: PersonalKeys
    # No key for the keyed match hashes: it is sealed to the desk keys and opened only in a
    # verifier's session (portal/keys/match.py).
    limiter: Argon2Limiter


def load_keyring(config: Config) -> Keyring:
    keys = config.keys_path
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(keys, 0o700)
    limiter = Argon2Limiter(config.argon2_concurrency)
    if config.receipt_pepper_hex:
        pepper = bytes.fromhex(config.receipt_pepper_hex)
    else:
        pepper = load_or_create_secret(keys / "receipt_pepper", 32)
    return Keyring(
        server_key=load_or_create_server_key(keys / "server_key"),
        receipts=ReceiptKeys(pepper, config.kdf, limiter),
        personal=PersonalKeys(config.kdf, limiter),
        limiter=limiter,
    )
