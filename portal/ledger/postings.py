"""Posting to the append-only, hash-chained double-entry ledger.

Every transaction's lines balance (Σ debits = Σ credits) before anything is written. Each row's
hash covers its canonical content and the previous row's hash (one chain over all compacts), so
editing, deleting or reordering any row breaks the chain at that row. Corrections are reversing
transactions: the same lines with debit and credit swapped, pointing at the transaction reversed.

Accounts of a compact's book (all in its reporting currency):
  funding             credited with the gross of each disbursement (the donor's money going out)
  partner_assistance  debited with the net that reaches the partner
  endowment           debited with the levy, credited with each grant awarded from it
  grants_committed    debited when a grant is awarded, credited as it is paid
  grants_paid         debited with each grant payment
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from portal.domain.models import LedgerEntry
from portal.ledger.money import ZERO

GENESIS = "0" * 64
# Any constant (distinct from the audit log's): the PostgreSQL advisory lock serialising appends.
_APPEND_LOCK = 0x4357_4C47

FUNDING = "funding"
PARTNER = "partner_assistance"
ENDOWMENT = "endowment"
COMMITTED = "grants_committed"
PAID = "grants_paid"
ACCOUNTS = (FUNDING, PARTNER, ENDOWMENT, COMMITTED, PAID)


class UnbalancedTransaction(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def canonical(entry: LedgerEntry) -> bytes:
    return json.dumps(
        {
            "txn": entry.txn_id,
            "line": entry.line,
            "compact": entry.compact_id,
            "day": entry.day.isoformat(),
            "kind": entry.kind,
            "account": entry.account,
            "debit": f"{Decimal(entry.debit):.2f}",
            "credit": f"{Decimal(entry.credit):.2f}",
            "currency": entry.currency,
            "reference": entry.reference,
            "reverses": entry.reverses_txn,
            "rate_version": entry.levy_rate_version,
            "memo": entry.memo,
            "by": entry.recorded_by_id,
            "prev": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def entry_hash(entry: LedgerEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def post(
    session: Session,
    *,
    compact_id: int,
    day: dt.date,
    kind: str,
    currency: str,
    reference: str,
    lines: list[Line],
    recorded_by_id: int | None,
    reverses_txn: str | None = None,
    levy_rate_version: int | None = None,
    memo: str = "",
) -> str:
    """Append one balanced transaction in the caller's database transaction; its id."""
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits or not lines:
        raise UnbalancedTransaction(f"debits {debits} != credits {credits}")
    for line in lines:
        if line.account not in ACCOUNTS or line.debit < 0 or line.credit < 0:
            raise UnbalancedTransaction(f"bad line {line}")
    lock_books(session)
    previous = session.scalar(select(LedgerEntry.hash).order_by(LedgerEntry.id.desc()).limit(1))
    txn_id = secrets.token_hex(8)
    for number, line in enumerate(lines, start=1):
        entry = LedgerEntry(
            txn_id=txn_id,
            line=number,
            compact_id=compact_id,
            day=day,
            kind=kind,
            account=line.account,
            debit=line.debit,
            credit=line.credit,
            currency=currency,
            reference=reference,
            reverses_txn=reverses_txn,
            levy_rate_version=levy_rate_version,
            memo=memo[:200],
            recorded_by_id=recorded_by_id,
            prev_hash=previous or GENESIS,
        )
        entry.hash = entry_hash(entry)
        previous = entry.hash
        session.add(entry)
        # One row at a time, so ids follow the chain's order.
        session.flush()
    return txn_id


def lock_books(session: Session) -> None:
    """Serialise writers of the ledger until the transaction ends (PostgreSQL; SQLite has one
    writer anyway): two appends would otherwise chain onto the same predecessor, and two grants
    checked against the same balance could together overdraw it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})


def transaction_lines(session: Session, txn_id: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry).where(LedgerEntry.txn_id == txn_id).order_by(LedgerEntry.line)
        ).all()
    )


def balance(session: Session, compact_id: int, account: str) -> Decimal:
    """Σ debits − Σ credits of one account of a compact's book."""
    rows = session.execute(
        select(LedgerEntry.debit, LedgerEntry.credit).where(
            LedgerEntry.compact_id == compact_id, LedgerEntry.account == account
        )
    ).all()
    return sum((Decimal(d) - Decimal(c) for d, c in rows), ZERO)


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(mapper: object, connection: object, target: LedgerEntry) -> None:
    # Append-only in the application; an edit made behind its back is what `verify` catches.
    raise RuntimeError("ledger entries are append-only: post a reversing entry instead")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(mapper: object, connection: object, target: LedgerEntry) -> None:
    raise RuntimeError("ledger entries are append-only: post a reversing entry instead")
