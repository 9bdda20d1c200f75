"""A report sent twice is stored once, and its sender still gets the receipt (issue 13.5).

A reporter on a flaky connection presses the button again, or the browser resends the form; an
API client retries after its connection dropped. Each form carries a one-time token
(portal/reporter/submission_tokens.py), and an API client may send an `Idempotency-Key`. The
first request that commits stores, in the same transaction as the report, one `SentOnce` row:

- `lookup`, an HKDF output of the token: finds the row, says nothing of the token;
- the receipt, AES-256-GCM sealed under another HKDF output of the token;
- for the API, an HMAC of what was sent, under a third, so a key reused for another report is
  refused instead of answered with someone else's receipt;
- the day after which the row is deleted (at least 24 hours on, never a finer time).

Nothing in the row names the report, and without the token (held only by the browser or the
client) it opens nothing. A web receipt is cleared the first time it is shown; an API receipt
stays until the row expires, because a client cannot say whether the answer reached it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from portal.crypto import ReceiptCode
from portal.domain.models import SentOnce
from portal.reporter.service import Submission

# An API client's `Idempotency-Key`: at least 22 characters, room for 128 random bits.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.~-]{22,255}$"
# Kept until the end of the day after tomorrow: at least 24 hours, at most 72, never a time.
HOLD_DAYS = 2
_SALT = b"compact-watch sent-once v1"
_NONCE = 12


class Door(StrEnum):
    """Where the token came from; a form token and an API key never find each other's row."""

    WEB = "web"
    API = "api"


@dataclass(frozen=True)
class SentKey:
    lookup: bytes
    seal_key: bytes
    digest_key: bytes

    @classmethod
    def derive(cls, token: bytes, door: Door) -> SentKey:
        okm = HKDF(hashes.SHA256(), length=96, salt=_SALT, info=door.value.encode()).derive(token)
        return cls(okm[:32], okm[32:64], okm[64:])

    def seal(self, receipt: ReceiptCode) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(self.seal_key).encrypt(nonce, receipt.display().encode(), self.lookup)

    def open(self, sealed: bytes) -> str | None:
        try:
            return (
                AESGCM(self.seal_key)
                .decrypt(sealed[:_NONCE], sealed[_NONCE:], self.lookup)
                .decode()
            )
        except (InvalidTag, ValueError):
            return None

    def digest(self, submission: Submission) -> bytes:
        return hmac.new(self.digest_key, fingerprint(submission), hashlib.sha256).digest()


class KeyReused(Exception):
    """An API `Idempotency-Key` already used for a different report."""


def fingerprint(submission: Submission) -> bytes:
    """What was sent, in a canonical form: the same report sent twice has the same bytes, whatever
    the order of its JSON members or the multipart boundary its client chose."""
    fields = {
        "compact": submission.compact_public_id,
        "happened": sorted(submission.choice_keys),
        "month": submission.incident_month.isoformat(),
        "region": submission.region,
        "force": submission.force_branch,
        "narrative": submission.narrative,
        "language": submission.language,
        "exact_date": submission.exact_date.isoformat() if submission.exact_date else None,
        "place": submission.place,
        "unit": submission.unit,
        "contact": submission.contact,
        "files": [
            [upload.filename, hashlib.sha256(upload.data).hexdigest()]
            for upload in submission.uploads
        ],
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()


def find(session: Session, key: SentKey, today: dt.date) -> SentOnce | None:
    row = session.get(SentOnce, key.lookup)
    return row if row is not None and row.expires_on >= today else None


def record(
    session: Session,
    key: SentKey,
    receipt: ReceiptCode,
    today: dt.date,
    submission: Submission | None = None,
) -> None:
    """Add the row to the report's transaction; a second commit with the same token fails on
    the primary key, so of two racing requests one stores a report."""
    session.add(
        SentOnce(
            lookup=key.lookup,
            sealed_receipt=key.seal(receipt),
            sealed_digest=key.digest(submission) if submission is not None else None,
            expires_on=today + dt.timedelta(days=HOLD_DAYS),
        )
    )


def take_receipt(session: Session, key: SentKey, today: dt.date) -> str | None:
    """The web receipt, once: cleared as it is read (the caller commits)."""
    row = find(session, key, today)
    if row is None or row.sealed_receipt is None:
        return None
    receipt = key.open(row.sealed_receipt)
    row.sealed_receipt = None
    return receipt


def replay(row: SentOnce, key: SentKey, submission: Submission) -> str | None:
    """The API receipt for a retried request, or KeyReused when the key sent something else."""
    if row.sealed_digest is None or not hmac.compare_digest(
        row.sealed_digest, key.digest(submission)
    ):
        raise KeyReused
    return key.open(row.sealed_receipt) if row.sealed_receipt is not None else None
