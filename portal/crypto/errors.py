"""The named failures of the crypto package.

Callers map these to translated sentences at the edge; the messages here are for logs and
developers and never contain key material, passwords, receipts or plaintext. An AEAD cannot tell
"altered" from "wrong key", so the classes name what the caller can act on, not what happened.
"""


class CryptoError(Exception):
    """Base of every failure raised by `portal.crypto`."""


class SealingError(CryptoError):
    """A sealed blob could not be opened; nothing of its content was revealed."""


class TamperedCiphertext(SealingError):
    """The blob does not authenticate: altered, truncated, moved to another report or part,
    stored in the wrong column, or opened with a key it was not sealed to."""


class UnsupportedFormat(SealingError):
    """The header names a format version this code does not know (written by a newer release,
    or damaged), or carries key-derivation costs outside the bounds this code will run."""


class WrongKey(SealingError):
    """The header says the blob was sealed to another key than the one offered.

    Raised before any decryption so a rotation can pick the right key version instead of
    reporting tampering.
    """


class WrongSecret(SealingError):
    """A secret a person holds (password, recovery key, receipt, session cookie) did not open
    the blob. Tampering with the blob looks the same; callers should treat it as a wrong secret."""


class WrongPassword(WrongSecret):
    """The password does not unlock this personal key."""


class WrongRecoveryKey(WrongSecret):
    """The recovery key is well formed but does not unlock this personal key."""


class WrongReceipt(WrongSecret):
    """The receipt does not open this report's data key."""


class SessionUnlockFailed(WrongSecret):
    """The session half in the cookie does not open the server-side half: expired, logged out,
    or mixed up with another session. The person must sign in again."""


class MalformedInput(CryptoError, ValueError):
    """Text typed by a person is not in the expected shape; nothing was looked up."""


class MalformedReceipt(MalformedInput):
    """A receipt must be exactly 16 digits (separators and any script's digits are fine)."""


class MalformedRecoveryKey(MalformedInput):
    """A recovery key has the wrong length, a character outside its alphabet, or a failed
    check sum (most likely one mistyped character)."""


class MalformedKey(CryptoError, ValueError):
    """Stored public or private key bytes are not a key this code understands."""


class KdfBusy(CryptoError):
    """Too many Argon2id derivations are running; the caller should ask the person to retry.

    Refusing is the point: queueing without bound lets a burst of logins exhaust memory.
    """


class KeyFileError(CryptoError):
    """A key file in the instance folder is unreadable, the wrong size, or readable by others."""
