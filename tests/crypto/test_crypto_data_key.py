"""Data keys sealed to desk keys, and re-sealing them during a desk key rotation."""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import (
    DataKey,
    DeskKey,
    SealingError,
    TamperedCiphertext,
    WrongKey,
    generate_desk_key,
    open_data_key,
    reseal_data_key,
    seal_data_key,
    sealed_key_id,
)

Flip = Callable[[bytes, int, int], bytes]

DATA_KEY = DataKey.generate()


@pytest.fixture(scope="module")
def sealed(desk_key: DeskKey) -> bytes:
    return seal_data_key(DATA_KEY, desk_key.public, desk_key.key_id, "r-42")


def test_the_desk_key_opens_the_data_key(desk_key: DeskKey, sealed: bytes) -> None:
    assert open_data_key(sealed, desk_key.private, "r-42", key_id=desk_key.key_id) == DATA_KEY
    assert sealed_key_id(sealed) == desk_key.key_id


def test_another_desks_key_does_not_open_it(other_desk_key: DeskKey, sealed: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        open_data_key(sealed, other_desk_key.private, "r-42")


def test_offering_another_key_version_is_named_before_decrypting(
    other_desk_key: DeskKey, sealed: bytes
) -> None:
    with pytest.raises(WrongKey):
        open_data_key(sealed, other_desk_key.private, "r-42", key_id=other_desk_key.key_id)


def test_a_sealed_data_key_moved_to_another_report_does_not_open(
    desk_key: DeskKey, sealed: bytes
) -> None:
    with pytest.raises(TamperedCiphertext):
        open_data_key(sealed, desk_key.private, "r-43")


@settings(max_examples=200)
@given(data=st.data(), mask=st.integers(1, 255))
def test_flipping_any_byte_fails_with_a_named_error(
    desk_key: DeskKey, sealed: bytes, flip: Flip, data: st.DataObject, mask: int
) -> None:
    position = data.draw(st.integers(0, len(sealed) - 1))
    with pytest.raises(SealingError):
        open_data_key(flip(sealed, position, mask), desk_key.private, "r-42")


def test_rotation_reseals_to_the_new_version_and_the_old_key_no_longer_opens(
    desk_key: DeskKey, sealed: bytes
) -> None:
    new = generate_desk_key("iq", 2)
    resealed = reseal_data_key(sealed, desk_key.private, new.public, new.key_id, "r-42")
    assert sealed_key_id(resealed) == new.key_id
    assert open_data_key(resealed, new.private, "r-42", key_id=new.key_id) == DATA_KEY
    with pytest.raises(WrongKey):
        open_data_key(resealed, desk_key.private, "r-42", key_id=desk_key.key_id)


def test_during_a_rotation_old_and_new_rows_both_open(desk_key: DeskKey, sealed: bytes) -> None:
    new = generate_desk_key("iq", 2)
    rows = {"r-42": sealed}
    rows["r-43"] = seal_data_key(DATA_KEY, new.public, new.key_id, "r-43")
    keys = {desk_key.key_id: desk_key, new.key_id: new}
    for report_id, row in rows.items():
        holder = keys[sealed_key_id(row)]
        assert open_data_key(row, holder.private, report_id, key_id=holder.key_id) == DATA_KEY


def test_resealing_with_the_wrong_old_key_fails(other_desk_key: DeskKey, sealed: bytes) -> None:
    new = generate_desk_key("iq", 2)
    with pytest.raises(TamperedCiphertext):
        reseal_data_key(sealed, other_desk_key.private, new.public, new.key_id, "r-42")
