"""Serialising hybrid key pairs, and refusing bytes that are not keys."""

import pytest

from portal.crypto import KeyId, MalformedKey, PrivateKey, PublicKey


def test_keys_survive_a_trip_through_the_database() -> None:
    private = PrivateKey.generate()
    again = PrivateKey.from_bytes(private.to_bytes())
    assert again == private
    assert again.public_key() == private.public_key()
    assert PublicKey.from_bytes(private.public_key().to_bytes()) == private.public_key()


def test_two_generated_keys_differ() -> None:
    assert PrivateKey.generate().public_key() != PrivateKey.generate().public_key()


@pytest.mark.parametrize("raw", [b"", b"\x01" * 10, b"\x02" + bytes(1216), b"\x01" + bytes(1215)])
def test_bytes_that_are_not_a_public_key_are_refused(raw: bytes) -> None:
    with pytest.raises(MalformedKey):
        PublicKey.from_bytes(raw)


def test_bytes_that_are_not_a_private_key_are_refused() -> None:
    with pytest.raises(MalformedKey):
        PrivateKey.from_bytes(b"\x01" * 12)


def test_a_private_key_repr_shows_only_the_public_fingerprint() -> None:
    private = PrivateKey.generate()
    assert private.to_bytes().hex()[:12] not in repr(private)
    assert private.public_key().fingerprint() in repr(private)


def test_key_ids_are_bounded() -> None:
    assert str(KeyId("desk:iq", 2)) == "desk:iq@v2"
    with pytest.raises(ValueError):
        KeyId("", 1)
    with pytest.raises(ValueError):
        KeyId("desk:iq", 0)
