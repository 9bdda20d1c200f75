"""The assistance ledger: catalogue, levy rates, disbursements, overrides, the hash-chained
double-entry postings, unit flags and reform grants (issue 11, indicators.md "Reform endowment").

Money columns are `Cents` (exact whole cents), rates `DecimalText` (exact decimal text).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, new_public_id, today
from portal.ledger.money import Cents, DecimalText


class AssistanceCatalogue(Base):
    """One version of the catalogue: categories of assistance and the minimum tier each needs.

    `categories`: [{"code": "light_lethal", "name": "Light lethal", "min_tier": 2}, ...]. A change
    is a new version; a disbursement records the version it was checked against.
    """

    __tablename__ = "assistance_catalogues"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_day: Mapped[dt.date] = mapped_column(default=today)


class LevyRate(Base):
    """Levy rate L in force from `effective_from` until the next version's `effective_from`."""

    __tablename__ = "levy_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText)
    effective_from: Mapped[dt.date] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_day: Mapped[dt.date] = mapped_column(default=today)


class LedgerBook(Base):
    """A compact's ledger settings: the reporting currency every posting is made in."""

    __tablename__ = "ledger_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), unique=True
    )
    reporting_currency: Mapped[str] = mapped_column(String(3), default="USD")


class Disbursement(Base):
    """One tranche of assistance, as checked and levied when it was recorded. Never edited:
    a correction is a reversal on the ledger (and, if needed, a new disbursement)."""

    __tablename__ = "disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    compact_id: Mapped[int] = mapped_column(ForeignKey("compacts.id"), index=True)
    tranche: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(index=True)
    instrument: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str] = mapped_column(String(32))
    catalogue_version: Mapped[int] = mapped_column(Integer)
    category_min_tier: Mapped[int] = mapped_column(SmallInteger)
    tier_in_force: Mapped[int] = mapped_column(SmallInteger)
    recipient_unit: Mapped[str] = mapped_column(String(200))
    gross: Mapped[Decimal] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    # Units of the reporting currency per unit of `currency`.
    fx_rate: Mapped[Decimal] = mapped_column(DecimalText)
    reporting_currency: Mapped[str] = mapped_column(String(3))
    gross_reporting: Mapped[Decimal] = mapped_column(Cents)
    levy_rate: Mapped[Decimal] = mapped_column(DecimalText)
    levy_rate_version: Mapped[int] = mapped_column(Integer)
    levy: Mapped[Decimal] = mapped_column(Cents)
    net: Mapped[Decimal] = mapped_column(Cents)
    txn_id: Mapped[str] = mapped_column(String(32), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_day: Mapped[dt.date] = mapped_column(default=today)


class AssistanceOverride(Base):
    """An assessor's written decision to record a disbursement the gate refused."""

    __tablename__ = "assistance_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(ForeignKey("compacts.id"), index=True)
    disbursement_id: Mapped[int] = mapped_column(ForeignKey("disbursements.id"), index=True)
    # "tier": the category needs a higher tier; "unit_flag": the recipient unit is flagged.
    reason: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    justification: Mapped[str] = mapped_column(Text)
    authorised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[dt.date] = mapped_column(default=today)


class LedgerEntry(Base):
    """One line of a double-entry transaction. Rows are only ever added; `hash` covers the row
    and the previous row's hash, so `portal ledger verify` names the first edited row."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("txn_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(32), index=True)
    line: Mapped[int] = mapped_column(SmallInteger)
    compact_id: Mapped[int] = mapped_column(ForeignKey("compacts.id"), index=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(24))
    account: Mapped[str] = mapped_column(String(32))
    debit: Mapped[Decimal] = mapped_column(Cents)
    credit: Mapped[Decimal] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    # "disbursement:<public id>" or "grant:<public id>".
    reference: Mapped[str] = mapped_column(String(80), index=True)
    reverses_txn: Mapped[str | None] = mapped_column(String(32), index=True)
    levy_rate_version: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class UnitFlag(Base):
    """A unit on the compact's vetting list (Leahy-style): why, since when, how it was cleared.

    `unit_key` is the opaque keyed hash the desks' clusters carry; `unit_name` is what the
    assessor identified it as (the name disbursements are checked against, by `unit_match`).
    """

    __tablename__ = "unit_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    compact_id: Mapped[int] = mapped_column(ForeignKey("compacts.id"), index=True)
    unit_key: Mapped[str | None] = mapped_column(String(64), index=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    unit_match: Mapped[str] = mapped_column(String(200), default="", index=True)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    window_months: Mapped[int] = mapped_column(Integer, default=12)
    since: Mapped[dt.date]
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_day: Mapped[dt.date] = mapped_column(default=today)
    identified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_day: Mapped[dt.date | None]
    remediation: Mapped[str] = mapped_column(Text, default="")
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReformGrant(Base):
    """A partner-led reform proposal, its review, its award from the endowment and its plan."""

    __tablename__ = "reform_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    compact_id: Mapped[int] = mapped_column(ForeignKey("compacts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    applicant: Mapped[str] = mapped_column(String(200))
    # "partner_institution" or "civil_society".
    applicant_kind: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text, default="")
    requested: Mapped[Decimal] = mapped_column(Cents)
    # proposed → awarded | declined; awarded → closed.
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    indicator: Mapped[str] = mapped_column(String(200))
    baseline: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(100))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_day: Mapped[dt.date] = mapped_column(default=today)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_day: Mapped[dt.date | None]
    awarded: Mapped[Decimal | None] = mapped_column(Cents)
    award_txn: Mapped[str | None] = mapped_column(String(32))
