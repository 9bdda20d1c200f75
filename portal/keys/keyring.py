"""The instance's secrets and the crypto collaborators built from config, once per process."""

from __future__ import annotations

import logging
import os
import resource
from dataclasses import dataclass

from portal.config import Config
from portal.crypto import (
    Argon2Limiter,
    KeyFileError,
    PersonalKeys,
    ReceiptKeys,
    ServerKey,
    load_or_create_secret,
    load_or_create_server_key,
)

log = logging.getLogger("portal.keys")


@dataclass(frozen=True)
class Keyring:
    server_key: ServerKey
    receipts: ReceiptKeys
    personal: PersonalKeys
    # No key for the keyed match hashes: it is sealed to the desk keys and opened only in a
    # verifier's session (portal/keys/match.py).
    limiter: Argon2Limiter
    # Of the server key and the receipt pepper; stored in the database on first start, and a
    # database holding another one refuses these keys (portal/keys/fingerprint.py).
    fingerprint: str = ""


def secure_instance(config: Config) -> None:
    """Everything this process creates is for its own user only, and keys others can read stop it.

    Threat answered: another account on the machine (a co-hosted service, a backup agent)
    reading the instance folder. Files used to be created 0644 under the usual umask. The umask
    is now 0077 for the whole process (the SQLite file, its journal, blobs, keys and exports are
    created 0600), the instance and keys folders are 0700, and a key or secret readable by group
    or others is refused, the way ssh refuses a private key, rather than silently used.
    """
    os.umask(0o077)
    # No core dump of a process that holds unlocked keys and reporters' plaintext in memory.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for folder in (config.instance_path, config.keys_path):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_mode & 0o077:
            os.chmod(folder, 0o700)
    # Files an older release (or a tool run under another umask) left readable: the SQLite file,
    # whose journal files SQLite creates with its mode. Tightened, and said so.
    for path in config.instance_path.iterdir():
        if path.is_file() and path.name != "secret_key" and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
            log.warning("%s was readable by other users; it is now 0600", path.name)
    candidates = [config.instance_path / "secret_key", *config.keys_path.iterdir()]
    exposed = sorted(
        str(path) for path in candidates if path.is_file() and path.stat().st_mode & 0o077
    )
    if exposed:
        raise KeyFileError(
            f"refusing to start: {', '.join(exposed)} can be read by other users; "
            "run chmod 600 on them (and rotate them if others may have read them)"
        )


def load_keyring(config: Config) -> Keyring:
    secure_instance(config)
    keys = config.keys_path
    limiter = Argon2Limiter(config.argon2_concurrency)
    if config.receipt_pepper_hex:
        pepper = bytes.fromhex(config.receipt_pepper_hex)
    else:
        pepper = load_or_create_secret(keys / "receipt_pepper", 32)
    server_key = load_or_create_server_key(keys / "server_key")
    return Keyring(
        server_key=server_key,
        fingerprint=server_key.fingerprint(pepper),
        receipts=ReceiptKeys(pepper, config.kdf, limiter),
        personal=PersonalKeys(config.kdf, limiter),
        limiter=limiter,
    )
