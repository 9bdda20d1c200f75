"""Padded blobs: a sealed blob in a frame whose total size is a Padmé bucket.

Threat answered: a seized blob store. A blob was the cleaned file plus 30 bytes, so re-cleaning the
photo still on a reporter's phone gave its exact size and matched it. Padded, two photos a few
hundred bytes apart give blobs of the same size (`portal/crypto/padding.py`, at most 12 %
overhead). The frame sits outside the AEAD, so existing blobs are padded without their keys
(`portal blobs settle`); a changed length or frame only makes the sealed part fail to open.

Frame: ``b"CWP1" | u32 big-endian length of the sealed blob | sealed blob | zero bytes``. A blob
without the magic is an unpadded one from before, returned as it is (sealed blobs start with
the envelope's version byte 0x01, never with ``C``).
"""

from __future__ import annotations

import struct
from typing import Final

from portal.crypto.padding import padme
from portal.store.errors import StoreError

MAGIC: Final = b"CWP1"
_HEADER: Final = struct.Struct(">4sI")


def pad_blob(sealed: bytes) -> bytes:
    framed = _HEADER.pack(MAGIC, len(sealed)) + sealed
    return framed + bytes(padme(len(framed)) - len(framed))


def is_padded(blob: bytes) -> bool:
    return blob[: len(MAGIC)] == MAGIC


def unpad_blob(blob: bytes) -> bytes:
    """The sealed blob inside the frame (or the blob itself, if it predates padding)."""
    if not is_padded(blob):
        return blob
    if len(blob) < _HEADER.size:
        raise StoreError("padded blob is truncated")
    _magic, length = _HEADER.unpack_from(blob)
    # The whole frame is checked: a blob cut short or grown is damaged, even where only the
    # padding changed.
    if padme(_HEADER.size + length) != len(blob) or any(blob[_HEADER.size + length :]):
        raise StoreError("padded blob is damaged")
    return blob[_HEADER.size : _HEADER.size + length]
