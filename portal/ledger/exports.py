"""Ledger exports: CSV with an HXL hashtag row (as the other exports) and JSON.

Amounts are written as exact decimal text from `Decimal` (never through float); a negative
amount keeps its minus sign, since a cell this module formats from a number cannot hold a
formula. Any text cell is defused like the other exports (portal/assess/exports.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from portal.assess.exports import Column, safe_cell
from portal.ledger.reconcile import Quarter, RatePeriod

LedgerCell = str | int | bool | Decimal | None

RECONCILIATION_COLUMNS: tuple[Column, ...] = (
    Column("compact", "#meta+compact+id"),
    Column("quarter", "#date+quarter"),
    Column("currency", "#currency"),
    Column("rate_version", "#meta+levy+version"),
    Column("rate", "#indicator+levy+rate"),
    Column("rate_effective_from", "#date+start"),
    Column("disbursements", "#meta+disbursements+num"),
    Column("reversals", "#meta+reversals+num"),
    Column("gross", "#value+gross"),
    Column("levy_posted", "#value+levy+posted"),
    Column("levy_expected", "#value+levy+expected"),
    Column("levy_exact", "#value+levy+exact"),
    Column("rounding", "#value+levy+rounding"),
    Column("balanced", "#status+balanced"),
)


def _cell(value: LedgerCell) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return safe_cell(value)


def ledger_csv(columns: Sequence[Column], rows: Iterable[Sequence[LedgerCell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerow([c.hxl for c in columns])  # fixed `#tags`: written as is
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def reconciliation_csv(quarter: Quarter, lines: Sequence[RatePeriod]) -> str:
    return ledger_csv(
        RECONCILIATION_COLUMNS,
        (
            (
                x.compact, str(quarter), x.currency, x.rate_version, x.rate,
                x.effective_from.isoformat(), x.disbursements, x.reversals, x.gross,
                x.levy_posted, x.levy_expected, x.levy_exact, x.rounding, x.balanced,
            )
            for x in lines
        ),
    )


def reconciliation_document(quarter: Quarter, lines: Sequence[RatePeriod]) -> dict[str, object]:
    return {
        "quarter": str(quarter),
        "first_day": quarter.first.isoformat(),
        "last_day": quarter.last.isoformat(),
        "balanced": all(x.balanced for x in lines),
        "rate_periods": [x.as_dict() for x in lines],
    }
