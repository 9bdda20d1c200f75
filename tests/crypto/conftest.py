"""Fixtures for the crypto tests: cheap Argon2 costs, one limiter, ready-made keys."""

from collections.abc import Callable

import pytest

from portal.crypto import (
    Argon2Limiter,
    DeskKey,
    KdfParams,
    PersonalKeys,
    ReceiptKeys,
    generate_desk_key,
)

# 8 MiB and one pass: the tests check behaviour, not cost; production defaults are benched.
FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


def flip_byte(blob: bytes, position: int, mask: int) -> bytes:
    """``blob`` with the byte at ``position`` XORed by a non-zero ``mask``."""
    assert mask != 0
    changed = bytearray(blob)
    changed[position] ^= mask
    return bytes(changed)


@pytest.fixture(scope="session")
def flip() -> Callable[[bytes, int, int], bytes]:
    return flip_byte


@pytest.fixture(scope="session")
def fast_params() -> KdfParams:
    return FAST


@pytest.fixture(scope="session")
def limiter() -> Argon2Limiter:
    return Argon2Limiter(4, wait_seconds=60)


@pytest.fixture(scope="session")
def personal_keys(limiter: Argon2Limiter) -> PersonalKeys:
    return PersonalKeys(FAST, limiter)


@pytest.fixture(scope="session")
def receipt_keys(limiter: Argon2Limiter) -> ReceiptKeys:
    return ReceiptKeys(b"pepper from config, not the db!!", FAST, limiter)


@pytest.fixture(scope="session")
def desk_key() -> DeskKey:
    return generate_desk_key("iq", 1)


@pytest.fixture(scope="session")
def other_desk_key() -> DeskKey:
    return generate_desk_key("so", 1)
