"""Padded blobs: sizes in Padmé buckets, frames checked whole, times set to the day."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import secrets

import pytest

from portal.crypto.padding import padme
from portal.store import FileStore, StoreError
from portal.store.padding import is_padded, pad_blob, unpad_blob


def test_padme_costs_at_most_twelve_percent_and_joins_near_sizes() -> None:
    for length in [*range(256, 5000, 37), *range(10_000, 30_000_000, 99_991)]:
        padded = padme(length)
        assert length <= padded <= length * 1.12, length
    # Two photos a few hundred bytes apart: one blob size.
    assert len(pad_blob(bytes(300_000))) == len(pad_blob(bytes(300_400)))
    assert len(pad_blob(bytes(1_000_000))) == len(pad_blob(bytes(1_010_000)))


def test_a_padded_blob_gives_back_exactly_the_sealed_bytes() -> None:
    for size in (0, 1, 31, 4096, 123_457):
        sealed = secrets.token_bytes(size)
        padded = pad_blob(sealed)
        assert is_padded(padded) and len(padded) == padme(len(sealed) + 8)
        assert unpad_blob(padded) == sealed


def test_a_blob_from_before_padding_is_read_as_it_is() -> None:
    legacy = b"\x01\x01" + secrets.token_bytes(100)  # an envelope header: version 1, kind 1
    assert not is_padded(legacy) and unpad_blob(legacy) == legacy


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # padding cut short
        lambda b: b + b"\x00",  # grown
        lambda b: b[:-1] + b"\x01",  # padding that is not zero
        lambda b: b[:4] + (10**6).to_bytes(4, "big") + b[8:],  # a length beyond the frame
        lambda b: b[:6],  # truncated header
    ],
)
def test_a_damaged_frame_is_refused(damage) -> None:  # type: ignore[no-untyped-def]
    padded = pad_blob(secrets.token_bytes(5000))
    with pytest.raises(StoreError):
        unpad_blob(damage(padded))


def test_a_blob_written_with_a_day_carries_that_day_only(file_store: FileStore) -> None:
    day = dt.date(2026, 3, 14)
    file_store.put("a" * 32, pad_blob(b"sealed"), day=day)
    stat = os.stat(file_store.root / "aa" / ("a" * 32))
    midnight = calendar.timegm(day.timetuple())
    assert stat.st_mtime == midnight and stat.st_atime == midnight
    assert stat.st_mode & 0o077 == 0
