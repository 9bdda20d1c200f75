"""What the ledger pages read: a compact's disbursements, overrides and category totals."""

from __future__ import annotations

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
