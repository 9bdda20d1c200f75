"""Instance-folder key files and the server key that seals TOTP secrets."""

import os
import stat
import threading
from pathlib import Path

import pytest

from portal.crypto import (
    KeyFileError,
    SealingError,
    ServerKey,
    TamperedCiphertext,
    WrongKey,
    load_or_create_secret,
    load_or_create_server_key,
)


def test_a_new_key_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "server.key"
    key = load_or_create_secret(path, 32)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path, 32) == key
    assert [p.name for p in path.parent.iterdir()] == ["server.key"]  # no temp file left


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pepper"
    load_or_create_secret(path, 32)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError):
        load_or_create_secret(path, 32)


def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pepper"
    path.write_bytes(b"x" * 31)
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError):
        load_or_create_secret(path, 32)


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "server.key"
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_or_create_secret(path, 32)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1


def test_a_totp_secret_round_trips_bound_to_its_account(tmp_path: Path) -> None:
    server_key = load_or_create_server_key(tmp_path / "server.key")
    sealed = server_key.seal(b"JBSWY3DPEHPK3PXP", "totp:42")
    assert b"JBSWY3DP" not in sealed
    assert server_key.open(sealed, "totp:42") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(TamperedCiphertext):
        server_key.open(sealed, "totp:43")


def test_another_instances_key_is_named_as_the_wrong_key() -> None:
    sealed = ServerKey(os.urandom(32)).seal(b"secret", "totp:1")
    with pytest.raises(WrongKey):
        ServerKey(os.urandom(32)).open(sealed, "totp:1")


def test_every_flipped_byte_is_caught() -> None:
    server_key = ServerKey(os.urandom(32))
    sealed = server_key.seal(b"secret", "totp:1")
    for position in range(len(sealed)):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x80
        with pytest.raises(SealingError):
            server_key.open(bytes(damaged), "totp:1")


def test_the_server_key_repr_hides_the_key() -> None:
    raw = os.urandom(32)
    assert raw.hex()[:8] not in repr(ServerKey(raw))
