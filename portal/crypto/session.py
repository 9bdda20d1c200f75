"""Staff session vault: the unlocked personal key, split between server and cookie.

At sign-in the personal private key is sealed under a fresh random session key. The sealed blob
goes to the server-side session store; the session key goes only into the person's cookie. A
leaked session store (a Redis dump, a backup) or a stolen cookie alone opens nothing, and
deleting either half at logout or expiry destroys the unlocked key for good.
"""

import secrets

from portal.crypto.envelope import KEY_BYTES, Kind, aead_open, aead_seal, read_header, start_header
from portal.crypto.errors import SessionUnlockFailed


class SessionVault:
    """Namespace for the two halves of a staff session's key; holds no state of its own."""

    SESSION_KEY_BYTES = KEY_BYTES

    @staticmethod
    def lock(secret: bytes) -> tuple[bytes, bytes]:
        """Return ``(session_key, sealed)``: the key for the cookie, the blob for the server."""
        session_key = secrets.token_bytes(KEY_BYTES)
        header = start_header(Kind.SESSION_VAULT)
        return session_key, header + aead_seal(session_key, secret, header)

    @staticmethod
    def unlock(session_key: bytes, sealed: bytes) -> bytes:
        """Join the halves; `SessionUnlockFailed` if they do not belong together."""
        if len(session_key) != KEY_BYTES:
            raise SessionUnlockFailed("the session key from the cookie has the wrong length")
        reader = read_header(sealed, Kind.SESSION_VAULT)
        header = reader.consumed
        return aead_open(
            session_key,
            reader.rest(),
            header,
            SessionUnlockFailed,
            "the session key does not open this session",
        )
