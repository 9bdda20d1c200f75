"""Desk keys wrapped to each member's personal key and to the admin escrow key."""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import (
    DeskKey,
    PrivateKey,
    SealingError,
    TamperedCiphertext,
    WrongKey,
    create_desk_key,
    desk_key_id,
    unwrap_desk_key,
    wrap_desk_key,
    wrapped_desk_key_id,
)

Flip = Callable[[bytes, int, int], bytes]

VERIFIER = PrivateKey.generate()
OUTSIDER = PrivateKey.generate()


@pytest.fixture(scope="module")
def wrapped(desk_key: DeskKey) -> bytes:
    return wrap_desk_key(desk_key, VERIFIER.public_key())


def test_a_member_unwraps_the_desk_key(desk_key: DeskKey, wrapped: bytes) -> None:
    unwrapped = unwrap_desk_key(wrapped, VERIFIER, expect=desk_key.key_id)
    assert unwrapped.private == desk_key.private
    assert unwrapped.key_id == desk_key_id("iq", 1)
    assert wrapped_desk_key_id(wrapped) == desk_key.key_id


def test_someone_elses_personal_key_does_not_unwrap_it(wrapped: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        unwrap_desk_key(wrapped, OUTSIDER)


def test_a_wrap_of_another_desk_is_refused_by_id(other_desk_key: DeskKey) -> None:
    wrapped = wrap_desk_key(other_desk_key, VERIFIER.public_key())
    with pytest.raises(WrongKey):
        unwrap_desk_key(wrapped, VERIFIER, expect=desk_key_id("iq", 1))


@settings(max_examples=200)
@given(data=st.data(), mask=st.integers(1, 255))
def test_flipping_any_byte_fails_with_a_named_error(
    wrapped: bytes, flip: Flip, data: st.DataObject, mask: int
) -> None:
    position = data.draw(st.integers(0, len(wrapped) - 1))
    with pytest.raises(SealingError):
        unwrap_desk_key(flip(wrapped, position, mask), VERIFIER)


def test_a_new_desk_key_is_wrapped_to_every_member_and_the_escrow() -> None:
    alice, bashir, escrow = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    new = create_desk_key(
        "iq",
        3,
        {"alice": alice.public_key(), "bashir": bashir.public_key()},
        escrow.public_key(),
    )
    assert set(new.member_wraps) == {"alice", "bashir"}
    assert new.escrow_wrap is not None
    for holder, wrap in [
        (alice, new.member_wraps["alice"]),
        (bashir, new.member_wraps["bashir"]),
        (escrow, new.escrow_wrap),
    ]:
        assert unwrap_desk_key(wrap, holder).private == new.desk_key.private
    assert new.public == new.desk_key.public
    assert new.desk_key.key_id == desk_key_id("iq", 3)
    with pytest.raises(TamperedCiphertext):
        unwrap_desk_key(new.member_wraps["alice"], bashir)


def test_escrow_can_be_turned_off() -> None:
    alice = PrivateKey.generate()
    new = create_desk_key("so", 1, {1: alice.public_key()}, None)
    assert new.escrow_wrap is None
    assert unwrap_desk_key(new.member_wraps[1], alice).private == new.desk_key.private


def test_a_desk_key_wrapped_to_nobody_is_refused() -> None:
    with pytest.raises(ValueError):
        create_desk_key("so", 1, {}, None)


def test_a_desk_key_repr_shows_no_secret(desk_key: DeskKey) -> None:
    assert desk_key.private.to_bytes().hex()[:16] not in repr(desk_key)
