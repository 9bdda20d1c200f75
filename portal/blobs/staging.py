"""Blobs at rest say nothing finer than the day or the tick, and their size only as a bucket.

A request never writes a blob file: `stage_blob` pads the sealed bytes (`portal/store/padding.py`)
and adds them to the request's transaction as a `StagedBlob` row, so a report and its attachments
are committed together or not at all. Every job tick (the outbox sweep, `docs/jobs.md`)
`settle_staged_blobs` moves the staged rows into the store, with mtime and atime set to the day:
the one time nothing can set, the ctime, then says the tick. Until then, `read_blob` finds a blob
in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.database import Database
from portal.domain.models import Attachment, StagedBlob
from portal.store import BlobNotFound, Store
from portal.store.padding import is_padded, pad_blob, unpad_blob

SETTLE_BATCH = 100


def stage_blob(session: Session, key: str, sealed: bytes, day: dt.date) -> None:
    """Add a sealed blob to the caller's transaction; the tick moves it to the store."""
    session.add(StagedBlob(blob_key=key, data=pad_blob(sealed), day=day))


def read_blob(session: Session, store: Store, key: str) -> bytes:
    """The sealed blob under `key`, from the store or, before the tick, the database."""
    try:
        return unpad_blob(store.get(key))
    except BlobNotFound:
        staged = session.get(StagedBlob, key)
        if staged is None:
            raise
        return unpad_blob(staged.data)


def delete_blobs(session: Session, store: Store, keys: Iterable[str]) -> None:
    """Remove blobs wherever they are; staged rows go with the caller's transaction."""
    keys = list(keys)
    if keys:
        session.execute(delete(StagedBlob).where(StagedBlob.blob_key.in_(keys)))
    for key in keys:
        store.delete(key)


def settle_staged_blobs(database: Database, store: Store, *, batch: int = SETTLE_BATCH) -> int:
    """Move every staged blob into the store, dated to its day; returns how many moved.

    Each row is written, then deleted in a committed batch: a crash in between writes the same
    bytes again next time. Logs nothing (a count per tick would date reports to the tick).
    """
    moved = 0
    while True:
        with database.transaction() as session:
            rows = session.scalars(
                select(StagedBlob).order_by(StagedBlob.blob_key).limit(batch).with_for_update(
                    skip_locked=True
                )
            ).all()
            for row in rows:
                store.put(row.blob_key, row.data, day=row.day)
                session.delete(row)
            moved += len(rows)
        if len(rows) < batch:
            return moved


@dataclass(frozen=True)
class PaddedExisting:
    padded: int
    already: int
    missing: int


def pad_existing_blobs(database: Database, store: Store, *, batch: int = 200) -> PaddedExisting:
    """Pad the attachment blobs written before padding, and date them to their attachment's day.

    Resumable and idempotent: a blob already padded is left alone, so a second run only reads.
    """
    padded = already = missing = 0
    after = 0
    while True:
        with database.transaction() as session:
            rows = session.execute(
                select(Attachment.id, Attachment.blob_key, Attachment.created_day)
                .where(Attachment.id > after)
                .order_by(Attachment.id)
                .limit(batch)
            ).all()
        for attachment_id, key, day in rows:
            after = attachment_id
            try:
                blob = store.get(key)
            except BlobNotFound:
                missing += 1  # staged (the tick moves it, padded) or deleted by retention
                continue
            if is_padded(blob):
                already += 1
                continue
            store.put(key, pad_blob(blob), day=day)
            padded += 1
        if len(rows) < batch:
            return PaddedExisting(padded, already, missing)
