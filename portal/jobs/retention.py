"""Retention: crypto-shred rejected and closed reports once their desk's retention has run out.

A report kept longer than its purpose needs is a liability to the person who sent it: a seized
server, a subpoena or an insider can only take what is still there. Deleting the report's key wraps
destroys its data key, so every ciphertext sealed under it (payload, attachments, messages, notes)
becomes noise wherever a copy survives; the ciphertexts and the keyed hashes derived from the
content are then deleted too. The clear coarse fields stay, because verified incidents, clusters
and scorecards are built from them (DESIGN §5, §9). See docs/retention.md.

The purge commits in batches so that a purge of a million reports never holds one long transaction
over the desk queue, and it is idempotent: a shredded report is never selected again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from portal import audit
from portal.blobs import delete_blobs
from portal.config import Config
from portal.database import Database
from portal.domain.models import (
    Attachment,
    Desk,
    IncidentCluster,
    Message,
    Report,
    ReportKeyWrap,
    SentOnce,
    VerifierNote,
)
from portal.domain.models.base import today as current_day
from portal.domain.workflow import ReportStatus
from portal.store import FileStore, Store

log = logging.getLogger("portal.jobs")

DEFAULT_BATCH: Final = 500
# Only these are ever purged. A verified (or partially verified) report is evidence behind a
# compact's scores and is kept whatever its age; so is anything still being worked on.
PURGEABLE: Final = (ReportStatus.REJECTED, ReportStatus.CLOSED)
# Bulk statements, then one expire of the whole session after commit: evaluating every statement
# against the identity map would only slow a large purge down.
_BULK: Final = {"synchronize_session": False}


@dataclass(frozen=True)
class PurgeResult:
    """What one run shredded (or, for a dry run, would shred), counted per desk code."""

    as_of: dt.date
    by_desk: dict[str, int] = field(default_factory=dict)
    attachments: int = 0
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_desk.values())


@dataclass(frozen=True)
class _Rule:
    desk_id: int
    desk_code: str
    status: ReportStatus
    # A report of this desk and status whose last change is on or before this day is expired.
    cutoff: dt.date


def _cutoff(as_of: dt.date, days: int) -> dt.date | None:
    """The last `last_activity_day` that is expired on `as_of`, or None when nothing can be.

    `last_activity_day + days <= as_of` is `last_activity_day <= as_of - days`. A negative setting
    is a mistake, and shredding cannot be undone while keeping a little longer can: such a desk
    keeps everything until the setting is fixed.
    """
    if days < 0:
        return None
    try:
        return as_of - dt.timedelta(days=days)
    except OverflowError:
        return None  # a retention longer than the calendar: nothing is ever due


def _rules(session: Session, as_of: dt.date) -> tuple[list[str], list[_Rule]]:
    desks = session.execute(
        select(
            Desk.id, Desk.code, Desk.retention_rejected_days, Desk.retention_closed_days
        ).order_by(Desk.code)
    ).all()
    rules: list[_Rule] = []
    for desk_id, code, rejected_days, closed_days in desks:
        for status, days in (
            (ReportStatus.REJECTED, rejected_days),
            (ReportStatus.CLOSED, closed_days),
        ):
            cutoff = _cutoff(as_of, days)
            if cutoff is None:
                log.warning(
                    "desk %s: retention of %s reports is %d days; skipped", code, status, days
                )
                continue
            rules.append(_Rule(desk_id, code, status, cutoff))
    return [code for _id, code, _r, _c in desks], rules


def _expired(rule: _Rule) -> tuple[ColumnElement[bool], ...]:
    assert rule.status in PURGEABLE
    return (
        Report.desk_id == rule.desk_id,
        Report.status == rule.status,
        Report.shredded.is_(False),
        Report.last_activity_day <= rule.cutoff,
    )


def due_for_purge(session: Session, as_of: dt.date) -> PurgeResult:
    """What `purge_expired` would shred on `as_of`, changing nothing (the CLI's `--dry-run`)."""
    codes, rules = _rules(session, as_of)
    by_desk = dict.fromkeys(codes, 0)
    attachments = 0
    for rule in rules:
        by_desk[rule.desk_code] += (
            session.scalar(select(func.count(Report.id)).where(*_expired(rule))) or 0
        )
        attachments += (
            session.scalar(
                select(func.count(Attachment.id))
                .join(Report, Report.id == Attachment.report_id)
                .where(*_expired(rule))
            )
            or 0
        )
    return PurgeResult(as_of, by_desk, attachments, dry_run=True)


def purge_expired(
    session: Session, store: Store, today: dt.date, *, batch: int = DEFAULT_BATCH
) -> PurgeResult:
    """Shred every rejected or closed report whose desk's retention ended on or before `today`.

    Commits after each batch of at most `batch` reports and once more for the run's single audit
    event, so `session` must carry no other unfinished work. If a batch fails, the batches before
    it stay done, the audit event still records them (marked incomplete), and the error is raised;
    the next run picks up where this one stopped.
    """
    codes, rules = _rules(session, today)
    by_desk = dict.fromkeys(codes, 0)
    attachments = 0
    late = 0
    try:
        for rule in rules:
            for ids in _batches(session, _expired(rule), batch):
                attachments += _shred(session, store, ids, mark_day=today)
                session.commit()
                session.expire_all()
                by_desk[rule.desk_code] += len(ids)
        for ids in _batches(session, _written_after_shredding(), batch):
            attachments += _shred(session, store, ids, mark_day=None)
            session.commit()
            session.expire_all()
            late += len(ids)
    except Exception:
        session.rollback()
        _record_run(session, today, by_desk, attachments, late, complete=False)
        session.commit()
        raise
    # Resend guards past their day (portal/reporter/resends.py): a hash and a sealed receipt
    # that open nothing without the sender's token, kept no longer than needed all the same.
    session.execute(delete(SentOnce).where(SentOnce.expires_on < today))
    _record_run(session, today, by_desk, attachments, late, complete=True)
    session.commit()
    return PurgeResult(today, by_desk, attachments)


def _written_after_shredding() -> tuple[ColumnElement[bool], ...]:
    """Shredded reports that still hold sealed rows.

    A reporter's reply checks `shredded` and then commits; a purge committing in between leaves
    that reply's message and files on a shredded report. Rare, but a run must leave nothing sealed
    behind, so each run also sweeps these (normally none: one cheap query).
    """
    return (
        Report.shredded.is_(True),
        or_(
            Report.payload_sealed.is_not(None),
            Report.receipt_lookup.is_not(None),
            select(ReportKeyWrap.id).where(ReportKeyWrap.report_id == Report.id).exists(),
            select(Message.id).where(Message.report_id == Report.id).exists(),
            select(VerifierNote.id).where(VerifierNote.report_id == Report.id).exists(),
            select(Attachment.id).where(Attachment.report_id == Report.id).exists(),
        ),
    )


def _batches(
    session: Session, condition: tuple[ColumnElement[bool], ...], batch: int
) -> Iterator[list[int]]:
    after = 0
    while True:
        # Selected and locked in the batch's own transaction with the full condition: a report a
        # verifier reopened a moment ago is no longer rejected, and is not touched.
        ids = list(
            session.scalars(
                select(Report.id)
                .where(*condition, Report.id > after)
                .order_by(Report.id)
                .limit(batch)
                .with_for_update()
            )
        )
        if not ids:
            return
        yield ids
        after = ids[-1]
        if len(ids) < batch:
            return


def _shred(session: Session, store: Store, ids: list[int], *, mark_day: dt.date | None) -> int:
    """Destroy the sealed side of these reports; returns how many attachment blobs went.

    `mark_day` marks them shredded on that day; None leaves the mark of an earlier run as it is.
    """
    blob_keys = list(
        session.scalars(select(Attachment.blob_key).where(Attachment.report_id.in_(ids)))
    )
    clusters = {
        cluster_id
        for cluster_id in session.scalars(select(Report.cluster_id).where(Report.id.in_(ids)))
        if cluster_id is not None
    }
    # The data key first: without its wraps nothing below can be opened even if a copy survives.
    session.execute(
        delete(ReportKeyWrap).where(ReportKeyWrap.report_id.in_(ids)), execution_options=_BULK
    )
    session.execute(delete(Message).where(Message.report_id.in_(ids)), execution_options=_BULK)
    session.execute(
        delete(VerifierNote).where(VerifierNote.report_id.in_(ids)), execution_options=_BULK
    )
    session.execute(
        delete(Attachment).where(Attachment.report_id.in_(ids)), execution_options=_BULK
    )
    cleared: dict[str, Any] = {
        "payload_sealed": None,
        # Without its lookup a receipt finds nothing, exactly like a receipt never issued.
        "receipt_lookup": None,
        # Keyed hashes of the place, unit and exact day (and the fingerprint built on them) come
        # from sealed content: whoever holds the fingerprint key could test guesses against them.
        "unit_key": None,
        "place_key": None,
        "day_key": None,
        "fingerprint": None,
    }
    if mark_day is not None:
        cleared |= {"shredded": True, "retention_until": mark_day}
    session.execute(
        update(Report).where(Report.id.in_(ids)).values(**cleared), execution_options=_BULK
    )
    if clusters:
        _shred_orphaned_summaries(session, clusters)
    session.flush()
    # Blobs go before the commit: if the commit then fails, the reports are still unshredded and
    # the next run deletes their (already missing) blobs again, which `Store.delete` allows. The
    # other order could leave ciphertext on disk that no row points to any more.
    delete_blobs(session, store, blob_keys)
    return len(blob_keys)


def _shred_orphaned_summaries(session: Session, cluster_ids: set[int]) -> None:
    """A cluster's sealed summary retells its reports; it goes when the last of them is shredded.

    The cluster's clear fields (indicator, region, month, state, weight, unit key) stay: scoring
    counts verified incidents from those, never from the summary.
    """
    live_member = (
        select(Report.id)
        .where(Report.cluster_id == IncidentCluster.id, Report.shredded.is_(False))
        .exists()
    )
    session.execute(
        update(IncidentCluster)
        .where(IncidentCluster.id.in_(cluster_ids), ~live_member)
        .values(summary_sealed=None, summary_key_wrapped=None),
        execution_options=_BULK,
    )


def _record_run(
    session: Session,
    as_of: dt.date,
    by_desk: dict[str, int],
    attachments: int,
    late: int,
    *,
    complete: bool,
) -> None:
    # Counts only: the public ids of purged reports would let anyone holding an old export or
    # backup pick out exactly which reports were rejected.
    detail: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "reports": dict(by_desk),
        "attachments": attachments,
        "late_writes_cleared": late,
        "complete": complete,
    }
    audit.record(session, actor_id=None, action="retention.purge", detail=detail)


def reclaim_freed_pages(database: Database) -> None:
    """Push the purge's overwritten pages into the SQLite file now, not at some later checkpoint.

    SQLite runs with `secure_delete` in WAL mode: the zeroed pages sit in the WAL while the main
    file still holds the old ones, ciphertext and key wraps included, until a checkpoint copies
    them over. PostgreSQL keeps dead tuples until vacuum; docs/retention.md says what to run.
    """
    if not database.is_sqlite:
        return
    with database.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def run_scheduled_purge() -> None:
    """The rq entry point (queue `maintenance`), scheduled daily by name: keep the name."""
    config = Config.from_env()
    database = Database(config.database_url)
    try:
        with database.sessions() as session:
            result = purge_expired(session, FileStore(config.blob_path), current_day())
        reclaim_freed_pages(database)
    finally:
        database.dispose()
    log.info(
        "retention purge: %d report(s), %d attachment(s) shredded (%s)",
        result.total,
        result.attachments,
        ", ".join(f"{code} {n}" for code, n in result.by_desk.items() if n) or "none due",
    )
