"""Receipts in the database: issuing one, finding a report by one, stretching old look-ups.

The crypto (one Argon2id per guess, split into look-up id and wrap key) is in
`portal/crypto/receipt.py`; this module keeps the schemes (salt and costs) in the database and
walks them. A look-up costs one Argon2id per scheme in use: one on a fresh instance, two while
reports from before the migration remain on the legacy scheme (each successful visit moves its
report to the current scheme, and an emptied scheme is dropped by `portal receipts migrate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.crypto import (
    DataKey,
    KdfParams,
    ReceiptCode,
    ReceiptKeys,
    ReceiptScheme,
    ReceiptSecrets,
    SealingError,
)
from portal.crypto.envelope import Kind
from portal.domain.models import KeyHolder, ReceiptLookupScheme, Report, ReportKeyWrap
from portal.domain.models.base import today


@dataclass(frozen=True, repr=False)
class IssuedReceipt:
    """A new report's receipt (shown once) and what is stored for it."""

    receipt: ReceiptCode
    lookup: str
    scheme_id: int
    wrapped_key: bytes


@dataclass(frozen=True, repr=False)
class FoundByReceipt:
    report_id: int
    public_id: str
    data_key: DataKey


def _as_scheme(row: ReceiptLookupScheme) -> ReceiptScheme:
    params = KdfParams(memory_kib=row.memory_kib, iterations=row.iterations, lanes=row.lanes)
    return ReceiptScheme(row.id, bytes(row.salt), params, legacy=row.legacy)


def _scheme_row(session: Session, params: KdfParams, *, legacy: bool) -> ReceiptLookupScheme:
    """The scheme for these costs, created on first use (once, however many processes race)."""
    query = select(ReceiptLookupScheme).where(
        ReceiptLookupScheme.memory_kib == params.memory_kib,
        ReceiptLookupScheme.iterations == params.iterations,
        ReceiptLookupScheme.lanes == params.lanes,
        ReceiptLookupScheme.legacy.is_(legacy),
    )
    row = session.scalar(query)
    if row is not None:
        return row
    from portal.crypto.receipt import new_scheme_salt

    try:
        with session.begin_nested():
            row = ReceiptLookupScheme(
                salt=new_scheme_salt(),
                memory_kib=params.memory_kib,
                iterations=params.iterations,
                lanes=params.lanes,
                legacy=legacy,
                created_day=today(),
            )
            session.add(row)
    except IntegrityError:
        row = session.scalar(query)
        assert row is not None
    return row


def current_scheme(session: Session, receipts: ReceiptKeys) -> ReceiptScheme:
    """The scheme new receipts are issued under: today's configured costs."""
    return _as_scheme(_scheme_row(session, receipts.params, legacy=False))


def issue_receipt(
    session: Session,
    receipts: ReceiptKeys,
    data_key: DataKey,
    public_id: str,
    *,
    receipt: ReceiptCode | None = None,
) -> IssuedReceipt:
    """`receipt` is for the demo's published tour receipt only; otherwise one is drawn."""
    scheme = current_scheme(session, receipts)
    receipt = receipt or ReceiptCode.generate()
    derived = receipts.derive(receipt, scheme)
    return IssuedReceipt(
        receipt,
        derived.lookup_id.hex(),
        scheme.scheme_id,
        receipts.wrap_data_key(data_key, derived, public_id),
    )


def find_by_receipt(
    session: Session, receipts: ReceiptKeys, receipt: ReceiptCode
) -> FoundByReceipt | None:
    """The report this receipt opens, with its data key; None for an unknown or wrong receipt.

    A report found under an older or legacy scheme, or still holding a first-design look-up, is
    moved to the current scheme on the way (the caller commits): only a visit with the receipt
    can do that, since the server never kept a receipt.
    """
    current = current_scheme(session, receipts)
    rows = session.scalars(
        select(ReceiptLookupScheme).where(ReceiptLookupScheme.id != current.scheme_id)
    ).all()
    for scheme in [current, *(_as_scheme(row) for row in rows)]:
        derived = receipts.derive(receipt, scheme)
        found = _open(session, receipts, receipt, derived)
        if found is not None:
            if scheme != current:
                _reissue(session, receipts, receipt, found, current)
            return found
    # Reports whose first-design look-up `portal receipts migrate` has not stretched yet. The
    # HMAC is cheap, but the schemes above already cost every guess an Argon2id.
    found = _open_unmigrated(session, receipts, receipt)
    if found is not None:
        _reissue(session, receipts, receipt, found, current)
    return found


def _wrap_of(session: Session, condition: object) -> tuple[int, str, ReportKeyWrap] | None:
    row = session.execute(
        select(Report.id, Report.public_id, ReportKeyWrap)
        .join(ReportKeyWrap, ReportKeyWrap.report_id == Report.id)
        .where(condition, ReportKeyWrap.holder == KeyHolder.RECEIPT)  # type: ignore[arg-type]
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _unwrap(
    receipts: ReceiptKeys,
    receipt: ReceiptCode,
    derived: ReceiptSecrets | None,
    wrap: ReportKeyWrap,
    public_id: str,
) -> DataKey | None:
    try:
        if wrap.wrapped_key[1:2] == bytes((Kind.DATA_KEY_UNDER_RECEIPT,)):
            return receipts.unwrap_legacy_data_key(wrap.wrapped_key, receipt, public_id)
        if derived is None:
            return None
        return receipts.unwrap_data_key(wrap.wrapped_key, derived, public_id)
    except SealingError:
        return None


def _open(
    session: Session, receipts: ReceiptKeys, receipt: ReceiptCode, derived: ReceiptSecrets
) -> FoundByReceipt | None:
    row = _wrap_of(
        session,
        (Report.receipt_lookup == derived.lookup_id.hex())
        & (Report.receipt_scheme_id == derived.scheme_id),
    )
    if row is None:
        return None
    report_id, public_id, wrap = row
    data_key = _unwrap(receipts, receipt, derived, wrap, public_id)
    return None if data_key is None else FoundByReceipt(report_id, public_id, data_key)


def _open_unmigrated(
    session: Session, receipts: ReceiptKeys, receipt: ReceiptCode
) -> FoundByReceipt | None:
    row = _wrap_of(
        session,
        (Report.receipt_lookup == receipts.legacy_lookup(receipt).hex())
        & Report.receipt_scheme_id.is_(None),
    )
    if row is None:
        return None
    report_id, public_id, wrap = row
    data_key = _unwrap(receipts, receipt, None, wrap, public_id)
    return None if data_key is None else FoundByReceipt(report_id, public_id, data_key)


def _reissue(
    session: Session,
    receipts: ReceiptKeys,
    receipt: ReceiptCode,
    found: FoundByReceipt,
    scheme: ReceiptScheme,
) -> None:
    derived = receipts.derive(receipt, scheme)
    report = session.get(Report, found.report_id)
    assert report is not None
    report.receipt_lookup = derived.lookup_id.hex()
    report.receipt_scheme_id = scheme.scheme_id
    for wrap in report.key_wraps:
        if wrap.holder == KeyHolder.RECEIPT:
            wrap.wrapped_key = receipts.wrap_data_key(found.data_key, derived, found.public_id)
    session.flush()


@dataclass(frozen=True)
class MigrationProgress:
    stretched: int
    remaining: int
    schemes_dropped: int


def migrate_legacy_lookups(
    sessions: Callable[[], Session],
    receipts: ReceiptKeys,
    *,
    batch: int = 64,
    max_seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MigrationProgress:
    """Stretch every first-design look-up value with the legacy scheme's Argon2id, one committed
    batch at a time: stop it at any point and run it again, it goes on where it stopped.

    Afterwards no fast look-up value is stored anywhere: guessing a migrated receipt costs the
    HMAC and the Argon2id. Schemes no report uses any more are dropped at the end.

    One process derives one Argon2id at a time (the binding holds the GIL); on PostgreSQL several
    processes can run it side by side, each batch's rows locked and skipped by the others.
    """
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    stretched = 0
    while deadline is None or time.monotonic() < deadline:
        with sessions() as session, session.begin():
            scheme = _as_scheme(_scheme_row(session, receipts.params, legacy=True))
            rows = session.scalars(
                select(Report)
                .where(Report.receipt_scheme_id.is_(None), Report.receipt_lookup.is_not(None))
                .order_by(Report.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                break
            for row in rows:
                derived = receipts.stretch(bytes.fromhex(row.receipt_lookup or ""), scheme)
                row.receipt_lookup = derived.lookup_id.hex()
                row.receipt_scheme_id = scheme.scheme_id
            stretched += len(rows)
        if progress is not None:
            progress(stretched, remaining_legacy(sessions))
    with sessions() as session, session.begin():
        remaining = _count_remaining(session)
        dropped = 0 if remaining else drop_unused_schemes(session, receipts)
    return MigrationProgress(stretched, remaining, dropped)


def remaining_legacy(sessions: Callable[[], Session]) -> int:
    with sessions() as session:
        return _count_remaining(session)


def _count_remaining(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.receipt_scheme_id.is_(None), Report.receipt_lookup.is_not(None))
        )
        or 0
    )


def drop_unused_schemes(session: Session, receipts: ReceiptKeys) -> int:
    """Delete schemes no report is looked up under, except today's: each costs every look-up
    one more Argon2id."""
    current = _scheme_row(session, receipts.params, legacy=False)
    used = select(Report.receipt_scheme_id).where(Report.receipt_scheme_id.is_not(None))
    result = session.execute(
        delete(ReceiptLookupScheme).where(
            ReceiptLookupScheme.id != current.id, ReceiptLookupScheme.id.not_in(used)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "FoundByReceipt",
    "IssuedReceipt",
    "MigrationProgress",
    "current_scheme",
    "drop_unused_schemes",
    "find_by_receipt",
    "issue_receipt",
    "migrate_legacy_lookups",
    "remaining_legacy",
]
