"""Desk keys: one hybrid key pair per desk and version, its private half wrapped to people.

A desk key is never stored unwrapped. Each verifier of the desk (and, by default, an admin
escrow key) holds an HPKE-sealed copy opened with their personal key, so a forgotten password
costs one person their access, never the desk its reports.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from portal.crypto.envelope import Kind, Reader, read_header, start_header
from portal.crypto.errors import MalformedKey, TamperedCiphertext, WrongKey
from portal.crypto.keys import KeyId, PrivateKey, PublicKey, hpke_open, hpke_seal

MemberT = TypeVar("MemberT")


@dataclass(frozen=True, repr=False)
class DeskKey:
    """An unlocked desk private key with its id; lives in memory for one request at most."""

    key_id: KeyId
    private: PrivateKey

    @property
    def public(self) -> PublicKey:
        return self.private.public_key()

    def __repr__(self) -> str:
        return f"DeskKey({self.key_id}, {self.public.fingerprint()})"


def desk_key_id(desk: str, version: int) -> KeyId:
    """The conventional id of a desk key: owner ``desk:<desk>``."""
    return KeyId(f"desk:{desk}", version)


def generate_desk_key(desk: str, version: int = 1) -> DeskKey:
    return DeskKey(desk_key_id(desk, version), PrivateKey.generate())


def wrap_desk_key(desk_key: DeskKey, person_public: PublicKey) -> bytes:
    """Seal the desk private key to one person's personal public key.

    The key id sits in the header and in HPKE info, so a wrap cannot be relabelled as another
    desk's or another version's key.
    """
    header = start_header(Kind.DESK_KEY_WRAPPED_TO_PERSON) + desk_key.key_id.to_header()
    return header + hpke_seal(person_public, desk_key.private.to_bytes(), header)


def _read(wrapped: bytes) -> tuple[Reader, KeyId]:
    reader = read_header(wrapped, Kind.DESK_KEY_WRAPPED_TO_PERSON)
    return reader, KeyId.read(reader)


def wrapped_desk_key_id(wrapped: bytes) -> KeyId:
    """The desk key id a wrap claims (verified only when it is opened)."""
    return _read(wrapped)[1]


def unwrap_desk_key(
    wrapped: bytes, person_private: PrivateKey, *, expect: KeyId | None = None
) -> DeskKey:
    """Open a desk key wrap with the holder's unlocked personal key."""
    reader, key_id = _read(wrapped)
    if expect is not None and key_id != expect:
        raise WrongKey(f"this wrap holds {key_id}, expected {expect}")
    header = reader.consumed
    secret = hpke_open(
        person_private,
        reader.rest(),
        header,
        message="the desk key wrap does not open with this personal key",
    )
    try:
        return DeskKey(key_id, PrivateKey.from_bytes(secret))
    except MalformedKey:
        raise TamperedCiphertext("the desk key wrap holds no valid key") from None


@dataclass(frozen=True)
class NewDeskKey(Generic[MemberT]):
    """A freshly created desk key and its wraps, ready to store in one transaction."""

    desk_key: DeskKey
    member_wraps: Mapping[MemberT, bytes]
    escrow_wrap: bytes | None

    @property
    def public(self) -> PublicKey:
        return self.desk_key.public


def create_desk_key(
    desk: str,
    version: int,
    members: Mapping[MemberT, PublicKey],
    escrow: PublicKey | None,
) -> NewDeskKey[MemberT]:
    """Generate a desk key and wrap it for each member (keyed as given) and the admin escrow.

    Escrow is on by default in the service and may be turned off when no admin should be able to
    read a desk; then losing every member's password loses the desk's reports. A key that nobody
    could open is refused outright.
    """
    if not members and escrow is None:
        raise ValueError("a desk key wrapped to nobody could never be opened")
    desk_key = generate_desk_key(desk, version)
    wraps = {member: wrap_desk_key(desk_key, public) for member, public in members.items()}
    escrow_wrap = wrap_desk_key(desk_key, escrow) if escrow is not None else None
    return NewDeskKey(desk_key, wraps, escrow_wrap)
