"""`portal ledger verify`: the chain, the balances and the reconciliation, naming the first bad row.

Checks, in order: every row's hash and link (an edited, deleted or reordered row breaks it);
every transaction balances (Σ debits = Σ credits); no compact's endowment ever goes below zero
and no grant is paid beyond its award, replaying postings in order; each transaction is reversed
at most once and a reversal mirrors what it reverses; each disbursement's figures recompute
(FX, the rate in force on its day, the half-even levy, the net) and match its postings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Disbursement, LedgerEntry, LevyRate
from portal.ledger import postings
from portal.ledger.money import ZERO, levy_for, to_cents


@dataclass(frozen=True)
class LedgerProblem:
    what: str  # "ledger entry" or "disbursement"
    row_id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.what} {self.row_id}: {self.reason}"


@dataclass(frozen=True)
class LedgerSummary:
    entries: int
    transactions: int
    disbursements: int


def _entries(session: Session, batch: int) -> Iterator[LedgerEntry]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.id > last_id)
            .order_by(LedgerEntry.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _replay(
    session: Session, batch: int
) -> tuple[LedgerProblem | None, dict[str, list[LedgerEntry]], int, int]:
    previous = postings.GENESIS
    txn_lines: dict[str, list[LedgerEntry]] = {}
    balances: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    current: list[LedgerEntry] = []
    count = 0

    def close(lines: list[LedgerEntry]) -> LedgerProblem | None:
        if not lines:
            return None
        first = lines[0]
        if [e.line for e in lines] != list(range(1, len(lines) + 1)):
            return LedgerProblem("ledger entry", first.id, "its transaction's lines are incomplete")
        if sum((e.debit for e in lines), ZERO) != sum((e.credit for e in lines), ZERO):
            return LedgerProblem("ledger entry", first.id, "its transaction does not balance")
        for entry in lines:
            balances[(entry.compact_id, entry.account)] += entry.debit - entry.credit
        for account in (postings.ENDOWMENT, postings.COMMITTED):
            if balances[(first.compact_id, account)] < 0:
                return LedgerProblem(
                    "ledger entry", first.id, f"the {account} balance falls below zero"
                )
        txn_lines[first.txn_id] = lines
        return None

    for entry in _entries(session, batch):
        count += 1
        if entry.prev_hash != previous:
            return (
                LedgerProblem("ledger entry", entry.id, "does not follow the row before it"),
                {},
                count,
                0,
            )
        if postings.entry_hash(entry) != entry.hash:
            return LedgerProblem("ledger entry", entry.id, "its content was changed"), {}, count, 0
        previous = entry.hash
        if current and entry.txn_id != current[0].txn_id:
            problem = close(current)
            if problem:
                return problem, {}, count, 0
            current = []
        if entry.txn_id in txn_lines:
            return LedgerProblem("ledger entry", entry.id, "its transaction is split"), {}, count, 0
        current.append(entry)
    problem = close(current)
    if problem:
        return problem, {}, count, 0
    return None, txn_lines, count, len(txn_lines)


def _mirror(reversal: list[LedgerEntry], original: list[LedgerEntry]) -> bool:
    def shape(lines: list[LedgerEntry], swap: bool) -> list[tuple[str, Decimal, Decimal]]:
        return sorted(
            (e.account, e.credit, e.debit) if swap else (e.account, e.debit, e.credit)
            for e in lines
        )

    return shape(reversal, True) == shape(original, False) and all(
        r.compact_id == original[0].compact_id for r in reversal
    )


def verify_ledger(
    session: Session, batch: int = 5000
) -> tuple[LedgerProblem | None, LedgerSummary]:
    problem, txns, entries, transactions = _replay(session, batch)
    if problem is not None:
        return problem, LedgerSummary(entries, transactions, 0)
    reversed_once: set[str] = set()
    for lines in txns.values():
        head = lines[0]
        if head.kind != "reversal":
            continue
        original = txns.get(head.reverses_txn or "")
        if original is None or original[0].kind == "reversal":
            return LedgerProblem("ledger entry", head.id, "reverses no transaction"), LedgerSummary(
                entries, transactions, 0
            )
        if head.reverses_txn in reversed_once:
            return LedgerProblem(
                "ledger entry", head.id, "reverses a transaction reversed before"
            ), LedgerSummary(entries, transactions, 0)
        reversed_once.add(head.reverses_txn or "")
        if not _mirror(lines, original):
            return LedgerProblem(
                "ledger entry", head.id, "does not mirror what it reverses"
            ), LedgerSummary(entries, transactions, 0)
    rates = {r.version: r for r in session.scalars(select(LevyRate)).all()}
    ordered = sorted(rates.values(), key=lambda r: r.effective_from)
    count = 0
    for row in session.scalars(select(Disbursement).order_by(Disbursement.id)).all():
        count += 1
        reason = _disbursement_problem(row, txns.get(row.txn_id), rates, ordered)
        if reason:
            return LedgerProblem("disbursement", row.id, reason), LedgerSummary(
                entries, transactions, count
            )
    return None, LedgerSummary(entries, transactions, count)


def _disbursement_problem(
    row: Disbursement,
    lines: list[LedgerEntry] | None,
    rates: dict[int, LevyRate],
    ordered: list[LevyRate],
) -> str | None:
    if lines is None:
        return "has no postings"
    if lines[0].kind != "disbursement" or lines[0].reference != f"disbursement:{row.public_id}":
        return "its postings belong to something else"
    rate = rates.get(row.levy_rate_version)
    in_force = [r for r in ordered if r.effective_from <= row.day]
    if rate is None or rate.rate != row.levy_rate or not in_force or in_force[-1] is not rate:
        return "its levy rate is not the rate in force on its day"
    if row.gross_reporting != to_cents(row.gross * row.fx_rate):
        return "its gross in the reporting currency does not recompute"
    if row.levy != levy_for(row.levy_rate, row.gross_reporting):
        return "its levy does not recompute"
    if row.net != row.gross_reporting - row.levy:
        return "its net is not gross minus levy"
    posted = {(e.account, e.debit, e.credit) for e in lines}
    wanted = {
        (postings.FUNDING, ZERO, row.gross_reporting),
        (postings.PARTNER, row.net, ZERO),
        (postings.ENDOWMENT, row.levy, ZERO),
    }
    if posted != wanted or any(e.levy_rate_version != row.levy_rate_version for e in lines):
        return "its postings do not match its figures"
    return None
