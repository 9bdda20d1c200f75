"""A member's list of their own reports, sealed to them (DESIGN §6, Members).

Threat answered: a seized server. A wrap of each report's data key stored next to the member's
user id named the member of every report, including those sent with "hide my organisation". Now
nothing stored next to a report names the member: each member has one sealed list of
(report, data key) entries, stored under an id and a key that are both derived from the member's
personal private key. Without that key (which exists unwrapped only in the member's session
vault) the list can neither be found among the others nor opened, and no column holds a user id.

The list is padded (Padmé) so that its size does not count the member's reports exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.crypto.data_key import DataKey
from portal.crypto.envelope import (
    KEY_BYTES,
    Kind,
    aead_open,
    aead_seal,
    bind,
    read_header,
    start_header,
)
from portal.crypto.errors import TamperedCiphertext
from portal.crypto.keys import PrivateKey
from portal.crypto.padding import padme

_ID_INFO = b"compact-watch member report list id v1"
_KEY_INFO = b"compact-watch member report list key v1"


@dataclass(frozen=True, repr=False)
class MemberListKey:
    """Where a member's list is stored (``list_id``, hex) and the key that seals it."""

    list_id: str
    key: bytes

    @classmethod
    def of(cls, personal: PrivateKey) -> MemberListKey:
        raw = personal.to_bytes()
        list_id = HKDF(hashes.SHA256(), 32, None, _ID_INFO).derive(raw).hex()
        return cls(list_id, HKDF(hashes.SHA256(), KEY_BYTES, None, _KEY_INFO).derive(raw))

    def __repr__(self) -> str:
        return "MemberListKey(<hidden>)"


@dataclass(frozen=True, repr=False)
class MemberReportEntry:
    report_public_id: str
    data_key: DataKey


def seal_member_list(key: MemberListKey, entries: list[MemberReportEntry]) -> bytes:
    body = json.dumps(
        [{"r": e.report_public_id, "k": e.data_key.secret.hex()} for e in entries],
        separators=(",", ":"),
    ).encode()
    padded = body + b" " * (padme(len(body) + 64) - len(body))
    header = start_header(Kind.MEMBER_REPORT_LIST)
    return header + aead_seal(key.key, padded, header + bind(key.list_id))


def open_member_list(key: MemberListKey, sealed: bytes) -> list[MemberReportEntry]:
    """The entries, oldest first; `TamperedCiphertext` if the list does not authenticate."""
    reader = read_header(sealed, Kind.MEMBER_REPORT_LIST)
    header = reader.consumed
    body = aead_open(key.key, reader.rest(), header + bind(key.list_id))
    try:
        return [
            MemberReportEntry(str(item["r"]), DataKey(bytes.fromhex(item["k"])))
            for item in json.loads(body)
        ]
    except (ValueError, KeyError, TypeError):
        raise TamperedCiphertext("the member's report list is not a list of entries") from None
