"""A `Store` held in a dict, for tests of services that store blobs.

Not for production: it is per-process, and the portal must run as several processes (DESIGN §13).
"""

from __future__ import annotations

import datetime as dt

from portal.store.errors import BlobNotFound
from portal.store.keys import check_blob_key


class InMemoryStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, *, day: dt.date | None = None) -> None:
        self._blobs[check_blob_key(key)] = bytes(data)

    def get(self, key: str) -> bytes:
        try:
            return self._blobs[check_blob_key(key)]
        except KeyError:
            raise BlobNotFound(key) from None

    def delete(self, key: str) -> None:
        self._blobs.pop(check_blob_key(key), None)

    def exists(self, key: str) -> bool:
        return check_blob_key(key) in self._blobs

    def __len__(self) -> int:
        return len(self._blobs)
