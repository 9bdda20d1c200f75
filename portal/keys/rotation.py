"""Rotating a desk key: re-seal every report's data key to a new version, in resumable batches.

A rotation answers a suspected leak of a desk key (or a departing member who once held it): new
reports go to the new version at once, and old reports move over batch by batch. Each batch
commits on its own and records the last report done, so an interrupted rotation resumes where it
stopped; until it finishes both versions open, since every sealed key names its version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.crypto import KeyId, PrivateKey, PublicKey, reseal_data_key
from portal.domain.models import (
    Desk,
    DeskKeyWrap,
    KeyHolder,
    KeyRotation,
    Report,
    ReportKeyWrap,
    User,
)
from portal.domain.models import DeskKey as DeskKeyRow
from portal.keys.desks import DeskKeyError, provision_desk_key, unlock_desk_keys
from portal.keys.match import carry_match_key

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class RotationProgress:
    rotation_id: int
    moved: int
    done: bool


def start_or_resume(session: Session, desk: Desk) -> KeyRotation:
    """The unfinished rotation of `desk`, or a new one with a freshly provisioned key."""
    ongoing = session.scalar(
        select(KeyRotation).where(KeyRotation.desk_id == desk.id, KeyRotation.done.is_(False))
    )
    if ongoing is not None:
        return ongoing
    old = session.scalar(
        select(DeskKeyRow)
        .where(DeskKeyRow.desk_id == desk.id, DeskKeyRow.active.is_(True))
        .order_by(DeskKeyRow.version.desc())
        .limit(1)
    )
    if old is None:
        raise DeskKeyError(f"desk {desk.code} has no key to rotate")
    new = provision_desk_key(session, desk)
    rotation = KeyRotation(desk_id=desk.id, from_key_id=old.id, to_key_id=new.id)
    session.add(rotation)
    session.flush()
    return rotation


def run_batches(
    sessions: Callable[[], Session],
    rotation_id: int,
    holder_user_id: int,
    holder_key: PrivateKey,
    *,
    batch: int = DEFAULT_BATCH,
    max_batches: int | None = None,
) -> RotationProgress:
    """Move sealed data keys from the old version to the new, one committed batch at a time."""
    moved = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with sessions() as session, session.begin():
            rotation = session.get(KeyRotation, rotation_id)
            if rotation is None:
                raise DeskKeyError(f"no rotation {rotation_id}")
            if rotation.done:
                return RotationProgress(rotation_id, moved, True)
            old_private = _private_of(session, holder_user_id, holder_key, rotation.from_key_id)
            new_row = session.get(DeskKeyRow, rotation.to_key_id)
            assert new_row is not None
            if batches == 0:
                old_row = session.get(DeskKeyRow, rotation.from_key_id)
                desk = session.get(Desk, rotation.desk_id)
                assert old_row is not None and desk is not None
                # The desk's match key follows to the new version, so hashes keep matching.
                carry_match_key(session, desk, old_row, old_private)
            new_public = PublicKey.from_bytes(new_row.public_key)
            new_id = KeyId.parse(new_row.key_id)
            rows = session.execute(
                select(ReportKeyWrap, Report.public_id)
                .join(Report, Report.id == ReportKeyWrap.report_id)
                .where(
                    ReportKeyWrap.holder == KeyHolder.DESK,
                    ReportKeyWrap.desk_key_id == rotation.from_key_id,
                    ReportKeyWrap.report_id > rotation.last_report_id,
                )
                .order_by(ReportKeyWrap.report_id)
                .limit(batch)
            ).all()
            for wrap, public_id in rows:
                wrap.wrapped_key = reseal_data_key(
                    wrap.wrapped_key, old_private, new_public, new_id, public_id
                )
                wrap.desk_key_id = new_row.id
                rotation.last_report_id = wrap.report_id
            moved += len(rows)
            batches += 1
            if len(rows) < batch:
                _finish(session, rotation)
                return RotationProgress(rotation_id, moved, True)
    return RotationProgress(rotation_id, moved, False)


def _private_of(
    session: Session, user_id: int, holder_key: PrivateKey, desk_key_row_id: int
) -> PrivateKey:
    user = session.get(User, user_id)
    assert user is not None
    unlocked = unlock_desk_keys(session, user, holder_key)
    if desk_key_row_id not in unlocked:
        raise DeskKeyError(f"{user.email} holds no wrap of the key being rotated")
    return unlocked[desk_key_row_id].key.private


def _finish(session: Session, rotation: KeyRotation) -> None:
    """Retire the old version: nothing is sealed to it any more, so its wraps can go."""
    rotation.done = True
    old = session.get(DeskKeyRow, rotation.from_key_id)
    if old is not None:
        old.active = False
        session.execute(delete(DeskKeyWrap).where(DeskKeyWrap.desk_key_id == old.id))
