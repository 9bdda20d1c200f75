"""Blob keys: random, opaque, and safe to use as file names."""

from __future__ import annotations

import re
import secrets
from typing import Final

from portal.store.errors import InvalidBlobKey

# Lower-case letters, digits, `_` and `-` only: no `/`, `\`, `.` or NUL, so a key can never walk out
# of the store's directory whatever the filesystem. At least 16 characters, because keys must be
# random ids (a sequential id would reveal the order reports arrived in); not starting with `-` so
# an administrator's `rm *` in a blob directory cannot read a key as an option.
_KEY: Final = re.compile(r"[a-z0-9][a-z0-9_-]{15,127}")


def check_blob_key(key: str) -> str:
    """`key` unchanged if it is a valid blob key, else `InvalidBlobKey`."""
    if not isinstance(key, str) or _KEY.fullmatch(key) is None:
        raise InvalidBlobKey()
    return key


def new_blob_key() -> str:
    """A fresh key: 128 random bits in lower-case hex."""
    return secrets.token_hex(16)
