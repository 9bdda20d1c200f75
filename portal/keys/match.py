"""Desk match keys in the database: created with the desk key, opened in a verifier's session.

A desk's match key is sealed to each version of its desk key (`DeskMatchKey`). Sealing needs only
the desk's public key, so a version that lacks a copy (a new version provisioned for a new member)
gets one the next time anybody who holds an older version opens the key; a rotation carries it
over as it starts. The instance file `keys/fingerprint_key` of the first design (the same key, in
the clear) is adopted as every existing desk's match key, then deleted, by `adopt_legacy_match_key`
(run by `flask db upgrade` and by the outbox sweep), so existing hashes keep matching.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.crypto import DeskKey, KeyId, PrivateKey, PublicKey, SealingError
from portal.crypto.match_key import generate_match_key, open_match_key, seal_match_key
from portal.domain.models import Desk, DeskMatchKey
from portal.domain.models import DeskKey as DeskKeyRow
from portal.keys.desks import UnlockedDeskKey

LEGACY_KEY_FILE = "fingerprint_key"


def _seal_to(session: Session, desk: Desk, row: DeskKeyRow, match_key: bytes) -> None:
    session.add(
        DeskMatchKey(
            desk_id=desk.id,
            desk_key_id=row.id,
            sealed_key=seal_match_key(
                match_key, PublicKey.from_bytes(row.public_key), KeyId.parse(row.key_id), desk.code
            ),
        )
    )


def _versions_without(session: Session, desk_id: int) -> list[DeskKeyRow]:
    sealed_to = select(DeskMatchKey.desk_key_id).where(DeskMatchKey.desk_id == desk_id)
    return list(
        session.scalars(
            select(DeskKeyRow).where(
                DeskKeyRow.desk_id == desk_id,
                DeskKeyRow.active.is_(True),
                DeskKeyRow.id.not_in(sealed_to),
            )
        )
    )


def provide_match_key(session: Session, desk: Desk, new_row: DeskKeyRow) -> None:
    """With a desk key version just created: a fresh match key if the desk has none yet.

    A desk that has one keeps it (hashes must keep matching); the new version gets its copy from
    whoever next opens the key with an older version (`match_key_for`), or from the rotation.
    """
    has_one = session.scalar(select(DeskMatchKey.id).where(DeskMatchKey.desk_id == desk.id))
    if has_one is None:
        _seal_to(session, desk, new_row, generate_match_key())
        session.flush()


# One statement, built once (every opened report runs it): the copies this verifier can open, the
# desk's code, and whether an active version still lacks a copy (then, and only then, those
# versions are read and given one).
_MISSING = (
    select(DeskKeyRow.id)
    .where(
        DeskKeyRow.desk_id == bindparam("desk"),
        DeskKeyRow.active.is_(True),
        DeskKeyRow.id.not_in(
            select(DeskMatchKey.desk_key_id).where(DeskMatchKey.desk_id == bindparam("desk"))
        ),
    )
    .exists()
)
_COPIES = (
    select(DeskMatchKey.desk_key_id, DeskMatchKey.sealed_key, Desk.code, _MISSING)
    .join(Desk, Desk.id == DeskMatchKey.desk_id)
    .where(
        DeskMatchKey.desk_id == bindparam("desk"),
        DeskMatchKey.desk_key_id.in_(bindparam("held", expanding=True)),
    )
)


def match_key_for(
    session: Session, desk_id: int, unlocked: dict[int, UnlockedDeskKey]
) -> bytes | None:
    """The desk's match key, opened with one of the verifier's unlocked desk keys; None if none of
    them holds a copy (or the copy does not open). Versions without a copy get one on the way."""
    rows = session.execute(_COPIES, {"desk": desk_id, "held": list(unlocked)}).all()
    for desk_key_id, sealed_key, desk_code, lacking in rows:
        key = unlocked[desk_key_id].key
        try:
            match_key = open_match_key(sealed_key, key.private, key.key_id, desk_code)
        except SealingError:
            continue
        if lacking:
            desk = session.get(Desk, desk_id)
            assert desk is not None
            for version in _versions_without(session, desk_id):
                _seal_to(session, desk, version, match_key)
        session.flush()
        return match_key
    return None


def carry_match_key(
    session: Session, desk: Desk, old_row: DeskKeyRow, old_private: PrivateKey
) -> None:
    """At the start of a rotation: seal the match key to the new version(s) too."""
    key = DeskKey(KeyId.parse(old_row.key_id), old_private)
    match_key_for(session, desk.id, {old_row.id: UnlockedDeskKey(old_row.id, desk.id, key)})


def adopt_legacy_match_key(session: Session, keys_path: Path) -> int:
    """Seal the first design's `keys/fingerprint_key` to every desk key version that has no match
    key yet, then delete the file; returns how many versions got it (0: nothing to adopt).

    Existing hashes were made with that key, so adopting it (rather than a fresh one) keeps them
    matching new ones; what changes is that it no longer sits in the clear on the server. The
    caller commits before the file is gone: the deletion happens after `session.commit()`.
    """
    path = keys_path / LEGACY_KEY_FILE
    try:
        legacy = path.read_bytes()
    except FileNotFoundError:
        return 0
    if len(legacy) != 32:
        raise ValueError(f"{path} is not a 32-byte key; move it away and rerun")
    sealed = 0
    for desk in session.scalars(select(Desk)):
        for version in _versions_without(session, desk.id):
            _seal_to(session, desk, version, legacy)
            sealed += 1
    session.commit()
    _destroy(path)
    return sealed


def _destroy(path: Path) -> None:
    # Overwritten before unlinking: on most filesystems the old blocks are then zeros. Not a
    # guarantee (copy-on-write filesystems, SSD remapping), which docs/security.md states.
    with contextlib.suppress(OSError), open(path, "r+b") as handle:
        handle.write(bytes(32))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink(missing_ok=True)
