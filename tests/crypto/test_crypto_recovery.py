"""The printable recovery key: readable, leniently parsed, typos caught."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.crypto import MalformedRecoveryKey, RecoveryKey


@given(secret=st.binary(min_size=18, max_size=18))
def test_what_is_printed_parses_back(secret: bytes) -> None:
    key = RecoveryKey(secret)
    printed = key.display()
    assert len(printed) == 39 and printed.count("-") == 7
    assert RecoveryKey.parse(printed) == key


def test_case_spaces_dashes_and_lookalike_letters_are_forgiven() -> None:
    key = RecoveryKey.generate()
    printed = key.display()
    sloppy = " ".join(printed.lower().replace("-", "")).replace("0", "o").replace("1", "l")
    assert RecoveryKey.parse(sloppy) == key


def test_the_printed_form_has_no_ambiguous_letters() -> None:
    for _ in range(50):
        printed = RecoveryKey.generate().display()
        assert not set(printed) & set("ILOU")


def test_a_single_mistyped_character_is_caught_as_a_typo() -> None:
    key = RecoveryKey.generate()
    printed = key.display().replace("-", "")
    replacement = "2" if printed[5] != "2" else "3"
    mistyped = printed[:5] + replacement + printed[6:]
    with pytest.raises(MalformedRecoveryKey):
        RecoveryKey.parse(mistyped)


@pytest.mark.parametrize("text", ["", "ABCD-EFGH", "U" * 32, "!" * 32, "A" * 33])
def test_text_that_is_not_a_recovery_key_is_refused(text: str) -> None:
    with pytest.raises(MalformedRecoveryKey):
        RecoveryKey.parse(text)


def test_malformed_recovery_keys_are_value_errors_for_form_validation() -> None:
    with pytest.raises(ValueError):
        RecoveryKey.parse("nope")
