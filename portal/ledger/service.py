"""Recording disbursements: the tier and unit-vetting gate, overrides, the levy and postings.

A disbursement is checked against the compact's decided tier (`Compact.current_tier`, set only
by an assessor's written decision) and the compact's vetting list. A category above the tier,
or a flagged recipient unit, is refused unless an assessor records an override with a written
justification; each override is its own row and audit event, shown on the scorecard page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import (
    AssistanceOverride,
    Compact,
    Disbursement,
    LedgerBook,
    LedgerEntry,
    Role,
    UnitFlag,
    User,
)
from portal.domain.names import matching_form
from portal.i18n.markers import N_
from portal.ledger import postings
from portal.ledger.catalogue import categories, current_catalogue, rate_in_force
from portal.ledger.money import levy_for, to_cents

INSTRUMENTS = {
    "grant": N_("Grant"),
    "loan": N_("Loan"),
    "in_kind": N_("In-kind transfer"),
    "training": N_("Training services"),
}
MIN_JUSTIFICATION = 20
MAX_FX_RATE = Decimal("1000000")


class LedgerError(ValueError):
    """Input a person must correct: `message` is an N_ source string, `params` its values."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class GateRefusal:
    """Why the gate refuses: "tier" or "unit_flag", with the figures a person needs."""

    reason: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DisbursementRefused(Exception):
    def __init__(self, refusals: list[GateRefusal]) -> None:
        super().__init__("; ".join(r.reason for r in refusals))
        self.refusals = refusals


@dataclass(frozen=True)
class DisbursementInput:
    tranche: str
    day: dt.date
    instrument: str
    category_code: str
    recipient_unit: str
    gross: Decimal
    currency: str
    fx_rate: Decimal


def reporting_currency(session: Session, compact: Compact) -> str:
    book = session.scalar(select(LedgerBook).where(LedgerBook.compact_id == compact.id))
    return book.reporting_currency if book is not None else "USD"


def set_reporting_currency(session: Session, compact: Compact, currency: str) -> None:
    """Only before the first disbursement: postings already made cannot change currency."""
    currency = currency.strip().upper()
    if currency not in list_currencies():
        raise LedgerError(N_("Use a three-letter ISO 4217 currency code, such as USD or EUR."))
    if session.scalar(select(Disbursement.id).where(Disbursement.compact_id == compact.id)):
        raise LedgerError(N_("The reporting currency cannot change once money is recorded."))
    book = session.scalar(select(LedgerBook).where(LedgerBook.compact_id == compact.id))
    if book is None:
        session.add(LedgerBook(compact_id=compact.id, reporting_currency=currency))
    else:
        book.reporting_currency = currency
    session.flush()


def active_flag(session: Session, compact: Compact, recipient_unit: str) -> UnitFlag | None:
    """The uncleared vetting-list entry the recipient unit is identified as, if any."""
    match = matching_form(recipient_unit)
    if not match:
        return None
    return session.scalar(
        select(UnitFlag)
        .where(
            UnitFlag.compact_id == compact.id,
            UnitFlag.unit_match == match,
            UnitFlag.cleared_day.is_(None),
        )
        .order_by(UnitFlag.id)
        .limit(1)
    )


def gate(
    session: Session, compact: Compact, category_min_tier: int, category_code: str,
    recipient_unit: str,
) -> list[GateRefusal]:
    refusals = []
    if category_min_tier > compact.current_tier:
        refusals.append(
            GateRefusal(
                "tier",
                N_("This category needs tier %(needed)s; the compact's decided tier is "
                   "%(tier)s."),
                {"needed": category_min_tier, "tier": compact.current_tier,
                 "category": category_code},
            )
        )
    flag = active_flag(session, compact, recipient_unit)
    if flag is not None:
        refusals.append(
            GateRefusal(
                "unit_flag",
                N_("The recipient unit is on the vetting list since %(since)s "
                   "(%(incidents)s verified grave violations in %(months)s months)."),
                {"since": flag.since.isoformat(), "incidents": flag.incidents,
                 "months": flag.window_months, "flag": flag.public_id},
            )
        )
    return refusals


def _validate(compact: Compact, data: DisbursementInput, today: dt.date) -> None:
    if not data.tranche.strip() or len(data.tranche.strip()) > 64:
        raise LedgerError(N_("Name the tranche (up to 64 characters)."))
    if data.instrument not in INSTRUMENTS:
        raise LedgerError(N_("Choose an instrument from the list."))
    if not data.recipient_unit.strip() or len(data.recipient_unit.strip()) > 200:
        raise LedgerError(N_("Name the recipient unit (up to 200 characters)."))
    if data.day > today:
        raise LedgerError(N_("Record a disbursement on or after the day it is made."))
    if not compact.start_day <= data.day <= compact.end_day:
        raise LedgerError(N_("The day must fall within the compact's term."))
    if data.currency not in list_currencies():
        raise LedgerError(N_("Use a three-letter ISO 4217 currency code, such as USD or EUR."))
    if not Decimal(0) < data.fx_rate <= MAX_FX_RATE:
        raise LedgerError(N_("The exchange rate must be a positive number."))


def record_disbursement(
    session: Session,
    user: User,
    compact: Compact,
    data: DisbursementInput,
    *,
    justification: str = "",
    today: dt.date,
) -> Disbursement:
    """Check, levy, post and audit one disbursement in the caller's transaction.

    Raises `DisbursementRefused` when the gate refuses and no justification was written, and
    `LedgerError` for input to correct (including an override asked by someone who is not an
    assessor: admins keep the books, assessors answer for the tier).
    """
    _validate(compact, data, today)
    catalogue = current_catalogue(session)
    category = next((c for c in categories(catalogue) if c.code == data.category_code), None)
    if category is None:
        raise LedgerError(N_("Choose a category from the catalogue."))
    refusals = gate(session, compact, category.min_tier, category.code, data.recipient_unit)
    justification = justification.strip()
    if refusals:
        if not justification:
            raise DisbursementRefused(refusals)
        if not user.has_role(Role.ASSESSOR):
            raise LedgerError(N_("Only an assessor may authorise an override."))
        if len(justification) < MIN_JUSTIFICATION:
            raise LedgerError(N_("Write the justification for the override in a few sentences."))
    currency = reporting_currency(session, compact)
    if data.currency == currency and data.fx_rate != 1:
        raise LedgerError(N_("A disbursement in the reporting currency has an exchange rate of 1."))
    rate = rate_in_force(session, data.day)
    gross_reporting = to_cents(data.gross * data.fx_rate)
    levy = levy_for(rate.rate, gross_reporting)
    row = Disbursement(
        compact_id=compact.id,
        tranche=data.tranche.strip(),
        day=data.day,
        instrument=data.instrument,
        category_code=category.code,
        catalogue_version=catalogue.version,
        category_min_tier=category.min_tier,
        tier_in_force=compact.current_tier,
        recipient_unit=" ".join(data.recipient_unit.split()),
        gross=data.gross,
        currency=data.currency,
        fx_rate=data.fx_rate,
        reporting_currency=currency,
        gross_reporting=gross_reporting,
        levy_rate=rate.rate,
        levy_rate_version=rate.version,
        levy=levy,
        net=gross_reporting - levy,
        recorded_by_id=user.id,
    )
    session.add(row)
    session.flush()
    row.txn_id = postings.post(
        session,
        compact_id=compact.id,
        day=data.day,
        kind="disbursement",
        currency=currency,
        reference=f"disbursement:{row.public_id}",
        lines=[
            postings.Line(postings.FUNDING, credit=gross_reporting),
            postings.Line(postings.PARTNER, debit=row.net),
            postings.Line(postings.ENDOWMENT, debit=levy),
        ],
        recorded_by_id=user.id,
        levy_rate_version=rate.version,
        memo=row.tranche,
    )
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.disbursement_recorded",
        object_type="disbursement",
        object_id=row.public_id,
        detail={"compact": compact.slug, "category": category.code, "txn": row.txn_id},
    )
    for refusal in refusals:
        override = AssistanceOverride(
            compact_id=compact.id,
            disbursement_id=row.id,
            reason=refusal.reason,
            detail=dict(refusal.params),
            justification=justification,
            authorised_by_id=user.id,
        )
        session.add(override)
        session.flush()
        audit.record(
            session,
            actor_id=user.id,
            action="ledger.override_recorded",
            object_type="disbursement",
            object_id=row.public_id,
            detail={"reason": refusal.reason, "override": override.id},
        )
    return row


def endowment_balance(session: Session, compact: Compact) -> Decimal:
    return postings.balance(session, compact.id, postings.ENDOWMENT)


def reverse_disbursement(
    session: Session, user: User, compact: Compact, public_id: str, reason: str,
    *, today: dt.date,
) -> str:
    """Post the reversing transaction of a disbursement (never an edit); its id.

    The reversal is dated the day it is made, carries the original's rate version (the levy
    returned is the levy taken), and is refused if the endowment no longer holds that levy
    because grants were awarded from it: the balance may never go below zero.
    """
    # Checked under the ledger's lock: two reversals of one disbursement, or a reversal racing
    # a grant award, would otherwise both pass the checks below.
    postings.lock_books(session)
    row = session.scalar(
        select(Disbursement).where(
            Disbursement.public_id == public_id, Disbursement.compact_id == compact.id
        )
    )
    if row is None:
        raise LedgerError(N_("No such disbursement in this compact."))
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_txn == row.txn_id)):
        raise LedgerError(N_("This disbursement was already reversed."))
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise LedgerError(N_("Say why the disbursement is reversed."))
    if endowment_balance(session, compact) - row.levy < 0:
        raise LedgerError(
            N_("Reversing it would overdraw the endowment: grants were awarded from its levy.")
        )
    original = postings.transaction_lines(session, row.txn_id)
    txn = postings.post(
        session,
        compact_id=compact.id,
        day=max(today, row.day),
        kind="reversal",
        currency=row.reporting_currency,
        reference=f"disbursement:{row.public_id}",
        lines=[postings.Line(e.account, debit=e.credit, credit=e.debit) for e in original],
        recorded_by_id=user.id,
        reverses_txn=row.txn_id,
        levy_rate_version=row.levy_rate_version,
        memo=reason,
    )
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.disbursement_reversed",
        object_type="disbursement",
        object_id=row.public_id,
        detail={"compact": compact.slug, "txn": txn, "reverses": row.txn_id},
    )
    return txn
