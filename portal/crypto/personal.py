"""Personal keys of staff and registered members, wrapped by password and by recovery key.

The private key is stored twice, never in the clear: once under Argon2id(password), once under
the printable recovery key. Changing the password re-wraps the same key, so desk keys and
member report keys sealed to it stay readable.
"""

import secrets
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.crypto.envelope import (
    KEY_BYTES,
    SALT_BYTES,
    Kind,
    aead_open,
    aead_seal,
    read_header,
    start_header,
)
from portal.crypto.errors import (
    MalformedKey,
    SealingError,
    TamperedCiphertext,
    WrongPassword,
    WrongRecoveryKey,
)
from portal.crypto.kdf import Argon2Limiter, KdfParams
from portal.crypto.keys import PrivateKey, PublicKey
from portal.crypto.recovery import RecoveryKey

# Longer input is refused before normalising: NFKC of megabytes per request is a cheap DoS.
_MAX_PASSWORD_CHARS = 4096


def password_bytes(password: str) -> bytes:
    """The bytes a password is derived from: NFKC, as the sign-in check in `portal.auth` uses,
    so a password typed on a phone and on a laptop (different code points for the same text)
    opens both the account and the key. ``surrogatepass`` keeps a broken client's lone surrogate
    deterministic instead of failing halfway."""
    if len(password) > _MAX_PASSWORD_CHARS:
        raise ValueError("the password is longer than any password the portal accepts")
    return unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")


def _private_key(secret: bytes) -> PrivateKey:
    try:
        return PrivateKey.from_bytes(secret)
    except MalformedKey:
        raise TamperedCiphertext("the wrapped personal key holds no valid key") from None


def wrap_with_recovery_key(private: PrivateKey, recovery_key: RecoveryKey) -> bytes:
    salt = secrets.token_bytes(SALT_BYTES)
    header = start_header(Kind.PERSONAL_KEY_UNDER_RECOVERY_KEY) + salt
    return header + aead_seal(_recovery_wrap_key(recovery_key, salt), private.to_bytes(), header)


def unlock_with_recovery_key(wrapped: bytes, recovery_key: RecoveryKey) -> PrivateKey:
    """Open the recovery wrap; `WrongRecoveryKey` if this key is not the one issued."""
    reader = read_header(wrapped, Kind.PERSONAL_KEY_UNDER_RECOVERY_KEY)
    salt = reader.take(SALT_BYTES)
    header = reader.consumed
    secret = aead_open(
        _recovery_wrap_key(recovery_key, salt),
        reader.rest(),
        header,
        WrongRecoveryKey,
        "this recovery key does not unlock this account",
    )
    return _private_key(secret)


def issue_recovery_key(private: PrivateKey) -> tuple[RecoveryKey, bytes]:
    """A new recovery key and its wrap, e.g. after the old one was used or lost."""
    recovery_key = RecoveryKey.generate()
    return recovery_key, wrap_with_recovery_key(private, recovery_key)


def _recovery_wrap_key(recovery_key: RecoveryKey, salt: bytes) -> bytes:
    # HKDF, not Argon2id: 144 uniformly random bits cannot be guessed however fast each try is.
    return HKDF(hashes.SHA256(), KEY_BYTES, salt, b"compact-watch recovery wrap v1").derive(
        recovery_key.secret
    )


@dataclass(frozen=True, repr=False)
class NewPersonalKey:
    """Everything account creation needs. Store the public key and both wraps; show
    ``recovery_key.display()`` to the person once; keep nothing else."""

    private: PrivateKey
    wrapped_by_password: bytes
    wrapped_by_recovery_key: bytes
    recovery_key: RecoveryKey

    @property
    def public(self) -> PublicKey:
        return self.private.public_key()

    def __repr__(self) -> str:
        return f"NewPersonalKey(public={self.public.fingerprint()})"


class PersonalKeys:
    """Password side of personal keys; built once with today's costs and the process limiter."""

    def __init__(self, params: KdfParams, limiter: Argon2Limiter) -> None:
        self._params = params
        self._limiter = limiter

    def create(self, password: str) -> NewPersonalKey:
        private = PrivateKey.generate()
        recovery_key, by_recovery = issue_recovery_key(private)
        return NewPersonalKey(
            private=private,
            wrapped_by_password=self.wrap_with_password(private, password),
            wrapped_by_recovery_key=by_recovery,
            recovery_key=recovery_key,
        )

    def wrap_with_password(self, private: PrivateKey, password: str) -> bytes:
        salt = secrets.token_bytes(SALT_BYTES)
        header = start_header(Kind.PERSONAL_KEY_UNDER_PASSWORD) + self._params.to_header() + salt
        key = self._limiter.derive(password_bytes(password), salt, self._params)
        return header + aead_seal(key, private.to_bytes(), header)

    def unlock_with_password(self, wrapped: bytes, password: str) -> PrivateKey:
        """Open the password wrap with the costs stored in it; `WrongPassword` on mismatch."""
        if len(password) > _MAX_PASSWORD_CHARS:
            raise WrongPassword("the password is longer than any password the portal accepts")
        reader = read_header(wrapped, Kind.PERSONAL_KEY_UNDER_PASSWORD)
        params = KdfParams.read(reader)
        salt = reader.take(SALT_BYTES)
        header = reader.consumed
        key = self._limiter.derive(password_bytes(password), salt, params)
        secret = aead_open(
            key,
            reader.rest(),
            header,
            WrongPassword,
            "the password does not unlock this personal key",
        )
        return _private_key(secret)

    def change_password(self, wrapped: bytes, old_password: str, new_password: str) -> bytes:
        """Re-wrap under the new password (and today's costs); the key itself is unchanged."""
        return self.wrap_with_password(
            self.unlock_with_password(wrapped, old_password), new_password
        )

    def reset_password(
        self, wrapped_by_recovery_key: bytes, recovery_key: RecoveryKey, new_password: str
    ) -> tuple[PrivateKey, bytes]:
        """Forgotten password: open with the recovery key, wrap under the new password."""
        private = unlock_with_recovery_key(wrapped_by_recovery_key, recovery_key)
        return private, self.wrap_with_password(private, new_password)

    def needs_rewrap(self, wrapped: bytes) -> bool:
        """True when the wrap used other costs than today's: re-wrap after the next unlock, while
        the password is at hand, so raised defaults reach every account."""
        try:
            reader = read_header(wrapped, Kind.PERSONAL_KEY_UNDER_PASSWORD)
            return KdfParams.read(reader) != self._params
        except SealingError:
            return True
