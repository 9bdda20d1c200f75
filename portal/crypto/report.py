"""Sealing the parts of one report (payload, attachments, messages, verifier notes).

Every part is AES-256-GCM under the report's data key with associated data naming the report and
the part. Someone who can write the database or blob store cannot move a sealed attachment onto
another report, swap two messages, or pass a verifier note off as the reporter's narrative:
any such move fails to open with `TamperedCiphertext`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.crypto.data_key import DataKey, seal_data_key
from portal.crypto.envelope import Kind, aead_open, aead_seal, bind, read_header, start_header
from portal.crypto.keys import KeyId, PublicKey


@dataclass(frozen=True)
class Part:
    """The name a sealed part is bound to, e.g. ``payload`` or ``attachment:7f3a``.

    Build names with the constructors so a typo cannot create a second, unopenable name.
    """

    name: str

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 200:
            raise ValueError("a part name must be 1 to 200 characters")

    @classmethod
    def payload(cls) -> "Part":
        return cls("payload")

    @classmethod
    def attachment(cls, attachment_id: str) -> "Part":
        return cls._with_id("attachment", attachment_id)

    @classmethod
    def attachment_filename(cls, attachment_id: str) -> "Part":
        return cls._with_id("attachment-filename", attachment_id)

    @classmethod
    def message(cls, message_id: str) -> "Part":
        return cls._with_id("message", message_id)

    @classmethod
    def verifier_note(cls, note_id: str) -> "Part":
        return cls._with_id("verifier-note", note_id)

    @classmethod
    def _with_id(cls, kind: str, ident: str) -> "Part":
        if not ident:
            raise ValueError(f"a {kind} part needs the id of its row")
        return cls(f"{kind}:{ident}")


def _associated(header: bytes, report_id: str, part: Part) -> bytes:
    if not report_id:
        raise ValueError("a sealed part must be bound to a report id")
    return header + bind(report_id, part.name)


def seal_part(data_key: DataKey, report_id: str, part: Part, plaintext: bytes) -> bytes:
    """Seal one part of a report: ``header | nonce | ciphertext+tag``."""
    header = start_header(Kind.REPORT_PART)
    return header + aead_seal(data_key.secret, plaintext, _associated(header, report_id, part))


def open_part(data_key: DataKey, report_id: str, part: Part, sealed: bytes) -> bytes:
    """Open one part; raises `TamperedCiphertext` if altered, truncated or misplaced."""
    reader = read_header(sealed, Kind.REPORT_PART)
    header = reader.consumed
    return aead_open(
        data_key.secret,
        reader.rest(),
        _associated(header, report_id, part),
        message=f"sealed {part.name} of this report does not authenticate",
    )


@dataclass(frozen=True)
class SealedReport:
    """What `seal_report` produces. ``data_key`` stays in memory only: the submit service uses it
    to wrap for the receipt (and the member) and then drops it."""

    data_key: DataKey
    sealed_data_key: bytes
    payload: bytes
    attachments: Mapping[str, bytes] = field(default_factory=dict)


def seal_report(
    report_id: str,
    payload: bytes,
    desk_public: PublicKey,
    desk_key_id: KeyId,
    attachments: Mapping[str, bytes] | None = None,
) -> SealedReport:
    """Seal a new report's payload and attachments (keyed by attachment id) to a desk."""
    data_key = DataKey.generate()
    return SealedReport(
        data_key=data_key,
        sealed_data_key=seal_data_key(data_key, desk_public, desk_key_id, report_id),
        payload=seal_part(data_key, report_id, Part.payload(), payload),
        attachments={
            attachment_id: seal_part(data_key, report_id, Part.attachment(attachment_id), content)
            for attachment_id, content in (attachments or {}).items()
        },
    )
