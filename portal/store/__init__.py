"""Blob storage for sealed content (attachments, large sealed payloads).

Only ciphertext is stored here; destroying a report's keys is what makes its blobs unreadable
(crypto-shredding, done by the crypto layer), and `delete` removes the bytes as well. Services take
a `Store` as an argument: `FileStore` in the app, `InMemoryStore` in tests, and an S3-compatible
store may be added behind the same protocol (DESIGN §13).
"""

from portal.store.errors import BlobNotFound, InvalidBlobKey, StoreError
from portal.store.filesystem import FileStore
from portal.store.interface import Store
from portal.store.keys import check_blob_key, new_blob_key
from portal.store.memory import InMemoryStore

__all__ = [
    "BlobNotFound",
    "FileStore",
    "InMemoryStore",
    "InvalidBlobKey",
    "Store",
    "StoreError",
    "check_blob_key",
    "new_blob_key",
]
