"""Receipts: the code itself, its look-up id, and the data-key wrap it opens."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.crypto import (
    Argon2Limiter,
    DataKey,
    KdfBusy,
    KdfParams,
    MalformedReceipt,
    ReceiptCode,
    ReceiptKeys,
    ReceiptScheme,
    SealingError,
    WrongReceipt,
)
from portal.crypto.envelope import SALT_BYTES

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
RECEIPT = ReceiptCode("0123456789012345")
DATA_KEY = DataKey.generate()


@pytest.fixture(scope="module")
def scheme(fast_params: KdfParams) -> ReceiptScheme:
    return ReceiptScheme(1, b"instance-wide salt, no secret!", fast_params)


@pytest.fixture(scope="module")
def wrapped(receipt_keys: ReceiptKeys, scheme: ReceiptScheme) -> bytes:
    return receipt_keys.wrap_data_key(DATA_KEY, receipt_keys.derive(RECEIPT, scheme), "r-5")


def test_a_new_receipt_is_sixteen_digits_shown_as_four_groups() -> None:
    receipt = ReceiptCode.generate()
    assert len(receipt.digits) == 16 and receipt.digits.isdigit()
    groups = receipt.display().split(" ")
    assert [len(group) for group in groups] == [4, 4, 4, 4]
    assert ReceiptCode.parse(receipt.display()) == receipt


def test_receipts_are_not_repeated() -> None:
    assert len({ReceiptCode.generate().digits for _ in range(200)}) == 200


@pytest.mark.parametrize(
    "typed",
    [
        "0123 4567 8901 2345",
        "0123-4567-8901-2345",
        " 0123456789012345 ",
        "".join(ARABIC_INDIC[int(d)] for d in "0123456789012345"),
        "".join(PERSIAN[int(d)] for d in "0123456789012345"),
        "٠١٢٣ ٤٥٦٧ ٨٩٠١ ٢٣٤٥",
        "\u200f۰۱۲۳\u200f-۴۵۶۷-۸۹۰۱-۲۳۴۵",  # RTL marks added when pasting in an Arabic field
        "0123 ٤٥٦٧ ۸۹۰۱ 2345",  # mixed keyboards
        "０１２３４５６７８９０１２３４５",  # full-width
    ],
)
def test_receipts_typed_on_any_phone_keyboard_parse(typed: str) -> None:
    assert ReceiptCode.parse(typed) == RECEIPT


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "012345678901234",
        "01234567890123456",
        "0123 4567 8901 234a",
        "0123/4567/8901/2345",
        "receipt 0123456789012345",
    ],
)
def test_anything_but_sixteen_digits_is_refused(typed: str) -> None:
    with pytest.raises(MalformedReceipt):
        ReceiptCode.parse(typed)


def test_a_receipt_never_appears_in_a_log_line() -> None:
    assert RECEIPT.digits not in repr(RECEIPT)
    assert RECEIPT.digits not in f"{RECEIPT}"


def test_one_argon2id_gives_the_lookup_id_and_the_wrap_key(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme
) -> None:
    # Proven by the limiter: with its only slot taken, even the look-up id needs an Argon2id.
    limiter = Argon2Limiter(1, wait_seconds=0.05)
    busy = ReceiptKeys(b"pepper from config, not the db!!", scheme.params, limiter)
    with limiter.slot(), pytest.raises(KdfBusy):
        busy.derive(RECEIPT, scheme)
    derived = receipt_keys.derive(RECEIPT, scheme)
    assert derived == busy.derive(RECEIPT, scheme)
    assert len(derived.lookup_id) == 32 and len(derived.wrap_key) == 32
    assert derived.lookup_id != derived.wrap_key
    assert RECEIPT.digits not in repr(derived) and derived.lookup_id.hex() not in repr(derived)


def test_the_lookup_id_depends_on_receipt_salt_and_pepper(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme, fast_params: KdfParams, limiter: Argon2Limiter
) -> None:
    lookup = receipt_keys.derive(RECEIPT, scheme).lookup_id
    assert lookup == receipt_keys.derive(ReceiptCode.parse("0123-4567-8901-2345"), scheme).lookup_id
    other_pepper = ReceiptKeys(b"another deployment's pepper 32b", fast_params, limiter)
    assert other_pepper.derive(RECEIPT, scheme).lookup_id != lookup
    other_salt = ReceiptScheme(1, b"another instance's salt, public", fast_params)
    assert receipt_keys.derive(RECEIPT, other_salt).lookup_id != lookup
    assert receipt_keys.derive(ReceiptCode.generate(), scheme).lookup_id != lookup


def test_no_hmac_of_the_receipt_is_the_lookup_id(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme
) -> None:
    derived = receipt_keys.derive(RECEIPT, scheme)
    assert receipt_keys.legacy_lookup(RECEIPT) not in (derived.lookup_id, derived.wrap_key)


def test_a_legacy_scheme_stretches_the_stored_hmac(
    receipt_keys: ReceiptKeys, fast_params: KdfParams
) -> None:
    legacy = ReceiptScheme(2, bytes(range(SALT_BYTES)), fast_params, legacy=True)
    stored = receipt_keys.legacy_lookup(RECEIPT)
    # What the migration computes from the stored value is what a visit computes from the receipt.
    assert receipt_keys.stretch(stored, legacy) == receipt_keys.derive(RECEIPT, legacy)


def test_the_receipt_opens_the_data_key(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme, wrapped: bytes
) -> None:
    typed = ReceiptCode.parse("".join(ARABIC_INDIC[int(d)] for d in RECEIPT.digits))
    assert receipt_keys.unwrap_data_key(wrapped, receipt_keys.derive(typed, scheme), "r-5") == (
        DATA_KEY
    )


@settings(max_examples=15, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_a_wrong_receipt_never_opens_anything(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme, wrapped: bytes, digits: str
) -> None:
    receipt = ReceiptCode(digits)
    if receipt == RECEIPT:
        return
    with pytest.raises(WrongReceipt):
        receipt_keys.unwrap_data_key(wrapped, receipt_keys.derive(receipt, scheme), "r-5")


def test_a_receipt_wrap_moved_to_another_report_or_scheme_does_not_open(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme, wrapped: bytes, fast_params: KdfParams
) -> None:
    derived = receipt_keys.derive(RECEIPT, scheme)
    with pytest.raises(WrongReceipt):
        receipt_keys.unwrap_data_key(wrapped, derived, "r-6")
    other = ReceiptScheme(7, scheme.salt, fast_params)
    with pytest.raises(WrongReceipt):
        receipt_keys.unwrap_data_key(wrapped, receipt_keys.derive(RECEIPT, other), "r-5")


def test_the_wrap_needs_the_pepper_too(
    wrapped: bytes, scheme: ReceiptScheme, fast_params: KdfParams, limiter: Argon2Limiter
) -> None:
    # A database thief without the pepper cannot test receipts against the wrap.
    other_pepper = ReceiptKeys(b"another deployment's pepper 32b", fast_params, limiter)
    with pytest.raises(WrongReceipt):
        other_pepper.unwrap_data_key(wrapped, other_pepper.derive(RECEIPT, scheme), "r-5")


def test_a_damaged_wrap_fails_with_a_named_error(
    receipt_keys: ReceiptKeys, scheme: ReceiptScheme, wrapped: bytes
) -> None:
    derived = receipt_keys.derive(RECEIPT, scheme)
    for position in (0, 1, 3, 9, 20, len(wrapped) - 1):
        damaged = bytearray(wrapped)
        damaged[position] ^= 0x01
        with pytest.raises(SealingError):
            receipt_keys.unwrap_data_key(bytes(damaged), derived, "r-5")


def test_a_short_pepper_or_salt_is_refused(fast_params: KdfParams, limiter: Argon2Limiter) -> None:
    with pytest.raises(ValueError):
        ReceiptKeys(b"short", fast_params, limiter)
    with pytest.raises(ValueError):
        ReceiptScheme(1, b"short", fast_params)


def test_the_decoy_spends_a_real_derivation(fast_params: KdfParams) -> None:
    limiter = Argon2Limiter(1, wait_seconds=0.05)
    receipts = ReceiptKeys(b"pepper from config, not the db!!", fast_params, limiter)
    with limiter.slot(), pytest.raises(KdfBusy):
        receipts.spend_decoy_time()
    receipts.spend_decoy_time()
