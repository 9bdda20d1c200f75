"""Password policy (length, common list, email, repetition) and Argon2id hashing."""

from __future__ import annotations

import gzip
import re
from importlib import resources

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from portal.auth import passwords
from portal.auth.data import build_common_passwords
from portal.auth.passwords import (
    ContainsEmail,
    MalformedPasswordHash,
    PasswordHashParams,
    PasswordPolicy,
    Repetitive,
    TooCommon,
    TooLong,
    TooShort,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
)

# Tiny cost so the suite stays fast; production uses the defaults.
FAST = PasswordHashParams(memory_kib=8, iterations=1, lanes=1)
PHC = re.compile(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")


# ---------------------------------------------------------------------------------------------
# Policy


@pytest.mark.parametrize(
    "password",
    [
        "kf8#Lq2!vZ9m",
        "river lantern okra tuesday",
        "الطقس جميل في المدينة اليوم",  # Arabic passphrase
        "Tr0ub4dor&3 horse",
    ],
)
def test_acceptable_passwords_have_no_violations(password: str) -> None:
    assert check_password(password, email="jane.doe@example.org") == ()


def test_too_short_reports_the_minimum() -> None:
    assert check_password("kf8#Lq2!vZ9") == (TooShort(12),)
    assert check_password("kf8#Lq2!vZ9mX", policy=PasswordPolicy(min_length=16)) == (TooShort(16),)


def test_too_long_reports_the_maximum_and_skips_other_checks() -> None:
    assert check_password("a" * 1025) == (TooLong(1024),)
    assert check_password("x" * 10_000_000) == (TooLong(1024),)
    assert check_password("kf8#Lq2!vZ9m" * 3, policy=PasswordPolicy(max_length=30)) == (
        TooLong(30),
    )


def test_length_counts_characters_after_normalisation() -> None:
    # Twelve Arabic letters are twelve characters, though 24 bytes in UTF-8.
    assert TooShort(12) not in check_password("كتبتقريراليوم")
    assert check_password("كتبتقريرال") == (TooShort(12),)


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password123456",
        "P@ssw0rd2024!",  # listed word behind look-alikes and decoration
        "!!Dragon1987!!",
        "qwertyuiop[]",
        "1qaz2wsx3edc4rfv",
        "azertyuiop12",  # French keyboard row (Niger)
        "ضصثقفغعهخحجد",  # the qwerty row typed on an Arabic layout
        "123456789012",
        "Mohammed1990!",
        "Baghdad@2024",
        "correct horse battery staple",
        "ｐａｓｓｗｏｒｄ１２３４",  # full-width forms normalise to a listed password
        "CompactWatch2025",
        "compact-watch-rocks",  # the portal's name anywhere in the password
        "I love C0mpact Watch",
    ],
)
def test_common_passwords_and_their_decorations_are_refused(password: str) -> None:
    assert TooCommon() in check_password(password)


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("jane.doe is here 77", "jane.doe@example.org"),
        ("JaneDoe-is-here-77", "jane.doe@example.org"),  # separators do not hide it
        ("hassan and the river", "ali.hassan+portal@example.org"),  # a name piece, tag removed
        ("xx-verifier-2-xx-77", "verifier2@demo.test"),
    ],
)
def test_passwords_containing_the_email_local_part_are_refused(password: str, email: str) -> None:
    assert ContainsEmail() in check_password(password, email=email)


def test_short_email_pieces_do_not_refuse_everything() -> None:
    assert ContainsEmail() not in check_password("a river lantern okra", email="al.b@example.org")


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "############", "ababababababab", "abcabcabcabc", "Xk9!Xk9!Xk9!"]
)
def test_repetitions_are_refused(password: str) -> None:
    assert Repetitive() in check_password(password)


def test_every_reason_is_reported_at_once() -> None:
    assert set(check_password("janejane", email="jane@example.org")) == {
        TooShort(12),
        ContainsEmail(),
        Repetitive(),
    }


def test_policy_bounds_are_validated() -> None:
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=20, max_length=10)
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=0)
    with pytest.raises(ValueError):
        PasswordPolicy(max_length=10**6)


def test_the_shipped_list_is_large_and_matches_its_build_script() -> None:
    data = resources.files("portal.auth.data").joinpath("common_passwords.txt.gz").read_bytes()
    shipped = gzip.decompress(data).decode("utf-8").splitlines()
    assert len(shipped) >= 5000
    # Rebuild after editing the script: `python -m portal.auth.data.build_common_passwords`.
    assert shipped == build_common_passwords.build_entries()
    assert {"password", "compactwatch", "qwertyuiop", "iloveyou"} <= set(shipped)


def test_the_list_is_loaded_once() -> None:
    assert passwords.common_passwords() is passwords.common_passwords()


# ---------------------------------------------------------------------------------------------
# Hashing


def test_hash_is_a_phc_string_recording_the_parameters() -> None:
    stored = hash_password("river lantern okra", FAST)
    match = PHC.fullmatch(stored)
    assert match is not None
    assert match.groups() == ("8", "1", "1")


def test_default_parameters_are_recorded_in_the_hash() -> None:
    stored = hash_password("river lantern okra")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert verify_password("river lantern okra", stored)


def test_verify_accepts_the_password_and_refuses_others() -> None:
    stored = hash_password("river lantern okra", FAST)
    assert verify_password("river lantern okra", stored)
    assert not verify_password("river lantern okrA", stored)
    assert not verify_password("", stored)
    assert not verify_password("x" * 100_000, stored)


def test_salts_make_equal_passwords_hash_differently() -> None:
    assert hash_password("river lantern okra", FAST) != hash_password("river lantern okra", FAST)


def test_normalisation_makes_equivalent_spellings_match() -> None:
    # "é" typed as one code point on one device and as e + combining accent on another.
    stored = hash_password("caf\u00e9 lantern okra", FAST)
    assert verify_password("cafe\u0301 lantern okra", stored)


def test_hashes_from_the_primitive_itself_verify() -> None:
    kdf = Argon2id(salt=b"0123456789abcdef", length=32, iterations=1, lanes=1, memory_cost=8)
    stored = kdf.derive_phc_encoded(b"river lantern okra")
    assert verify_password("river lantern okra", stored)


def test_needs_rehash_when_parameters_change() -> None:
    stored = hash_password("river lantern okra", FAST)
    assert not needs_rehash(stored, FAST)
    assert needs_rehash(stored, PasswordHashParams(memory_kib=16, iterations=1, lanes=1))
    assert needs_rehash(stored, PasswordHashParams(memory_kib=8, iterations=2, lanes=1))
    assert needs_rehash(stored)  # today's defaults are stronger


def test_needs_rehash_when_the_hash_is_shorter_than_today() -> None:
    kdf = Argon2id(salt=b"01234567", length=16, iterations=1, lanes=1, memory_cost=8)
    stored = kdf.derive_phc_encoded(b"river lantern okra")
    assert verify_password("river lantern okra", stored)
    assert needs_rehash(stored, FAST)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$argon2i$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + "A" * 43,
        "$argon2id$v=16$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + "A" * 43,
        "$argon2id$v=19$m=99999999,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + "A" * 43,
        "$argon2id$v=19$m=8,t=1000,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + "A" * 43,
        "$argon2id$v=19$m=8,t=1,p=1$$" + "A" * 43,
        "$argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + "A" * 9,
        "$argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZ$" + "A" * 43,  # bad base64 length
    ],
)
def test_malformed_hashes_raise(stored: str) -> None:
    with pytest.raises(MalformedPasswordHash):
        verify_password("river lantern okra", stored)
    with pytest.raises(MalformedPasswordHash):
        needs_rehash(stored, FAST)


def test_refusing_an_unknown_user_still_does_the_work() -> None:
    assert passwords.verify_password_for_unknown_user("river lantern okra", FAST) is False


def test_hash_refuses_absurdly_long_input() -> None:
    with pytest.raises(ValueError):
        hash_password("x" * 100_000, FAST)


@pytest.mark.parametrize(
    ("memory_kib", "iterations", "lanes"),
    [(4, 1, 1), (64, 0, 1), (64, 1, 0), (16, 1, 4), (2 * 1024 * 1024, 1, 1)],
)
def test_hash_parameters_are_validated(memory_kib: int, iterations: int, lanes: int) -> None:
    with pytest.raises(ValueError):
        PasswordHashParams(memory_kib=memory_kib, iterations=iterations, lanes=lanes)
