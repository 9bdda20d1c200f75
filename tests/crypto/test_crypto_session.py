"""The staff session vault: cookie half and server half, useless apart."""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import PrivateKey, SealingError, SessionUnlockFailed, SessionVault

Flip = Callable[[bytes, int, int], bytes]

PERSONAL_KEY = PrivateKey.generate().to_bytes()
SESSION_KEY, SEALED = SessionVault.lock(PERSONAL_KEY)


def test_both_halves_together_give_back_the_personal_key() -> None:
    assert SessionVault.unlock(SESSION_KEY, SEALED) == PERSONAL_KEY


def test_the_server_half_alone_does_not_contain_the_key() -> None:
    assert PERSONAL_KEY not in SEALED
    assert PERSONAL_KEY[1:17] not in SEALED


def test_the_cookie_half_is_random_and_unrelated_to_the_key() -> None:
    again_key, again_sealed = SessionVault.lock(PERSONAL_KEY)
    assert again_key != SESSION_KEY and again_sealed != SEALED
    assert SESSION_KEY not in PERSONAL_KEY and len(SESSION_KEY) == 32


def test_a_stolen_server_half_with_a_guessed_cookie_opens_nothing() -> None:
    with pytest.raises(SessionUnlockFailed):
        SessionVault.unlock(bytes(32), SEALED)


def test_a_cookie_from_another_session_opens_nothing() -> None:
    other_key, _ = SessionVault.lock(PERSONAL_KEY)
    with pytest.raises(SessionUnlockFailed):
        SessionVault.unlock(other_key, SEALED)


@pytest.mark.parametrize("cookie", [b"", b"short", bytes(33)])
def test_a_malformed_cookie_is_refused(cookie: bytes) -> None:
    with pytest.raises(SessionUnlockFailed):
        SessionVault.unlock(cookie, SEALED)


@settings(max_examples=200)
@given(data=st.data(), mask=st.integers(1, 255))
def test_flipping_any_byte_of_either_half_fails(flip: Flip, data: st.DataObject, mask: int) -> None:
    position = data.draw(st.integers(0, len(SEALED) - 1))
    with pytest.raises(SealingError):
        SessionVault.unlock(SESSION_KEY, flip(SEALED, position, mask))
    key_position = data.draw(st.integers(0, len(SESSION_KEY) - 1))
    with pytest.raises(SessionUnlockFailed):
        SessionVault.unlock(flip(SESSION_KEY, key_position, mask), SEALED)
