"""Receipts: how an anonymous reporter comes back to read replies without an account.

A receipt is 16 random digits (about 53 bits), shown once as four groups of four so it can be
written on paper and typed on any phone keypad. The database stores only
``HMAC-SHA256(pepper, receipt)`` to find the report, and the report's data key wrapped under
``Argon2id(receipt, per-report salt, secret=pepper-derived key)``. Someone with a database copy
but not the pepper (kept in config) can neither test guesses against the look-up id nor run the
Argon2id; with the pepper too, each guess still costs one Argon2id per report.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from portal.crypto.data_key import DataKey
from portal.crypto.envelope import (
    KEY_BYTES,
    SALT_BYTES,
    Kind,
    aead_open,
    aead_seal,
    bind,
    read_header,
    start_header,
)
from portal.crypto.errors import MalformedReceipt, TamperedCiphertext, WrongReceipt
from portal.crypto.kdf import Argon2Limiter, KdfParams
from portal.crypto.keyboard import fold_typed_code

RECEIPT_DIGITS = 16


@dataclass(frozen=True, repr=False)
class ReceiptCode:
    """Sixteen ASCII digits. ``repr`` hides them so a receipt never lands in a log."""

    digits: str

    def __post_init__(self) -> None:
        if len(self.digits) != RECEIPT_DIGITS or not (
            self.digits.isascii() and self.digits.isdigit()
        ):
            raise MalformedReceipt("a receipt is exactly 16 digits")

    @classmethod
    def generate(cls) -> "ReceiptCode":
        return cls(f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}")

    @classmethod
    def parse(cls, text: str) -> "ReceiptCode":
        """Accept what a person typed: spaces, dashes, Arabic-Indic or Persian digits are fine;
        letters, missing or extra digits raise `MalformedReceipt`."""
        folded = fold_typed_code(text)
        if len(folded) != RECEIPT_DIGITS or not (folded.isascii() and folded.isdigit()):
            raise MalformedReceipt("a receipt is exactly 16 digits")
        return cls(folded)

    def display(self) -> str:
        """``1234 5678 9012 3456``: groups of four are easy to copy and to read back."""
        return " ".join(self.digits[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))

    def __repr__(self) -> str:
        return "ReceiptCode(<hidden>)"

    __str__ = __repr__


class ReceiptKeys:
    """Look-up ids and data-key wraps for receipts; built once from config and passed to the
    reporter follow-up and submission services."""

    def __init__(self, pepper: bytes, params: KdfParams, limiter: Argon2Limiter) -> None:
        if len(pepper) < 16:
            raise ValueError("the receipt pepper must be at least 16 random bytes")
        self._pepper = bytes(pepper)
        # A separate key for Argon2's secret input, so the look-up HMAC and the wrap never use
        # the same key for two purposes.
        self._kdf_secret = hmac.new(
            pepper, b"compact-watch receipt kdf secret v1", hashlib.sha256
        ).digest()
        self._params = params
        self._limiter = limiter

    def lookup_id(self, receipt: ReceiptCode) -> bytes:
        """HMAC-SHA256(pepper, receipt): the only receipt-derived value stored in the clear."""
        return hmac.new(self._pepper, receipt.digits.encode("ascii"), hashlib.sha256).digest()

    def wrap_data_key(self, data_key: DataKey, receipt: ReceiptCode, report_id: str) -> bytes:
        salt = secrets.token_bytes(SALT_BYTES)
        header = start_header(Kind.DATA_KEY_UNDER_RECEIPT) + self._params.to_header() + salt
        key = self._derive(receipt, salt, self._params)
        return header + aead_seal(key, data_key.secret, header + bind(report_id))

    def unwrap_data_key(self, wrapped: bytes, receipt: ReceiptCode, report_id: str) -> DataKey:
        """Open the report's data key with the receipt; `WrongReceipt` if it does not match."""
        reader = read_header(wrapped, Kind.DATA_KEY_UNDER_RECEIPT)
        params = KdfParams.read(reader)
        salt = reader.take(SALT_BYTES)
        header = reader.consumed
        key = self._derive(receipt, salt, params)
        secret = aead_open(
            key,
            reader.rest(),
            header + bind(report_id),
            WrongReceipt,
            "the receipt does not open this report",
        )
        if len(secret) != KEY_BYTES:
            raise TamperedCiphertext("the receipt wrap holds no data key")
        return DataKey(secret)

    def spend_decoy_time(self) -> None:
        """Run one derivation for a receipt that matched nothing, so "no such receipt" takes as
        long as "wrong receipt": a watcher timing responses learns nothing about which exist."""
        self._derive(ReceiptCode("0" * RECEIPT_DIGITS), bytes(SALT_BYTES), self._params)

    def _derive(self, receipt: ReceiptCode, salt: bytes, params: KdfParams) -> bytes:
        return self._limiter.derive(
            receipt.digits.encode("ascii"), salt, params, pepper=self._kdf_secret
        )
