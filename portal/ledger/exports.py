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
from typing import Any

from portal.assess.exports import Column, safe_cell
from portal.domain.models import (
    AssistanceOverride,
    Compact,
    Disbursement,
    LedgerEntry,
    ReformGrant,
)
from portal.ledger.queries import EndowmentTotals
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
                x.compact,
                str(quarter),
                x.currency,
                x.rate_version,
                x.rate,
                x.effective_from.isoformat(),
                x.disbursements,
                x.reversals,
                x.gross,
                x.levy_posted,
                x.levy_expected,
                x.levy_exact,
                x.rounding,
                x.balanced,
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


# IATI codes where a ledger notion has one (iatistandard.org codelists): TransactionType 2
# "Outgoing Commitment" and 3 "Disbursement"; FinanceType 110 "Standard grant" and 421
# "Standard loan". A reversal is the same transaction type with a negative value, as IATI
# records corrections. Instruments without a clear IATI finance type carry null.
TRANSACTION_TYPES = {
    "disbursement": ("3", "Disbursement"),
    "reversal": ("3", "Disbursement"),
    "grant_award": ("2", "Outgoing Commitment"),
    "grant_payment": ("3", "Disbursement"),
}
FINANCE_TYPES = {"grant": "110", "loan": "421"}

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("compact", "#meta+compact+id"),
    Column("transaction", "#meta+transaction+id"),
    Column("transaction_type", "#meta+transaction+type"),
    Column("kind", "#meta+kind"),
    Column("date", "#date"),
    Column("reference", "#meta+ref"),
    Column("tranche", "#activity+tranche"),
    Column("instrument", "#meta+instrument"),
    Column("category", "#sector+category"),
    Column("category_min_tier", "#sector+tier+min"),
    Column("tier_in_force", "#indicator+tier"),
    Column("recipient_unit", "#org+recipient"),
    Column("gross", "#value+gross"),
    Column("currency", "#currency"),
    Column("fx_rate", "#indicator+fx"),
    Column("gross_reporting", "#value+gross+reporting"),
    Column("levy_rate", "#indicator+levy+rate"),
    Column("levy", "#value+levy"),
    Column("net", "#value+net"),
    Column("reporting_currency", "#currency+reporting"),
    Column("override", "#status+override"),
)


def _by_transaction(entries: Sequence[LedgerEntry]) -> dict[str, list[LedgerEntry]]:
    grouped: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.txn_id, []).append(entry)
    return grouped


def ledger_document(
    compact: Compact,
    totals: EndowmentTotals,
    disbursements: Sequence[Disbursement],
    entries: Sequence[LedgerEntry],
    grants: Sequence[tuple[ReformGrant, Decimal]],
    overrides: Sequence[AssistanceOverride],
) -> dict[str, Any]:
    """The compact's ledger in IATI's activity/transaction vocabulary where it fits."""
    by_ref = {f"disbursement:{d.public_id}": d for d in disbursements}
    overridden: dict[int, list[str]] = {}
    for o in overrides:
        overridden.setdefault(o.disbursement_id, []).append(o.reason)
    grouped = _by_transaction(entries)
    public_ids = {d.id: d.public_id for d in disbursements}
    transactions = []
    seen: set[str] = set()
    for entry in entries:
        if entry.txn_id in seen:
            continue
        seen.add(entry.txn_id)
        lines = grouped[entry.txn_id]
        code, name = TRANSACTION_TYPES[entry.kind]
        sign = Decimal(-1) if entry.kind == "reversal" else Decimal(1)
        row = by_ref.get(entry.reference)
        item: dict[str, Any] = {
            "ref": entry.txn_id,
            "kind": entry.kind,
            "transaction-type": {"code": code, "name": name},
            "transaction-date": {"iso-date": entry.day.isoformat()},
            "reference": entry.reference,
            "reverses": entry.reverses_txn,
            "postings": [
                {"account": e.account, "debit": f"{e.debit:.2f}", "credit": f"{e.credit:.2f}"}
                for e in lines
            ],
        }
        if row is not None:
            item.update(
                {
                    "value": {
                        "amount": f"{sign * row.gross:.2f}",
                        "currency": row.currency,
                        "value-date": row.day.isoformat(),
                    },
                    "value-reporting": {
                        "amount": f"{sign * row.gross_reporting:.2f}",
                        "currency": row.reporting_currency,
                        "fx-rate": str(row.fx_rate),
                    },
                    "description": {"narrative": row.tranche},
                    "finance-type": {"code": FINANCE_TYPES.get(row.instrument)},
                    "instrument": row.instrument,
                    "receiver-org": {"narrative": row.recipient_unit},
                    "assistance-category": {
                        "code": row.category_code,
                        "catalogue-version": row.catalogue_version,
                        "min-tier": row.category_min_tier,
                    },
                    "tier-in-force": row.tier_in_force,
                    "levy": {
                        "rate": str(row.levy_rate),
                        "rate-version": row.levy_rate_version,
                        "amount": f"{sign * row.levy:.2f}",
                    },
                    "net": f"{sign * row.net:.2f}",
                    "overrides": overridden.get(row.id, []),
                }
            )
        else:
            amount = sum((e.debit for e in lines), Decimal(0))
            item["value"] = {
                "amount": f"{amount:.2f}",
                "currency": entry.currency,
                "value-date": entry.day.isoformat(),
            }
        transactions.append(item)
    return {
        "iati-activity": {
            "iati-identifier": f"CW-{compact.slug}",
            "title": {"narrative": compact.title},
            "recipient-country": {"code": compact.country},
            "default-currency": totals.currency,
            "activity-date": [
                {"type": "2", "iso-date": compact.start_day.isoformat()},
                {"type": "3", "iso-date": compact.end_day.isoformat()},
            ],
        },
        "endowment": {
            "currency": totals.currency,
            "levied": f"{totals.levied:.2f}",
            "granted": f"{totals.granted:.2f}",
            "paid": f"{totals.paid:.2f}",
            "balance": f"{totals.balance:.2f}",
        },
        "transactions": transactions,
        "grants": [
            {
                "ref": g.public_id,
                "title": g.title,
                "applicant": {"narrative": g.applicant, "kind": g.applicant_kind},
                "state": g.state,
                "requested": f"{g.requested:.2f}",
                "awarded": None if g.awarded is None else f"{g.awarded:.2f}",
                "paid": f"{paid:.2f}",
                "result": {"indicator": g.indicator, "baseline": g.baseline, "target": g.target},
            }
            for g, paid in grants
        ],
        "overrides": [
            {
                "disbursement": public_ids.get(o.disbursement_id),
                "reason": o.reason,
                "justification": o.justification,
                "day": o.day.isoformat(),
            }
            for o in overrides
        ],
    }


def ledger_csv_rows(
    compact: Compact,
    disbursements: Sequence[Disbursement],
    entries: Sequence[LedgerEntry],
    overrides: Sequence[AssistanceOverride],
) -> str:
    """One row per transaction: disbursements with their figures, reversals negative, grant
    awards and payments with their amount."""
    by_ref = {f"disbursement:{d.public_id}": d for d in disbursements}
    overridden = {o.disbursement_id for o in overrides}
    grouped = _by_transaction(entries)
    rows: list[tuple[LedgerCell, ...]] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.txn_id in seen:
            continue
        seen.add(entry.txn_id)
        code, _name = TRANSACTION_TYPES[entry.kind]
        row = by_ref.get(entry.reference)
        if row is not None:
            sign = Decimal(-1) if entry.kind == "reversal" else Decimal(1)
            rows.append(
                (
                    compact.slug,
                    entry.txn_id,
                    code,
                    entry.kind,
                    entry.day.isoformat(),
                    row.public_id,
                    row.tranche,
                    row.instrument,
                    row.category_code,
                    row.category_min_tier,
                    row.tier_in_force,
                    row.recipient_unit,
                    sign * row.gross,
                    row.currency,
                    row.fx_rate,
                    sign * row.gross_reporting,
                    row.levy_rate,
                    sign * row.levy,
                    sign * row.net,
                    row.reporting_currency,
                    row.id in overridden,
                )
            )
        else:
            amount = sum((e.debit for e in grouped[entry.txn_id]), Decimal(0))
            rows.append(
                (
                    compact.slug,
                    entry.txn_id,
                    code,
                    entry.kind,
                    entry.day.isoformat(),
                    entry.reference.removeprefix("grant:"),
                    entry.memo,
                    None,
                    None,
                    None,
                    None,
                    None,
                    amount,
                    entry.currency,
                    None,
                    amount,
                    None,
                    None,
                    None,
                    entry.currency,
                    False,
                )
            )
    return ledger_csv(LEDGER_COLUMNS, rows)
