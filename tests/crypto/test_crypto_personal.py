"""Personal keys: password and recovery-key wraps, password change, cost upgrades."""

import struct
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import (
    Argon2Limiter,
    KdfParams,
    NewPersonalKey,
    PersonalKeys,
    RecoveryKey,
    SealingError,
    UnsupportedFormat,
    WrongPassword,
    WrongRecoveryKey,
    unlock_with_recovery_key,
)

Flip = Callable[[bytes, int, int], bytes]

PASSWORD = "قلعة أربيل 1959 tower"
# version, kind | memory u32, iterations u8, lanes u8 | salt 16 | nonce, ciphertext
COSTS_AT = slice(2, 8)
HEADER_BYTES = 2 + 6 + 16


@pytest.fixture(scope="module")
def account(personal_keys: PersonalKeys) -> NewPersonalKey:
    return personal_keys.create(PASSWORD)


def test_the_password_unlocks_the_personal_key(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    unlocked = personal_keys.unlock_with_password(account.wrapped_by_password, PASSWORD)
    assert unlocked == account.private
    assert unlocked.public_key() == account.public


def test_the_same_password_typed_in_another_unicode_form_unlocks(
    personal_keys: PersonalKeys,
) -> None:
    new = personal_keys.create("Ｃａｆé tower")  # full-width letters, precomposed é
    typed = "Cafe\u0301 tower"  # ASCII letters, combining accent
    assert personal_keys.unlock_with_password(new.wrapped_by_password, typed) == new.private


@pytest.mark.parametrize("wrong", ["", PASSWORD + " ", PASSWORD.upper(), "password"])
def test_a_wrong_password_fails(
    personal_keys: PersonalKeys, account: NewPersonalKey, wrong: str
) -> None:
    with pytest.raises(WrongPassword):
        personal_keys.unlock_with_password(account.wrapped_by_password, wrong)


def test_the_recovery_key_opens_the_same_key(account: NewPersonalKey) -> None:
    written_down = account.recovery_key.display()
    typed = RecoveryKey.parse(written_down.lower().replace("-", " "))
    assert unlock_with_recovery_key(account.wrapped_by_recovery_key, typed) == account.private


def test_another_recovery_key_fails(account: NewPersonalKey) -> None:
    with pytest.raises(WrongRecoveryKey):
        unlock_with_recovery_key(account.wrapped_by_recovery_key, RecoveryKey.generate())


def test_changing_the_password_rewraps_the_same_key(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    rewrapped = personal_keys.change_password(
        account.wrapped_by_password, PASSWORD, "a new long passphrase"
    )
    assert personal_keys.unlock_with_password(rewrapped, "a new long passphrase") == account.private
    with pytest.raises(WrongPassword):
        personal_keys.unlock_with_password(rewrapped, PASSWORD)


def test_changing_the_password_needs_the_old_one(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    with pytest.raises(WrongPassword):
        personal_keys.change_password(account.wrapped_by_password, "guess", "new one")


def test_a_forgotten_password_is_reset_with_the_recovery_key(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    private, rewrapped = personal_keys.reset_password(
        account.wrapped_by_recovery_key, account.recovery_key, "after the reset"
    )
    assert private == account.private
    assert personal_keys.unlock_with_password(rewrapped, "after the reset") == account.private


def test_wraps_made_with_old_costs_still_open_and_ask_for_an_upgrade(
    limiter: Argon2Limiter, account: NewPersonalKey, fast_params: KdfParams
) -> None:
    stronger = PersonalKeys(KdfParams(memory_kib=16 * 1024, iterations=2), limiter)
    assert stronger.needs_rewrap(account.wrapped_by_password)
    assert stronger.unlock_with_password(account.wrapped_by_password, PASSWORD) == account.private
    upgraded = stronger.wrap_with_password(account.private, PASSWORD)
    assert not stronger.needs_rewrap(upgraded)
    assert PersonalKeys(fast_params, limiter).needs_rewrap(upgraded)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), mask=st.integers(1, 255))
def test_flipping_a_byte_after_the_costs_fails_with_a_named_error(
    personal_keys: PersonalKeys,
    account: NewPersonalKey,
    flip: Flip,
    data: st.DataObject,
    mask: int,
) -> None:
    # Flips inside the cost fields are covered below: some would legally ask for a 1 GiB run.
    wrapped = account.wrapped_by_password
    position = data.draw(st.one_of(st.integers(0, 1), st.integers(COSTS_AT.stop, len(wrapped) - 1)))
    expected = SealingError if position < 2 else WrongPassword
    with pytest.raises(expected):
        personal_keys.unlock_with_password(flip(wrapped, position, mask), PASSWORD)


@pytest.mark.parametrize(
    "costs",
    [(2**31, 1, 1), (8 * 1024, 200, 1), (8 * 1024, 1, 0), (8 * 1024, 0, 1), (4, 1, 1)],
)
def test_stored_costs_outside_the_ceilings_are_refused_without_running(
    personal_keys: PersonalKeys, account: NewPersonalKey, costs: tuple[int, int, int]
) -> None:
    wrapped = account.wrapped_by_password
    forged = wrapped[: COSTS_AT.start] + struct.pack(">IBB", *costs) + wrapped[COSTS_AT.stop :]
    with pytest.raises(UnsupportedFormat):
        personal_keys.unlock_with_password(forged, PASSWORD)


def test_stored_costs_changed_within_the_ceilings_fail_as_a_wrong_password(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    wrapped = account.wrapped_by_password
    forged = (
        wrapped[: COSTS_AT.start] + struct.pack(">IBB", 8 * 1024, 2, 1) + wrapped[COSTS_AT.stop :]
    )
    with pytest.raises(WrongPassword):
        personal_keys.unlock_with_password(forged, PASSWORD)


def test_a_password_wrap_is_not_accepted_as_a_recovery_wrap(account: NewPersonalKey) -> None:
    with pytest.raises(SealingError):
        unlock_with_recovery_key(account.wrapped_by_password, account.recovery_key)


def test_an_absurdly_long_password_is_refused_before_any_work(
    personal_keys: PersonalKeys, account: NewPersonalKey
) -> None:
    with pytest.raises(WrongPassword):
        personal_keys.unlock_with_password(account.wrapped_by_password, "x" * 100_000)


def test_wrapping_an_absurdly_long_password_is_refused(personal_keys: PersonalKeys) -> None:
    with pytest.raises(ValueError):
        personal_keys.create("x" * 100_000)


def test_a_new_personal_key_hides_its_secrets_in_repr(account: NewPersonalKey) -> None:
    assert account.recovery_key.display() not in repr(account)
    assert "hidden" in repr(account.recovery_key)
