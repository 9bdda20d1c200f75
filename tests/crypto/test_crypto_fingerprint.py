"""Keyed fingerprints for duplicate detection without plaintext."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.crypto import canonical_text, keyed_hash

KEY = b"fingerprint key from the instance"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("3rd Brigade", "  3RD   brigade "),
        ("Checkpoint\u00a0Alpha", "checkpoint alpha"),  # no-break space
        ("ＵＮＩＴ 7", "unit 7"),  # full-width
        ("Straße", "STRASSE"),  # case folding, not lower()
        ("ﻣﻮﺻﻞ", "موصل"),  # Arabic presentation forms
    ],
)
def test_trivial_variations_give_the_same_fingerprint(one: str, other: str) -> None:
    assert keyed_hash(KEY, "iq-ni", one) == keyed_hash(KEY, "iq-ni", other)


def test_different_text_gives_different_fingerprints() -> None:
    assert keyed_hash(KEY, "3rd Brigade") != keyed_hash(KEY, "4th Brigade")


def test_part_boundaries_matter() -> None:
    assert keyed_hash(KEY, "ab", "c") != keyed_hash(KEY, "a", "bc")


def test_without_the_key_the_fingerprint_cannot_be_recomputed() -> None:
    assert keyed_hash(KEY, "3rd Brigade") != keyed_hash(
        b"another key from elsewhere", "3rd Brigade"
    )


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        keyed_hash(b"short", "x")


@given(st.text())
def test_canonicalising_is_idempotent(text: str) -> None:
    assert canonical_text(canonical_text(text)) == canonical_text(text)
