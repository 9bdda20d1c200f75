"""Quarterly reconciliation: Σ levies = Σ L × gross per rate period (indicators.md).

For each compact and each levy-rate version used in the quarter, the ledger's postings are set
against the disbursements they came from: the levy posted to the endowment must equal, to the
cent, the sum of round-half-even(L × gross) recomputed from each disbursement (reversals
counting negative), and may differ from L × Σ gross only by the rounding of each row (at most
half a cent per row).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Compact, Disbursement, LedgerEntry, LevyRate
from portal.ledger import postings
from portal.ledger.money import ZERO, levy_for

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
HALF_CENT = Decimal("0.005")


class BadQuarter(ValueError):
    pass


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = _QUARTER.match(text.strip().upper())
        if not found or not 2000 <= int(found.group(1)) <= 2100:
            raise BadQuarter(text)
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class RatePeriod:
    compact: str
    currency: str
    rate_version: int
    rate: Decimal
    effective_from: dt.date
    disbursements: int
    reversals: int
    gross: Decimal  # Σ gross posted (reversals negative)
    levy_posted: Decimal  # Σ endowment debits − credits of these transactions
    levy_expected: Decimal  # Σ round-half-even(L × gross_i), recomputed per disbursement
    levy_exact: Decimal  # L × Σ gross, unrounded

    @property
    def rounding(self) -> Decimal:
        return self.levy_posted - self.levy_exact

    @property
    def balanced(self) -> bool:
        rows = self.disbursements + self.reversals
        return (
            self.levy_posted == self.levy_expected
            and abs(self.rounding) <= HALF_CENT * rows
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "compact": self.compact,
            "currency": self.currency,
            "rate_version": self.rate_version,
            "rate": str(self.rate),
            "rate_effective_from": self.effective_from.isoformat(),
            "disbursements": self.disbursements,
            "reversals": self.reversals,
            "gross": f"{self.gross:.2f}",
            "levy_posted": f"{self.levy_posted:.2f}",
            "levy_expected": f"{self.levy_expected:.2f}",
            "levy_exact": str(self.levy_exact),
            "rounding": str(self.rounding),
            "balanced": self.balanced,
        }


def reconcile(
    session: Session, quarter: Quarter, compact: Compact | None = None
) -> list[RatePeriod]:
    """One line per compact and rate version with postings in the quarter."""
    query = select(LedgerEntry).where(
        LedgerEntry.day >= quarter.first,
        LedgerEntry.day <= quarter.last,
        LedgerEntry.kind.in_(("disbursement", "reversal")),
        LedgerEntry.levy_rate_version.is_not(None),
    )
    if compact is not None:
        query = query.where(LedgerEntry.compact_id == compact.id)
    entries = session.scalars(query.order_by(LedgerEntry.id)).all()
    rates = {r.version: r for r in session.scalars(select(LevyRate)).all()}
    slugs = {i: slug for i, slug in session.execute(select(Compact.id, Compact.slug)).all()}
    references = {e.reference.removeprefix("disbursement:") for e in entries}
    rows = {
        d.public_id: d
        for d in session.scalars(
            select(Disbursement).where(Disbursement.public_id.in_(references))
        ).all()
    }
    key_type = tuple[int, int, str]
    gross: dict[key_type, Decimal] = defaultdict(lambda: ZERO)
    levy: dict[key_type, Decimal] = defaultdict(lambda: ZERO)
    expected: dict[key_type, Decimal] = defaultdict(lambda: ZERO)
    counted: dict[key_type, list[int]] = defaultdict(lambda: [0, 0])
    seen: set[str] = set()
    for entry in entries:
        version = int(entry.levy_rate_version or 0)
        key = (entry.compact_id, version, entry.currency)
        sign = Decimal(1) if entry.kind == "disbursement" else Decimal(-1)
        if entry.account == postings.FUNDING:
            gross[key] += entry.credit - entry.debit
        elif entry.account == postings.ENDOWMENT:
            levy[key] += entry.debit - entry.credit
        if entry.txn_id in seen:
            continue
        seen.add(entry.txn_id)
        counted[key][0 if entry.kind == "disbursement" else 1] += 1
        row = rows.get(entry.reference.removeprefix("disbursement:"))
        rate = rates.get(version)
        if row is not None and rate is not None:
            expected[key] += sign * levy_for(rate.rate, row.gross_reporting)
    lines = []
    for key in sorted(counted, key=lambda k: (slugs.get(k[0], ""), k[1])):
        compact_id, version, currency = key
        rate = rates.get(version)
        rate_value = rate.rate if rate is not None else ZERO
        lines.append(
            RatePeriod(
                compact=slugs.get(compact_id, str(compact_id)),
                currency=currency,
                rate_version=version,
                rate=rate_value,
                effective_from=rate.effective_from if rate is not None else dt.date.min,
                disbursements=counted[key][0],
                reversals=counted[key][1],
                gross=gross[key],
                levy_posted=levy[key],
                levy_expected=expected[key],
                levy_exact=rate_value * gross[key],
            )
        )
    return lines
