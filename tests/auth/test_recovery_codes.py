"""Recovery codes: format and entropy, one use each, lenient typing, hashes only."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.auth import recovery_codes
from portal.auth.recovery_codes import (
    InvalidRecoveryCode,
    MalformedRecoveryHash,
    consume,
    generate_recovery_codes,
    hash_recovery_code,
)

DISPLAY = re.compile(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}")


def test_ten_readable_codes_with_at_least_sixty_bits_each() -> None:
    issued = generate_recovery_codes()
    assert len(issued.codes) == 10
    assert len(issued.hashes) == 10
    assert len(set(issued.codes)) == 10
    assert all(DISPLAY.fullmatch(code) for code in issued.codes)
    bits = recovery_codes.CODE_LENGTH * math.log2(len(recovery_codes.ALPHABET))
    assert bits >= 60


def test_alphabet_has_no_confusable_letters() -> None:
    assert len(set(recovery_codes.ALPHABET)) == 32
    assert not set("ilou") & set(recovery_codes.ALPHABET)


def test_hashes_do_not_contain_the_codes() -> None:
    issued = generate_recovery_codes()
    for code, stored in zip(issued.codes, issued.hashes, strict=True):
        assert code not in stored
        assert code.replace("-", "") not in stored
        assert stored.startswith("rc1$")


def test_each_code_works_exactly_once() -> None:
    issued = generate_recovery_codes()
    remaining = issued.hashes
    for code in issued.codes:
        remaining = consume(code, remaining)
        with pytest.raises(InvalidRecoveryCode):
            consume(code, remaining)
    assert remaining == ()


def test_consume_removes_only_the_matched_hash_and_keeps_order() -> None:
    issued = generate_recovery_codes()
    remaining = consume(issued.codes[3], issued.hashes)
    assert remaining == issued.hashes[:3] + issued.hashes[4:]


def test_a_code_from_another_account_is_refused() -> None:
    mine = generate_recovery_codes()
    theirs = generate_recovery_codes()
    with pytest.raises(InvalidRecoveryCode):
        consume(theirs.codes[0], mine.hashes)


def test_nothing_left_refuses_every_code() -> None:
    with pytest.raises(InvalidRecoveryCode):
        consume(generate_recovery_codes(1).codes[0], [])


@pytest.mark.parametrize(
    "retype",
    [
        str.upper,
        lambda code: code.replace("-", ""),
        lambda code: code.replace("-", " "),
        lambda code: f"  {code.upper()}  ",
        lambda code: code.replace("-", "\u2013"),  # en dash from a word processor
        lambda code: code.replace("0", "O").replace("1", "I"),  # Crockford look-alikes
        lambda code: code.replace("1", "l"),
        lambda code: code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    ],
)
def test_lenient_spellings_are_accepted(retype: Callable[[str], str]) -> None:
    code = "01ab-c2de-3fgh-4jk5"
    stored = [hash_recovery_code(code)]
    assert consume(retype(code), stored) == ()


@pytest.mark.parametrize(
    "typed",
    ["", "01ab-c2de-3fgh", "01ab-c2de-3fgh-4jk5-6", "01ab-c2de-3fgh-4juu", "01ab c2de 3fgh 4jk$"],
)
def test_malformed_codes_are_invalid(typed: str) -> None:
    stored = [hash_recovery_code("01ab-c2de-3fgh-4jk5")]
    with pytest.raises(InvalidRecoveryCode):
        consume(typed, stored)


def test_absurdly_long_input_is_invalid_without_work() -> None:
    with pytest.raises(InvalidRecoveryCode):
        consume("0" * 10_000, [hash_recovery_code("01ab-c2de-3fgh-4jk5")])


@pytest.mark.parametrize(
    "stored", ["", "sha256$abc", "rc1$short$short", "rc2$" + "A" * 22 + "$" + "A" * 43]
)
def test_damaged_stored_hashes_raise(stored: str) -> None:
    with pytest.raises(MalformedRecoveryHash):
        consume("01ab-c2de-3fgh-4jk5", [stored])


def test_each_hash_has_its_own_salt() -> None:
    assert hash_recovery_code("01ab-c2de-3fgh-4jk5") != hash_recovery_code("01ab-c2de-3fgh-4jk5")


@settings(max_examples=50, deadline=None)
@given(
    raw=st.text(alphabet=recovery_codes.ALPHABET, min_size=16, max_size=16),
    upper=st.booleans(),
    separator=st.sampled_from(["", "-", " ", " - "]),
)
def test_any_code_round_trips_through_its_hash(raw: str, upper: bool, separator: str) -> None:
    stored = [hash_recovery_code(raw)]
    typed = separator.join(raw[i : i + 4] for i in range(0, 16, 4))
    assert consume(typed.upper() if upper else typed, stored) == ()
