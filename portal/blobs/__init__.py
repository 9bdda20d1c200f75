"""Sealed blobs between a request and the store: staged with the report, settled on the tick."""

from portal.blobs.staging import (
    delete_blobs,
    pad_existing_blobs,
    read_blob,
    settle_staged_blobs,
    stage_blob,
)

__all__ = [
    "delete_blobs",
    "pad_existing_blobs",
    "read_blob",
    "settle_staged_blobs",
    "stage_blob",
]
