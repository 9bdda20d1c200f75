"""Receipts: how an anonymous reporter comes back to read replies without an account.

A receipt is 16 random digits (about 53 bits), shown once as four groups of four so it can be
written on paper and typed on any phone keypad.

Threat answered: a seized server (the database *and* the instance folder with the pepper). The
first design stored ``HMAC-SHA256(pepper, receipt)`` as the look-up id, so one cheap HMAC per guess
was checked against every report at once: about 627,000 guesses a second on one core. Now one
Argon2id over (receipt, an instance-wide salt, Argon2's secret input from the pepper) is split by
HKDF into the look-up id and the key that wraps the report's data key (DESIGN §6). Testing one
guess against all stored reports costs that one Argon2id, whatever the attacker holds; without the
pepper it cannot be run at all. The salt is instance-wide because the look-up must be computed
before the report is known; it is stored with its costs as a *scheme* (`ReceiptScheme`), so raising
the costs later starts a new scheme and old receipts still open.

Reports received before this design keep their old HMAC look-up only until `portal receipts
migrate` stretches it: the stored value becomes the input of a *legacy* scheme's Argon2id, so the
fast value disappears without the receipts (which the server never knew).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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
LOOKUP_BYTES = 32


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


@dataclass(frozen=True)
class ReceiptScheme:
    """The instance-wide salt and Argon2id costs receipts are looked up under.

    ``legacy`` schemes stretch the pre-scheme look-up value ``HMAC-SHA256(pepper, receipt)``
    instead of the receipt itself: the migration could only start from what was stored.
    """

    scheme_id: int
    salt: bytes
    params: KdfParams
    legacy: bool = False

    def __post_init__(self) -> None:
        if len(self.salt) < SALT_BYTES:
            raise ValueError(f"a receipt scheme salt is at least {SALT_BYTES} bytes")


@dataclass(frozen=True, repr=False)
class ReceiptSecrets:
    """One Argon2id of a receipt, split: the stored look-up id and the wrap key (memory only)."""

    scheme_id: int
    lookup_id: bytes
    wrap_key: bytes

    def __repr__(self) -> str:
        return f"ReceiptSecrets(scheme={self.scheme_id}, <hidden>)"


class ReceiptKeys:
    """Look-up ids and data-key wraps for receipts; built once from config and passed to the
    reporter follow-up and submission services."""

    def __init__(self, pepper: bytes, params: KdfParams, limiter: Argon2Limiter) -> None:
        if len(pepper) < 16:
            raise ValueError("the receipt pepper must be at least 16 random bytes")
        self._pepper = bytes(pepper)
        # A separate key for Argon2's secret input, so the legacy look-up HMAC and the Argon2id
        # never use the same key for two purposes.
        self._kdf_secret = hmac.new(
            pepper, b"compact-watch receipt kdf secret v1", hashlib.sha256
        ).digest()
        self.params = params
        self._limiter = limiter

    def derive(self, receipt: ReceiptCode, scheme: ReceiptScheme) -> ReceiptSecrets:
        """One Argon2id of ``receipt`` under ``scheme``, split into look-up id and wrap key."""
        source = self.legacy_lookup(receipt) if scheme.legacy else receipt.digits.encode("ascii")
        return self.stretch(source, scheme)

    def stretch(self, source: bytes, scheme: ReceiptScheme) -> ReceiptSecrets:
        """The Argon2id and HKDF split behind `derive`; the migration calls it on a stored
        legacy look-up value, the only thing it has of a receipt."""
        stretched = self._limiter.derive(
            source, scheme.salt, scheme.params, pepper=self._kdf_secret
        )
        context = b"compact-watch receipt v2 scheme " + str(scheme.scheme_id).encode("ascii")
        return ReceiptSecrets(
            scheme.scheme_id,
            _split(stretched, context + b" lookup"),
            _split(stretched, context + b" wrap"),
        )

    def legacy_lookup(self, receipt: ReceiptCode) -> bytes:
        """HMAC-SHA256(pepper, receipt): the look-up id of the first design, still the input of
        legacy schemes (and the value unmigrated rows hold, until `portal receipts migrate`)."""
        return hmac.new(self._pepper, receipt.digits.encode("ascii"), hashlib.sha256).digest()

    def wrap_data_key(self, data_key: DataKey, secrets_: ReceiptSecrets, report_id: str) -> bytes:
        """The data key under the receipt's wrap key, bound to the report and the scheme."""
        header = start_header(Kind.DATA_KEY_UNDER_RECEIPT_SCHEME) + _scheme_header(secrets_)
        return header + aead_seal(secrets_.wrap_key, data_key.secret, header + bind(report_id))

    def unwrap_data_key(self, wrapped: bytes, secrets_: ReceiptSecrets, report_id: str) -> DataKey:
        """Open a wrap made by `wrap_data_key`; `WrongReceipt` if it does not match."""
        reader = read_header(wrapped, Kind.DATA_KEY_UNDER_RECEIPT_SCHEME)
        if reader.u32() != secrets_.scheme_id:
            raise WrongReceipt("the receipt wrap belongs to another scheme")
        header = reader.consumed
        secret = aead_open(
            secrets_.wrap_key,
            reader.rest(),
            header + bind(report_id),
            WrongReceipt,
            "the receipt does not open this report",
        )
        return _data_key(secret)

    def unwrap_legacy_data_key(
        self, wrapped: bytes, receipt: ReceiptCode, report_id: str
    ) -> DataKey:
        """Open a first-design wrap (its own per-report salt and Argon2id); these stay valid
        after the migration, which cannot re-wrap without the receipt, until the next visit."""
        reader = read_header(wrapped, Kind.DATA_KEY_UNDER_RECEIPT)
        params = KdfParams.read(reader)
        salt = reader.take(SALT_BYTES)
        header = reader.consumed
        key = self._limiter.derive(
            receipt.digits.encode("ascii"), salt, params, pepper=self._kdf_secret
        )
        secret = aead_open(
            key,
            reader.rest(),
            header + bind(report_id),
            WrongReceipt,
            "the receipt does not open this report",
        )
        return _data_key(secret)

    def spend_decoy_time(self) -> None:
        """Run one derivation when no scheme exists yet, so "no such receipt" takes as long as a
        wrong one: a watcher timing responses learns nothing about which exist."""
        self._limiter.derive(
            b"0" * RECEIPT_DIGITS, bytes(SALT_BYTES), self.params, pepper=self._kdf_secret
        )


def _scheme_header(secrets_: ReceiptSecrets) -> bytes:
    return secrets_.scheme_id.to_bytes(4, "big")


def _split(stretched: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), LOOKUP_BYTES, None, info).derive(stretched)


def _data_key(secret: bytes) -> DataKey:
    if len(secret) != KEY_BYTES:
        raise TamperedCiphertext("the receipt wrap holds no data key")
    return DataKey(secret)


def new_scheme_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)
