"""Why a blob operation failed."""

from __future__ import annotations


class StoreError(Exception):
    """The blob store could not do what was asked."""


class InvalidBlobKey(StoreError, ValueError):
    """A key outside the opaque-id alphabet: refused before it can name a path."""

    def __init__(self) -> None:
        # The offending key is not echoed: if a caller ever passes user input here, it should not
        # reach the logs through the exception text.
        super().__init__("blob key must be 16-128 characters of [a-z0-9_-], not starting with '-'")


class BlobNotFound(StoreError, KeyError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no blob stored under {key}")
        self.key = key

    def __str__(self) -> str:
        # KeyError would quote the message; keep it readable.
        return str(self.args[0])
