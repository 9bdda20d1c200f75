"""What the ledger pages read: a compact's disbursements, overrides and category totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import (
    AssistanceOverride,
    Compact,
    Disbursement,
    LedgerEntry,
    ReformGrant,
    User,
)
from portal.ledger.catalogue import Category, categories, current_catalogue
from portal.ledger.money import ZERO


@dataclass(frozen=True)
class OverrideLine:
    day: object
    reason: str
    justification: str
    by: str
    disbursement: Disbursement


@dataclass(frozen=True)
class CategoryTotal:
    category: Category
    allowed: bool
    gross: Decimal
    count: int
    overridden: int


def reversed_txns(session: Session, compact: Compact) -> set[str]:
    return {
        txn
        for txn in session.scalars(
            select(LedgerEntry.reverses_txn).where(
                LedgerEntry.compact_id == compact.id, LedgerEntry.reverses_txn.is_not(None)
            )
        ).all()
        if txn
    }


def disbursements(session: Session, compact: Compact, limit: int = 500) -> list[Disbursement]:
    return list(
        session.scalars(
            select(Disbursement)
            .where(Disbursement.compact_id == compact.id)
            .order_by(Disbursement.day.desc(), Disbursement.id.desc())
            .limit(limit)
        ).all()
    )


def overrides(session: Session, compact: Compact, limit: int = 200) -> list[OverrideLine]:
    rows = session.execute(
        select(AssistanceOverride, Disbursement, User.display_name)
        .join(Disbursement, Disbursement.id == AssistanceOverride.disbursement_id)
        .join(User, User.id == AssistanceOverride.authorised_by_id)
        .where(AssistanceOverride.compact_id == compact.id)
        .order_by(AssistanceOverride.id.desc())
        .limit(limit)
    ).all()
    return [
        OverrideLine(o.day, o.reason, o.justification, name, d) for o, d, name in rows
    ]


def category_totals(session: Session, compact: Compact) -> list[CategoryTotal]:
    """Each current category against the decided tier, with what was disbursed under it
    (reversed disbursements left out), in the reporting currency."""
    undone = reversed_txns(session, compact)
    gross: dict[str, Decimal] = defaultdict(lambda: ZERO)
    count: dict[str, int] = defaultdict(int)
    overridden: dict[str, int] = defaultdict(int)
    with_override = set(
        session.scalars(
            select(AssistanceOverride.disbursement_id).where(
                AssistanceOverride.compact_id == compact.id
            )
        ).all()
    )
    for row in session.scalars(
        select(Disbursement).where(Disbursement.compact_id == compact.id)
    ).all():
        if row.txn_id in undone:
            continue
        gross[row.category_code] += row.gross_reporting
        count[row.category_code] += 1
        overridden[row.category_code] += row.id in with_override
    return [
        CategoryTotal(c, c.min_tier <= compact.current_tier, gross[c.code], count[c.code],
                      overridden[c.code])
        for c in categories(current_catalogue(session))
    ]


@dataclass(frozen=True)
class EndowmentTotals:
    """What the endowment received and gave (money flows are public: no unit, no override)."""

    currency: str
    levied: Decimal  # levies less reversed levies
    granted: Decimal  # grants awarded
    paid: Decimal  # grant payments made
    balance: Decimal
    awaiting: int  # proposals awaiting review
    awarded: int  # grants awarded (including those paid in full)


def endowment_totals(session: Session, compact: Compact) -> EndowmentTotals:
    from portal.ledger.service import reporting_currency

    rows = session.execute(
        select(LedgerEntry.kind, LedgerEntry.account, LedgerEntry.debit, LedgerEntry.credit)
        .where(LedgerEntry.compact_id == compact.id)
    ).all()
    levied = granted = paid = ZERO
    for kind, account, debit, credit in rows:
        if account == "endowment" and kind in ("disbursement", "reversal"):
            levied += debit - credit
        elif account == "endowment" and kind == "grant_award":
            granted += credit - debit
        elif account == "grants_paid":
            paid += debit - credit
    states = session.scalars(
        select(ReformGrant.state).where(ReformGrant.compact_id == compact.id)
    ).all()
    return EndowmentTotals(
        currency=reporting_currency(session, compact),
        levied=levied,
        granted=granted,
        paid=paid,
        balance=levied - granted,
        awaiting=sum(s == "proposed" for s in states),
        awarded=sum(s in ("awarded", "closed") for s in states),
    )


def balance_series(session: Session, compact: Compact) -> list[tuple[dt.date, Decimal]]:
    """The endowment's balance at the end of each day with a posting, in posting order."""
    rows = session.execute(
        select(LedgerEntry.day, LedgerEntry.debit, LedgerEntry.credit)
        .where(LedgerEntry.compact_id == compact.id, LedgerEntry.account == "endowment")
        .order_by(LedgerEntry.id)
    ).all()
    by_day: dict[dt.date, Decimal] = {}
    balance = ZERO
    for day, debit, credit in rows:
        balance += debit - credit
        by_day[day] = balance
    return sorted(by_day.items())


def unidentified_flags(session: Session, compact: Compact) -> int:
    """Open vetting-list entries not yet named as a recipient unit: the gate cannot see them."""
    from portal.domain.models import UnitFlag

    return len(
        session.scalars(
            select(UnitFlag.id).where(
                UnitFlag.compact_id == compact.id,
                UnitFlag.cleared_day.is_(None),
                UnitFlag.unit_match == "",
            )
        ).all()
    )
