"""What the services need from blob storage.

Blobs are sealed ciphertext only: attachments are cleaned and sealed before they get here, so a
store (a local directory, a shared filesystem, later an S3-compatible bucket) is trusted with
availability, never with secrecy.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Store(Protocol):
    def put(self, key: str, data: bytes, *, day: dt.date | None = None) -> None:
        """Store `data` under `key`, replacing any blob already there, all or nothing.

        With `day`, the blob's times say that day (midnight UTC) and nothing finer, where the
        store keeps times at all (DESIGN §6, "At rest, nothing finer than the day").
        """

    def get(self, key: str) -> bytes:
        """The blob stored under `key`, or `BlobNotFound`."""

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; a missing blob is not an error.

        Idempotent because the retention purge is a job that may run twice (DESIGN §7).
        """

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
