"""What every `Store` promises: the services rely on it whatever the backend."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.store import (
    BlobNotFound,
    InMemoryStore,
    InvalidBlobKey,
    Store,
    check_blob_key,
    new_blob_key,
)

KEY = "f3a9c1d27be04e55a0c4d6b8e1f20a97"


def test_put_get_exists_delete_round_trip(store: Store) -> None:
    assert not store.exists(KEY)
    store.put(KEY, b"sealed\x00bytes")
    assert store.exists(KEY)
    assert store.get(KEY) == b"sealed\x00bytes"
    store.delete(KEY)
    assert not store.exists(KEY)
    with pytest.raises(BlobNotFound):
        store.get(KEY)


def test_put_replaces_the_previous_blob(store: Store) -> None:
    store.put(KEY, b"first")
    store.put(KEY, b"second")
    assert store.get(KEY) == b"second"


def test_empty_blob_is_a_blob(store: Store) -> None:
    store.put(KEY, b"")
    assert store.exists(KEY)
    assert store.get(KEY) == b""


def test_missing_blob_is_a_named_error(store: Store) -> None:
    with pytest.raises(BlobNotFound) as raised:
        store.get(KEY)
    assert raised.value.key == KEY
    assert isinstance(raised.value, KeyError)


def test_delete_is_idempotent(store: Store) -> None:
    # The retention purge job may run twice.
    store.put(KEY, b"x")
    store.delete(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)


@pytest.mark.parametrize(
    "key",
    [
        "",
        ".",
        "..",
        "../../etc/passwd",
        "..%2f..%2fetc%2fpasswd",
        "aa/../../../../tmp/owned",
        "/etc/passwd",
        "ab\\..\\..\\windows",
        "f3a9c1d27be04e55a0c4d6b8e1f20a97\x00.txt",
        "f3a9c1d27be04e55a0c4d6b8e1f20a97\n",
        "F3A9C1D27BE04E55A0C4D6B8E1F20A97",
        "-rf-f3a9c1d27be04e55a0c4",
        "42",
        "x" * 129,
        "f3a9c1d27be04e55a0c4d6b8e1f20a9\u00e9",
    ],
)
def test_keys_that_could_escape_or_are_not_opaque_ids_are_refused(store: Store, key: str) -> None:
    for operation in (store.get, store.exists, store.delete):
        with pytest.raises(InvalidBlobKey):
            operation(key)
    with pytest.raises(InvalidBlobKey):
        store.put(key, b"x")


def test_invalid_key_error_does_not_echo_the_key() -> None:
    with pytest.raises(InvalidBlobKey) as raised:
        check_blob_key("Amina-Reporter-photo-name")
    assert "Amina" not in str(raised.value)


def test_new_keys_are_valid_random_and_distinct() -> None:
    keys = {new_blob_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(check_blob_key(key) == key for key in keys)


@given(st.text(max_size=140))
def test_any_string_is_either_a_safe_key_or_refused(key: str) -> None:
    try:
        check_blob_key(key)
    except InvalidBlobKey:
        return
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]{15,127}", key)


def test_in_memory_store_counts_blobs() -> None:
    store = InMemoryStore()
    store.put(KEY, b"x")
    store.put(new_blob_key(), b"y")
    assert len(store) == 2
