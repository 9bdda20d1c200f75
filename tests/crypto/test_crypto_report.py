"""Sealing report parts: round trips, and every way of moving or altering a part fails."""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import (
    DataKey,
    DeskKey,
    Part,
    SealingError,
    TamperedCiphertext,
    UnsupportedFormat,
    open_data_key,
    open_part,
    seal_part,
    seal_report,
)

Flip = Callable[[bytes, int, int], bytes]

HEADER_BYTES = 2
DATA_KEY = DataKey.generate()
SEALED_PAYLOAD = seal_part(DATA_KEY, "r-7Hq2", Part.payload(), b'{"narrative": "..."}')


@given(plaintext=st.binary(max_size=4096), report_id=st.text(min_size=1, max_size=40))
def test_a_part_opens_to_what_was_sealed(plaintext: bytes, report_id: str) -> None:
    sealed = seal_part(DATA_KEY, report_id, Part.message("12"), plaintext)
    assert open_part(DATA_KEY, report_id, Part.message("12"), sealed) == plaintext


def test_the_ciphertext_does_not_contain_the_plaintext() -> None:
    secret = b"Colonel X ordered the arrests at the checkpoint" * 4
    sealed = seal_part(DATA_KEY, "r-1", Part.payload(), secret)
    assert b"Colonel" not in sealed
    assert seal_part(DATA_KEY, "r-1", Part.payload(), secret) != sealed  # fresh nonce each time


@settings(max_examples=300)
@given(data=st.data(), mask=st.integers(1, 255))
def test_flipping_any_byte_fails_with_a_named_error(
    flip: Flip, data: st.DataObject, mask: int
) -> None:
    position = data.draw(st.integers(0, len(SEALED_PAYLOAD) - 1))
    altered = flip(SEALED_PAYLOAD, position, mask)
    expected = SealingError if position < HEADER_BYTES else TamperedCiphertext
    with pytest.raises(expected):
        open_part(DATA_KEY, "r-7Hq2", Part.payload(), altered)


@given(length=st.integers(0, len(SEALED_PAYLOAD) - 1))
def test_a_truncated_part_is_reported_as_tampering(length: int) -> None:
    with pytest.raises(TamperedCiphertext):
        open_part(DATA_KEY, "r-7Hq2", Part.payload(), SEALED_PAYLOAD[:length])


def test_an_unknown_format_version_is_named_as_such(flip: Flip) -> None:
    with pytest.raises(UnsupportedFormat):
        open_part(DATA_KEY, "r-7Hq2", Part.payload(), flip(SEALED_PAYLOAD, 0, 0x02))


def test_a_part_moved_to_another_report_does_not_open() -> None:
    with pytest.raises(TamperedCiphertext):
        open_part(DATA_KEY, "r-other", Part.payload(), SEALED_PAYLOAD)


@pytest.mark.parametrize(
    "wrong_part",
    [Part.attachment("1"), Part.message("1"), Part.verifier_note("1"), Part("payload2")],
)
def test_a_part_moved_to_another_part_name_does_not_open(wrong_part: Part) -> None:
    with pytest.raises(TamperedCiphertext):
        open_part(DATA_KEY, "r-7Hq2", wrong_part, SEALED_PAYLOAD)


def test_swapping_two_attachments_of_one_report_fails() -> None:
    first = seal_part(DATA_KEY, "r-1", Part.attachment("a"), b"photo a")
    with pytest.raises(TamperedCiphertext):
        open_part(DATA_KEY, "r-1", Part.attachment("b"), first)


def test_report_and_part_names_cannot_be_shifted_into_each_other() -> None:
    sealed = seal_part(DATA_KEY, "r-1:x", Part("y"), b"body")
    with pytest.raises(TamperedCiphertext):
        open_part(DATA_KEY, "r-1", Part("x:y"), sealed)


def test_another_reports_data_key_does_not_open_a_part() -> None:
    with pytest.raises(TamperedCiphertext):
        open_part(DataKey.generate(), "r-7Hq2", Part.payload(), SEALED_PAYLOAD)


def test_a_sealed_report_opens_with_the_desk_key(desk_key: DeskKey) -> None:
    attachment = bytes(range(256)) * 100
    sealed = seal_report(
        "r-9", b'{"n": 1}', desk_key.public, desk_key.key_id, {"att-1": attachment}
    )
    data_key = open_data_key(sealed.sealed_data_key, desk_key.private, "r-9")
    assert data_key == sealed.data_key
    assert open_part(data_key, "r-9", Part.payload(), sealed.payload) == b'{"n": 1}'
    opened = open_part(data_key, "r-9", Part.attachment("att-1"), sealed.attachments["att-1"])
    assert opened == attachment


def test_part_names_need_a_row_id() -> None:
    with pytest.raises(ValueError):
        Part.attachment("")


def test_a_data_key_never_shows_its_bytes() -> None:
    key = DataKey.generate()
    assert key.secret.hex() not in repr(key)
